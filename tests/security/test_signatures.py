"""A signature covers what the request does: no unsigned header changes it, the body is the one signed, a
presigned URL cannot be dated ahead to outlive its week, and virtual-host requests verify as they were signed."""
from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import botocore.auth
import pytest
import requests
from botocore.auth import S3SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.support import error_of, make_client, signed, unique

HEADERS_NOT_SIGNED = "There were headers present in the request which were not signed"


def s3_error(response: requests.Response) -> dict[str, str]:
    return {child.tag: child.text or "" for child in ET.fromstring(response.content)}


@pytest.fixture(scope="module")
def s3v4(client):
    # Without asking for s3v4, botocore presigns a custom endpoint with SigV2, which signs x-amz-* headers anyway.
    return client("s3", signature_version="s3v4")


@pytest.fixture
def private_object(s3v4, bucket):
    key = unique("secret")
    s3v4.put_object(Bucket=bucket, Key=key, Body=b"private data")
    return key


# --- unsigned headers ------------------------------------------------------------------------------

def test_unsigned_copy_source_cannot_turn_a_presigned_upload_into_a_copy(s3v4, bucket, private_object):
    key = unique("upload")
    url = s3v4.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300)
    response = requests.put(url, data=b"", headers={"x-amz-copy-source": f"{bucket}/{private_object}"}, timeout=10)
    assert response.status_code == 403
    error = s3_error(response)
    assert (error["Code"], error["Message"], error["HeadersNotSigned"]) == (
        "AccessDenied", HEADERS_NOT_SIGNED, "x-amz-copy-source")
    assert error_of(s3v4.head_object, Bucket=bucket, Key=key).status == 404
    # The URL as issued still works: only what its signer did not sign is refused.
    assert requests.put(url, data=b"uploaded", timeout=10).status_code == 200


@pytest.mark.parametrize("headers", [
    {"x-amz-acl": "public-read"},
    {"x-amz-tagging": "owner=attacker"},
    {"x-amz-meta-origin": "attacker"},
    {"x-amz-website-redirect-location": "https://attacker.example/"},
    {"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="},
    {"x-amz-storage-class": "GLACIER", "x-amz-server-side-encryption": "aws:kms"},
])
def test_unsigned_headers_on_a_presigned_put_are_refused(s3v4, bucket, headers):
    key = unique("upload")
    url = s3v4.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300)
    response = requests.put(url, data=b"", headers=headers, timeout=10)
    assert response.status_code == 403, response.text
    error = s3_error(response)
    assert (error["Code"], error["Message"]) == ("AccessDenied", HEADERS_NOT_SIGNED)
    assert error["HeadersNotSigned"] == ", ".join(sorted(name.lower() for name in headers))
    assert error_of(s3v4.head_object, Bucket=bucket, Key=key).status == 404


def test_headers_the_presigner_signed_are_accepted(s3v4, bucket):
    key = unique("signed-acl")
    url = s3v4.generate_presigned_url("put_object", ExpiresIn=300, Params={
        "Bucket": bucket, "Key": key, "Metadata": {"origin": "owner"}})
    assert requests.put(url, data=b"x", headers={"x-amz-meta-origin": "owner"}, timeout=10).status_code == 200
    assert s3v4.head_object(Bucket=bucket, Key=key)["Metadata"] == {"origin": "owner"}


def test_presigned_callers_may_add_an_unsigned_content_sha256_and_content_type(s3v4, bucket, private_object):
    # S3 lets a presigned request carry these unsigned: its payload is unsigned anyway, and browsers set the type.
    url = s3v4.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": private_object}, ExpiresIn=300)
    response = requests.get(url, headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD", "Content-Type": "text/plain"},
                            timeout=10)
    assert response.status_code == 200 and response.content == b"private data"


def test_unsigned_headers_on_a_header_signed_request_are_refused(endpoint, s3v4, bucket):
    key = unique("header-signed")
    url, headers = signed(endpoint, "s3", "PUT", f"/{bucket}/{key}", b"data", signer=S3SigV4Auth)
    response = requests.put(url, data=b"data", headers={**headers, "x-amz-acl": "public-read-write"}, timeout=10)
    assert response.status_code == 403
    assert s3_error(response)["HeadersNotSigned"] == "x-amz-acl"
    assert error_of(s3v4.head_object, Bucket=bucket, Key=key).status == 404
    assert requests.put(url, data=b"data", headers=headers, timeout=10).status_code == 200


def test_other_services_refuse_unsigned_amz_headers(endpoint, client):
    name = unique("user")
    body = f"Action=CreateUser&UserName={name}&Version=2010-05-08".encode()
    form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    url, headers = signed(endpoint, "iam", body=body, headers=form)
    response = requests.post(url, data=body, headers={**headers, "X-Amz-Security-Token": "another-session"},
                             timeout=10)
    assert response.status_code == 400
    assert "<Code>IncompleteSignature</Code>" in response.text and "x-amz-security-token" in response.text
    assert error_of(client("iam").get_user, UserName=name).code == "NoSuchEntity"


# --- the payload ----------------------------------------------------------------------------------

def test_unsigned_payload_does_not_skip_the_body_check_outside_s3(endpoint, client):
    name, other = unique("user"), unique("other")
    body = f"Action=CreateUser&UserName={name}&Version=2010-05-08".encode()
    url, headers = signed(endpoint, "iam", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    response = requests.post(url, data=body.replace(name.encode(), other.encode()), headers=headers, timeout=10)
    assert response.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in response.text
    for user in (name, other):
        assert error_of(client("iam").get_user, UserName=user).code == "NoSuchEntity"


def test_s3_takes_unsigned_payloads_but_not_made_up_ones(endpoint, s3v4, bucket):
    key = unique("unsigned")
    url, headers = signed(endpoint, "s3", "PUT", f"/{bucket}/{key}", headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    assert requests.put(url, data=b"any body", headers=headers, timeout=10).status_code == 200
    assert s3v4.get_object(Bucket=bucket, Key=key)["Body"].read() == b"any body"

    url, headers = signed(endpoint, "s3", "PUT", f"/{bucket}/{key}", headers={"X-Amz-Content-SHA256": "TRUST-ME"})
    response = requests.put(url, data=b"other body", headers=headers, timeout=10)
    assert (response.status_code, s3_error(response)["Code"]) == (400, "InvalidArgument")
    assert s3v4.get_object(Bucket=bucket, Key=key)["Body"].read() == b"any body"


# --- presigned URLs dated ahead -------------------------------------------------------------------

def presigned_at(monkeypatch, s3v4, moment: datetime, **params) -> str:
    monkeypatch.setattr(botocore.auth, "get_current_datetime",
                        lambda remove_tzinfo=True: moment.replace(tzinfo=None))
    return s3v4.generate_presigned_url("get_object", Params=params, ExpiresIn=604800)


def test_presigned_url_dated_ahead_is_not_yet_valid(monkeypatch, s3v4, bucket, private_object):
    ahead = datetime.now(UTC) + timedelta(days=30)
    response = requests.get(presigned_at(monkeypatch, s3v4, ahead, Bucket=bucket, Key=private_object), timeout=10)
    assert response.status_code == 403
    error = s3_error(response)
    assert (error["Code"], error["Message"]) == ("AccessDenied", "Request is not yet valid")
    # Within the clock skew AWS allows, a client whose clock runs ahead is still served.
    nearly = datetime.now(UTC) + timedelta(minutes=10)
    response = requests.get(presigned_at(monkeypatch, s3v4, nearly, Bucket=bucket, Key=private_object), timeout=10)
    assert response.status_code == 200


# --- virtual-host addressing ----------------------------------------------------------------------

@pytest.fixture
def localhost_names(monkeypatch):
    """``*.localhost`` resolves to the loopback address, as browsers and systemd-resolved make it."""
    resolve = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize("host", ["s3.localhost", "s3.us-east-1.localhost"])
def test_virtual_host_requests_verify(localhost_names, server, s3v4, bucket, host):
    virtual = make_client(f"http://{host}:{server.config.port}", "s3",
                          s3={"addressing_style": "virtual"}, signature_version="s3v4")
    key = unique("virtual") + "/a b.txt"
    virtual.put_object(Bucket=bucket, Key=key, Body=b"by host")
    assert virtual.get_object(Bucket=bucket, Key=key)["Body"].read() == b"by host"
    assert key in [o["Key"] for o in virtual.list_objects_v2(Bucket=bucket)["Contents"]]
    url = virtual.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300)
    assert url.startswith(f"http://{bucket}.{host}:")
    assert requests.get(url, timeout=10).content == b"by host"
    # The signature still binds the host: the same request for another bucket does not verify.
    other = requests.get(url.replace(f"//{bucket}.", f"//{unique('other')}."), timeout=10)
    assert s3_error(other)["Code"] == "SignatureDoesNotMatch"
    assert s3v4.get_object(Bucket=bucket, Key=key)["Body"].read() == b"by host"


def test_presigned_sts_url_dated_ahead_is_not_yet_current(monkeypatch, endpoint):
    ahead = datetime.now(UTC) + timedelta(days=6)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda remove_tzinfo=True: ahead.replace(tzinfo=None))
    request = AWSRequest(method="GET", url=endpoint + "/", params={"Action": "GetCallerIdentity", "Version": "2011-06-15"})
    SigV4QueryAuth(Credentials("test", "test"), "sts", "us-east-1", expires=604800).add_auth(request)
    response = requests.get(request.prepare().url, timeout=10)
    assert response.status_code == 400
    assert "<Code>RequestExpired</Code>" in response.text and "Signature not yet current" in response.text
