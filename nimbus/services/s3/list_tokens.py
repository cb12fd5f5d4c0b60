"""ListObjectsV2 continuation tokens: opaque, and refused when not one S3 handed out for this bucket.

A token carries the last key of its page and a digest binding it to the bucket, so a forged or
edited token is ``InvalidArgument`` instead of silently listing from wherever it points.
"""
from __future__ import annotations

import base64
import binascii
import hashlib

from nimbus.services.s3.common import invalid_argument

_DIGEST_BYTES = 8


def _digest(bucket: str, key: bytes) -> bytes:
    return hashlib.sha256(b"nimbus-list-token\0" + bucket.encode() + b"\0" + key).digest()[:_DIGEST_BYTES]


def continuation_token(bucket: str, last_key: str) -> str:
    key = last_key.encode("utf-8", "surrogatepass")
    return base64.urlsafe_b64encode(_digest(bucket, key) + key).decode()


def resume_after(bucket: str, token: str) -> str:
    """The key a token's page ended with; InvalidArgument for a token this bucket never gave."""
    try:
        raw = base64.urlsafe_b64decode(token.encode())
        digest, key = raw[:_DIGEST_BYTES], raw[_DIGEST_BYTES:]
        if len(digest) == _DIGEST_BYTES and digest == _digest(bucket, key):
            return key.decode("utf-8", "surrogatepass")
    except (ValueError, binascii.Error):
        pass
    raise invalid_argument("The continuation token provided is incorrect", "continuation-token", token)
