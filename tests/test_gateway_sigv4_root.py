"""A call to "/", and an S3 call without a query, have their SigV4 canonical request written directly
(gateway/sigv4_root.py), in exactly the bytes botocore's signer gives: the signatures botocore makes verify, and a
changed request does not."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from nimbus.gateway.sigv4 import AuthError, _header_candidates, read_signature, verify_signature
from nimbus.gateway.sigv4_root import root_canonical_request, s3_canonical_request
from nimbus.protocol.http import HttpRequest

BODY = b'{"StreamName": "s", "PartitionKey": "k", "Data": "cg=="}'
VARIANTS = {
    "json": {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Kinesis_20131202.PutRecord"},
    "spaces and a token": {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "  Kinesis_20131202.PutRecord",
                           "X-Amz-Security-Token": "token  with   runs", "X-Custom": " a  b "},
    "a signed payload hash": {"Content-Type": "application/x-amz-json-1.1",
                              "X-Amz-Content-SHA256": hashlib.sha256(BODY).hexdigest()},
    "a repeated value": {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "X-Amz-Meta": "a, b"},
}


def botocore_signed(headers: dict[str, str], body: bytes = BODY) -> HttpRequest:
    request = AWSRequest(method="POST", url="http://127.0.0.1:4566/", data=body, headers=dict(headers))
    SigV4Auth(Credentials("AKID", "secret"), "kinesis", "us-east-1").add_auth(request)
    sent = {"Host": "127.0.0.1:4566", **dict(request.headers.items())}
    return HttpRequest("POST", "/", "", sent, body)


@pytest.mark.parametrize("variant", VARIANTS)
def test_botocore_signatures_verify_through_the_direct_canonical_request(variant):
    request = botocore_signed(VARIANTS[variant])
    info = read_signature(request)
    [headers, *_] = _header_candidates(request, info.signed_headers)
    assert root_canonical_request(request, headers, "/") is not None  # the direct way is the one taken
    verify_signature(request, info, "secret", datetime.now(UTC))


def test_a_changed_body_or_header_does_not_verify():
    request = botocore_signed(VARIANTS["json"])
    tampered = HttpRequest("POST", "/", "", request.headers, BODY.replace(b'"k"', b'"j"'))
    with pytest.raises(AuthError):
        verify_signature(tampered, read_signature(tampered), "secret", datetime.now(UTC))
    request.headers["x-amz-target"] = "Kinesis_20131202.DeleteStream"
    with pytest.raises(AuthError):
        verify_signature(request, read_signature(request), "secret", datetime.now(UTC))


def test_other_requests_take_botocores_way():
    request = botocore_signed(VARIANTS["json"])
    info = read_signature(request)
    [headers, *_] = _header_candidates(request, info.signed_headers)
    assert root_canonical_request(request, headers, "/other") is None
    request.query_string = "a=b"
    assert root_canonical_request(request, headers, "/") is None


S3_PATHS = ["/bucket/key", "/bucket/a%20b/c%2Fd", "/bucket//double/", "/bucket/%C3%BCn%C3%AF",
            "/bucket/k~!$&'()*+,;=:@[]|{}^`\"<>\\", "/key-on-a-virtual-host", "/"]


def s3_signed(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[HttpRequest, AWSRequest]:
    request = AWSRequest(method=method, url=f"http://127.0.0.1:4566{path}", data=body, headers=dict(headers))
    S3SigV4Auth(Credentials("AKID", "secret"), "s3", "us-east-1").add_auth(request)
    sent = {"Host": "127.0.0.1:4566", **dict(request.headers.items())}
    return HttpRequest(method, path, "", sent, body), request


@pytest.mark.parametrize("path", S3_PATHS)
@pytest.mark.parametrize("method,headers,body", [
    ("GET", {}, b""), ("HEAD", {"Range": "bytes=0-9", "If-None-Match": '"e"'}, b""),
    ("GET", {"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}, b""),
    ("PUT", {"Content-Type": "text/plain", "X-Amz-Meta-Colour": "  blue  green "}, b"body")])
def test_s3_signatures_verify_through_the_direct_canonical_request(path, method, headers, body):
    request, botocore_request = s3_signed(method, path, headers, body)
    info = read_signature(request)
    [signed_headers, *_] = _header_candidates(request, info.signed_headers)
    direct = s3_canonical_request(request, signed_headers, path)
    botocore_request.context["timestamp"] = botocore_request.headers["X-Amz-Date"]
    del botocore_request.headers["Authorization"]  # what botocore signed: every header but this one
    assert direct == S3SigV4Auth(Credentials("AKID", "secret"), "s3", "us-east-1").canonical_request(
        botocore_request)
    verify_signature(request, info, "secret", datetime.now(UTC))
    request.headers["x-amz-content-sha256"] = hashlib.sha256(b"other").hexdigest()
    with pytest.raises(AuthError):
        verify_signature(request, read_signature(request), "secret", datetime.now(UTC))


def test_s3_requests_urlsplit_would_change_take_botocores_way():
    request, _ = s3_signed("GET", "/bucket/key", {})
    info = read_signature(request)
    [headers, *_] = _header_candidates(request, info.signed_headers)
    for path in ("/bucket/a#b", "/bucket/a\tb", "/bucket/a b", "/bucket/\u00fc", "bucket/key"):
        assert s3_canonical_request(request, headers, path) is None
    request.query_string = "versionId=1"
    assert s3_canonical_request(request, headers, "/bucket/key") is None
