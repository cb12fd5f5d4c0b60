"""Reports and account-level IAM: the credential report, access keys' last use, the account summary,
aliases, access advisor, and users' signing certificates and SSH public keys, through boto3."""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from tests.support import error_of, make_client, unique, virtual_now


def certificate_pem(key=None) -> str:
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, unique("cn"))])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def user_with_key(aws, endpoint):
    iam = aws("iam")
    name = unique("u")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return name, key


def test_access_key_last_used_and_the_credential_report(aws, endpoint, user_with_key):
    iam = aws("iam")
    name, key = user_with_key
    assert iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]["ServiceName"] == "N/A"
    make_client(endpoint, "sts", region="eu-west-2", key=key["AccessKeyId"],
                secret=key["SecretAccessKey"]).get_caller_identity()
    before = virtual_now(endpoint)
    used = {}
    for _ in range(100):  # the call is recorded from its API-call event, a moment after it is answered
        used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
        if used["ServiceName"] != "N/A":
            break
        time.sleep(0.1)
    assert used["ServiceName"] == "sts" and used["Region"] == "eu-west-2"
    assert abs((used["LastUsedDate"] - before).total_seconds()) < 120
    assert error_of(iam.get_credential_report) == ("ReportNotPresent", 410)
    assert iam.generate_credential_report()["State"] == "STARTED"
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    report = iam.get_credential_report()
    assert report["ReportFormat"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(report["Content"].decode())))
    assert rows[0]["user"] == "<root_account>"
    [row] = [r for r in rows if r["user"] == name]
    assert row["access_key_1_active"] == "true" and row["access_key_1_last_used_service"] == "sts"
    assert row["access_key_1_last_used_region"] == "eu-west-2" and row["password_enabled"] == "false"
    assert list(rows[0])[:4] == ["user", "arn", "user_creation_time", "password_enabled"]


def test_account_summary_and_aliases(aws):
    iam = aws("iam")
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["Users"] >= 1 and summary["UsersQuota"] == 5000 and summary["AccessKeysPerUserQuota"] == 2
    alias = unique("alias")
    iam.create_account_alias(AccountAlias=alias)
    assert iam.list_account_aliases()["AccountAliases"] == [alias]
    assert error_of(iam.create_account_alias, AccountAlias="Bad_Alias") == ("ValidationError", 400)
    iam.delete_account_alias(AccountAlias=alias)
    assert iam.list_account_aliases()["AccountAliases"] == []
    assert error_of(iam.delete_account_alias, AccountAlias=alias) == ("NoSuchEntity", 404)


def test_access_advisor_reports_the_services_a_policy_allows_and_their_use(aws, user_with_key):
    iam = aws("iam")
    name, _ = user_with_key
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "sqs:*"],
                                               "Resource": "*"}]}))
    arn = iam.get_user(UserName=name)["User"]["Arn"]
    job = iam.generate_service_last_accessed_details(Arn=arn)["JobId"]
    details = iam.get_service_last_accessed_details(JobId=job)
    assert details["JobStatus"] == "COMPLETED"
    services = {s["ServiceNamespace"]: s for s in details["ServicesLastAccessed"]}
    assert {"s3", "sqs", "sts"} <= set(services)
    assert services["sts"]["LastAuthenticatedEntity"] == arn and services["s3"]["TotalAuthenticatedEntities"] == 0
    entities = iam.get_service_last_accessed_details_with_entities(JobId=job, ServiceNamespace="sts")
    assert [e["EntityInfo"]["Arn"] for e in entities["EntityDetailsList"]] == [arn]
    assert error_of(iam.get_service_last_accessed_details, JobId=str(uuid.uuid4())) == \
        ("NoSuchEntity", 404)


def test_signing_certificates_and_ssh_public_keys(aws, user_with_key):
    iam = aws("iam")
    name, _ = user_with_key
    body = certificate_pem()
    certificate = iam.upload_signing_certificate(UserName=name, CertificateBody=body)["Certificate"]
    assert certificate["Status"] == "Active" and len(certificate["CertificateId"]) == 32
    assert error_of(iam.upload_signing_certificate, UserName=name, CertificateBody=body)[0] == "DuplicateCertificate"
    assert error_of(iam.upload_signing_certificate, UserName=name, CertificateBody="not a certificate") == \
        ("MalformedCertificate", 400)
    iam.upload_signing_certificate(UserName=name, CertificateBody=certificate_pem())
    assert error_of(iam.upload_signing_certificate, UserName=name, CertificateBody=certificate_pem()) == \
        ("LimitExceeded", 409)
    iam.update_signing_certificate(UserName=name, CertificateId=certificate["CertificateId"], Status="Inactive")
    listed = {c["CertificateId"]: c for c in iam.list_signing_certificates(UserName=name)["Certificates"]}
    assert listed[certificate["CertificateId"]]["Status"] == "Inactive"
    iam.delete_signing_certificate(UserName=name, CertificateId=certificate["CertificateId"])
    assert len(iam.list_signing_certificates(UserName=name)["Certificates"]) == 1

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    openssh = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                            serialization.PublicFormat.OpenSSH).decode()
    uploaded = iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=openssh)["SSHPublicKey"]
    digest = hashlib.md5(base64.b64decode(openssh.split()[1])).hexdigest()
    assert uploaded["Fingerprint"] == ":".join(digest[i:i + 2] for i in range(0, 32, 2))
    assert uploaded["SSHPublicKeyId"].startswith("APKA")
    pem = iam.get_ssh_public_key(UserName=name, SSHPublicKeyId=uploaded["SSHPublicKeyId"], Encoding="PEM")
    assert pem["SSHPublicKey"]["SSHPublicKeyBody"].startswith("-----BEGIN PUBLIC KEY-----")
    assert error_of(iam.upload_ssh_public_key, UserName=name, SSHPublicKeyBody=openssh)[0] == "DuplicateSSHPublicKey"
    assert error_of(iam.upload_ssh_public_key, UserName=name, SSHPublicKeyBody="ssh-rsa AAAAnotakey")[0] == \
        "UnrecognizedPublicKeyEncoding"
    small = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    assert error_of(iam.upload_ssh_public_key, UserName=name, SSHPublicKeyBody=small)[0] == "InvalidPublicKey"
    iam.update_ssh_public_key(UserName=name, SSHPublicKeyId=uploaded["SSHPublicKeyId"], Status="Inactive")
    assert iam.list_ssh_public_keys(UserName=name)["SSHPublicKeys"][0]["Status"] == "Inactive"
    assert error_of(iam.delete_user, UserName=name) == ("DeleteConflict", 409)
    iam.delete_ssh_public_key(UserName=name, SSHPublicKeyId=uploaded["SSHPublicKeyId"])
    assert iam.list_ssh_public_keys(UserName=name)["SSHPublicKeys"] == []
