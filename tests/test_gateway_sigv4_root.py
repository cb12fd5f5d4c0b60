"""A call to "/" has its SigV4 canonical request written directly (gateway/sigv4_root.py), in exactly the bytes
botocore's signer gives: the signatures botocore makes verify, and a changed request does not."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from nimbus.gateway.sigv4 import AuthError, _header_candidates, read_signature, verify_signature
from nimbus.gateway.sigv4_root import root_canonical_request
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
