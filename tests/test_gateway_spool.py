"""A large upload is spooled to disk and hashed as it arrives: its signed SHA-256 is still checked against
exactly the bytes that came, and the object holds them."""
from __future__ import annotations

import base64
import hashlib
import os
import xml.etree.ElementTree as ET

import requests
from botocore.auth import S3SigV4Auth

from tests.support import error_of, signed

LARGE = 9 * 1024 * 1024  # past the gateway's 8 MiB spool threshold


def _put(endpoint: str, bucket: str, key: str, signed_body: bytes, sent_body: bytes) -> requests.Response:
    url, headers = signed(endpoint, "s3", method="PUT", path=f"/{bucket}/{key}", body=signed_body,
                          headers={"x-amz-content-sha256": hashlib.sha256(signed_body).hexdigest()},
                          signer=S3SigV4Auth)
    return requests.put(url, data=sent_body, headers=headers, timeout=60)


def test_a_spooled_body_with_its_signed_hash_is_stored(endpoint, bucket, s3):
    body = os.urandom(LARGE)
    response = _put(endpoint, bucket, "spooled", body, body)
    assert response.status_code == 200, response.text
    assert s3.get_object(Bucket=bucket, Key="spooled")["Body"].read() == body


def test_a_spooled_body_that_differs_from_its_signed_hash_is_refused(endpoint, bucket, s3):
    body = os.urandom(LARGE)
    changed = body[:-1] + bytes([body[-1] ^ 1])
    response = _put(endpoint, bucket, "changed", body, changed)
    assert response.status_code == 400
    error = ET.fromstring(response.content)
    assert error.findtext("Code") == "XAmzContentSHA256Mismatch"
    assert error.findtext("ClientComputedContentSHA256") == hashlib.sha256(body).hexdigest()
    assert error.findtext("S3ComputedContentSHA256") == hashlib.sha256(changed).hexdigest()
    assert "changed" not in [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_the_digests_taken_as_a_spooled_body_arrives_are_its_etag_and_checksum(endpoint, bucket, s3):
    body = os.urandom(LARGE + 12345)  # not a whole number of the spool's batches
    sha256 = base64.b64encode(hashlib.sha256(body).digest()).decode()
    made = s3.put_object(Bucket=bucket, Key="hashed", Body=body, ChecksumSHA256=sha256)
    assert made["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    assert made["ChecksumSHA256"] == sha256
    head = s3.head_object(Bucket=bucket, Key="hashed", ChecksumMode="ENABLED")
    assert (head["ETag"], head["ChecksumSHA256"], head["ContentLength"]) == (made["ETag"], sha256, len(body))


def test_a_spooled_body_held_to_a_wrong_digest_leaves_nothing(endpoint, bucket, s3):
    body = os.urandom(LARGE)
    other = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="bad-md5", Body=body, ContentMD5=other)) == (
        "BadDigest", 400)
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="bad-sha", Body=body, ChecksumSHA256=wrong)) == (
        "BadDigest", 400)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert "bad-md5" not in keys and "bad-sha" not in keys
