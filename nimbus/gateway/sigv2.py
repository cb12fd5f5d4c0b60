"""S3's legacy query-string signatures (SigV2 presigned URLs: ``AWSAccessKeyId``, ``Signature``, ``Expires``).

boto3 still presigns S3 URLs this way when given a custom endpoint and no
``signature_version``. The string to sign is rebuilt with botocore's own HmacV1 signer.
"""
from __future__ import annotations

import hmac
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from urllib.parse import urlsplit

from botocore.auth import HmacV1Auth
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from nimbus.protocol.http import HttpRequest

# A SigV2 URL carries only its expiry, not when it was made. The virtual clock's offset when nimbus
# first sees a URL stands for its signing time, so a URL ages through the jumps made after its first
# use (a URL first used after a jump cannot be told from one made after it). Bounded, in memory.
_FIRST_SEEN_LIMIT = 10_000
_first_seen_offset: OrderedDict[str, float] = OrderedDict()
_first_seen_lock = threading.Lock()
_MARKERS = ("AWSAccessKeyId", "Signature", "Expires")


class _Verifier(HmacV1Auth):
    """The Expires value stands where a header-signed request has its Date."""

    def __init__(self, credentials, expires: str):
        super().__init__(credentials)
        self._expires = expires

    def _get_date(self):
        return self._expires


def is_sigv2_presigned(request: HttpRequest) -> bool:
    query = request.query
    return all(name in query for name in _MARKERS) and "X-Amz-Algorithm" not in query


def expected_signature(request: HttpRequest, secret_key: str, access_key: str) -> tuple[str, str]:
    headers = HTTPHeaders()
    for name, value in request.headers.items():
        if name in ("content-md5", "content-type") or name.startswith("x-amz-"):
            headers[name] = value
    split = urlsplit(f"http://localhost{request.path}?{request.query_string}")
    signer = _Verifier(Credentials(access_key, secret_key), request.query["Expires"])
    string_to_sign = signer.canonical_string(request.method, split, headers, expires=request.query["Expires"])
    return signer.sign_string(string_to_sign), string_to_sign


def signature_matches(request: HttpRequest, secret_key: str, access_key: str) -> tuple[bool, str]:
    signature, string_to_sign = expected_signature(request, secret_key, access_key)
    return hmac.compare_digest(signature.encode(), request.query["Signature"].encode()), string_to_sign


def is_expired(expires: int, signature: str, clock) -> bool:
    """Expired in the signer's frame: real now, plus the virtual jumps made since the URL was first seen."""
    offset = clock.offset
    with _first_seen_lock:
        seen = _first_seen_offset.setdefault(signature, offset)
        _first_seen_offset.move_to_end(signature)
        if len(_first_seen_offset) > _FIRST_SEEN_LIMIT:
            _first_seen_offset.popitem(last=False)
    return datetime.now(UTC).timestamp() + (offset - seen) > expires
