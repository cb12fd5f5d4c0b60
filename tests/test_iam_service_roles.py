"""Service-linked roles (AWS's paths and names, deletion tasks) and server certificates (the certificate,
its matching private key and chain checked), through boto3."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.support import error_of, unique


def test_service_linked_roles(aws):
    iam = aws("iam")
    role = iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com",
                                          CustomSuffix=unique("s"), Description="eb")["Role"]
    assert role["Path"] == "/aws-service-role/elasticbeanstalk.amazonaws.com/"
    assert role["RoleName"].startswith("AWSServiceRoleForElasticBeanstalk_")
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": ["elasticbeanstalk.amazonaws.com"]}
    assert error_of(iam.delete_role, RoleName=role["RoleName"]) == ("UnmodifiableEntity", 400)
    plain = iam.create_service_linked_role(AWSServiceName="config.amazonaws.com")["Role"]
    assert plain["RoleName"] == "AWSServiceRoleForConfig"
    assert error_of(iam.create_service_linked_role, AWSServiceName="config.amazonaws.com") == ("InvalidInput", 400)
    assert error_of(iam.create_service_linked_role, AWSServiceName="config.amazonaws.com", CustomSuffix="x") == \
        ("InvalidInput", 400)
    task = iam.delete_service_linked_role(RoleName=role["RoleName"])["DeletionTaskId"]
    assert task.startswith(f"task/aws-service-role/elasticbeanstalk.amazonaws.com/{role['RoleName']}/")
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
    assert error_of(iam.get_role, RoleName=role["RoleName"]) == ("NoSuchEntity", 404)
    assert error_of(iam.delete_service_linked_role, RoleName=unique("missing")) == ("NoSuchEntity", 404)
    iam.delete_service_linked_role(RoleName=plain["RoleName"])


def _certificate(key, days: int = 365) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.example.com")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=days)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


def test_server_certificates(aws):
    iam = aws("iam")
    key, other = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))
    body, chain = _certificate(key), _certificate(other)
    name = unique("cert")
    uploaded = iam.upload_server_certificate(ServerCertificateName=name, CertificateBody=body, PrivateKey=_pem(key),
                                             CertificateChain=chain, Path="/cloudfront/",
                                             Tags=[{"Key": "a", "Value": "1"}])
    meta = uploaded["ServerCertificateMetadata"]
    assert meta["ServerCertificateId"].startswith("ASCA") and meta["Arn"].endswith(f":server-certificate/cloudfront/{name}")
    assert (meta["Expiration"] - datetime.now(UTC)).days in (363, 364, 365)
    got = iam.get_server_certificate(ServerCertificateName=name)["ServerCertificate"]
    assert got["CertificateBody"] == body and got["CertificateChain"] == chain and "PrivateKey" not in got
    assert error_of(iam.upload_server_certificate, ServerCertificateName=unique("c"), CertificateBody=body,
                    PrivateKey=_pem(other)) == ("KeyPairMismatch", 400)
    assert error_of(iam.upload_server_certificate, ServerCertificateName=unique("c"), CertificateBody="junk",
                    PrivateKey=_pem(key)) == ("MalformedCertificate", 400)
    assert error_of(iam.upload_server_certificate, ServerCertificateName=name, CertificateBody=body,
                    PrivateKey=_pem(key)) == ("EntityAlreadyExists", 409)
    assert name in [c["ServerCertificateName"] for c in
                    iam.list_server_certificates(PathPrefix="/cloudfront/")["ServerCertificateMetadataList"]]
    renamed = unique("cert")
    iam.update_server_certificate(ServerCertificateName=name, NewServerCertificateName=renamed, NewPath="/elb/")
    moved = iam.get_server_certificate(ServerCertificateName=renamed)["ServerCertificate"]["ServerCertificateMetadata"]
    assert moved["Path"] == "/elb/" and moved["ServerCertificateId"] == meta["ServerCertificateId"]
    iam.tag_server_certificate(ServerCertificateName=renamed, Tags=[{"Key": "b", "Value": "2"}])
    iam.untag_server_certificate(ServerCertificateName=renamed, TagKeys=["a"])
    assert iam.list_server_certificate_tags(ServerCertificateName=renamed)["Tags"] == [{"Key": "b", "Value": "2"}]
    iam.delete_server_certificate(ServerCertificateName=renamed)
    assert error_of(iam.get_server_certificate, ServerCertificateName=renamed) == ("NoSuchEntity", 404)
