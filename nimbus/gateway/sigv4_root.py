"""SigV4's canonical request for a call to ``/`` without a query string (every JSON and query protocol call), and
for an S3 call without a query string (GetObject), written directly rather than through botocore's signer.

botocore's ``SigV4Auth.canonical_request`` splits the URL, normalizes and quotes its path, builds and sorts an
empty query and asks its request object for the payload: about 7% of a small call's handler CPU. For ``/`` with no
query those steps give fixed results (``/`` and the empty string), so the canonical request is only the method,
the signed headers and the payload's hash; any other request takes botocore's way (sigv4.py).
"""
from __future__ import annotations

import hashlib
from typing import Protocol

from nimbus.protocol.http import HttpRequest

# The characters of a path that urlsplit (botocore's canonical request reads the path through it) keeps as they are.
_URL_SAFE = frozenset(map(chr, range(0x21, 0x7F))) - {"#"}


class SignedHeaders(Protocol):
    """What sigv4.py's ``_SignedHeaders`` offers: the names as the client listed them, case-insensitive lookup,
    and the canonical header lines."""

    def __iter__(self): ...

    def __contains__(self, name: object) -> bool: ...

    def __getitem__(self, name: str) -> str | None: ...

    def canonical(self) -> str: ...


def root_canonical_request(request: HttpRequest, headers: SignedHeaders, path: str) -> str | None:
    """botocore's canonical request (``SigV4Auth``, not S3's) for a call to ``/`` with no query and its body in
    memory; None for any other request."""
    if path != "/" or request.query_string or request.body_file is not None or not isinstance(request.body, bytes):
        return None
    payload = headers["X-Amz-Content-SHA256"] if "X-Amz-Content-SHA256" in headers else None
    if payload is None:
        payload = hashlib.sha256(request.body).hexdigest()
    names = ";".join(sorted({name.lower().strip() for name in headers}))
    return f"{request.method.upper()}\n/\n\n{headers.canonical()}\n\n{names}\n{payload}"


def s3_canonical_request(request: HttpRequest, headers: SignedHeaders, path: str) -> str | None:
    """botocore's canonical request (``S3SigV4Auth``) for an S3 call with no query whose payload hash is signed in
    its ``X-Amz-Content-SHA256`` header (a GetObject, a HeadObject, a small PutObject); None for any other request.
    S3 signs its path as sent, so only what ``urlsplit`` would cut from it or drop sends the request botocore's
    way: a fragment mark, tabs and line ends."""
    if request.query_string or "X-Amz-Content-SHA256" not in headers or not path.startswith("/") \
            or not _URL_SAFE.issuperset(path):
        return None
    names = ";".join(sorted({name.lower().strip() for name in headers}))
    return f"{request.method.upper()}\n{path}\n\n{headers.canonical()}\n\n{names}\n{headers['X-Amz-Content-SHA256']}"


def root_string_to_sign(stamp: str, region: str, service: str, canonical_request: str) -> str:
    """botocore's ``SigV4Auth.string_to_sign`` for the timestamp ``stamp`` (YYYYMMDDTHHMMSSZ)."""
    digest = hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    return f"AWS4-HMAC-SHA256\n{stamp}\n{stamp[:8]}/{region}/{service}/aws4_request\n{digest}"
