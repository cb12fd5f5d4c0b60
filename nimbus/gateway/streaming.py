"""The signature chain of a SigV4 streaming body (``STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]``).

The request's own signature covers only the headers; each aws-chunked chunk then carries a signature over
its data chained to the one before it (the seed is the request's signature), and a trailer, when the
client sends one, is signed last. A chunk that was altered, swapped, dropped or replayed from another
request breaks the chain.
"""
from __future__ import annotations

import hashlib
import hmac

from nimbus.gateway.sigv4 import SIGNATURE_MISMATCH, TIMESTAMP_FORMAT, AuthError, SignatureInfo, signing_key

_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class ChunkSignatures:
    """Checks each chunk's signature, then the trailer's, in the order the body carries them."""

    def __init__(self, info: SignatureInfo, secret_key: str):
        self.stamp = info.date.strftime(TIMESTAMP_FORMAT)
        self.scope = f"{self.stamp[:8]}/{info.region}/{info.service}/aws4_request"
        self.key = signing_key(secret_key, self.stamp[:8], info.region, info.service)
        self.previous = info.signature
        # -TRAILER: the trailing headers are signed too, after the final (empty) chunk.
        self.signs_trailer = (info.payload_hash or "").endswith("-TRAILER")

    def chunk(self, data: bytes, signature: str | None) -> None:
        self.chunk_digest(hashlib.sha256(data).hexdigest(), signature)

    def chunk_digest(self, sha256: str, signature: str | None) -> None:
        """A chunk whose data's SHA-256 (hex) was taken as it arrived (a spooled upload)."""
        self._check("AWS4-HMAC-SHA256-PAYLOAD", _EMPTY_SHA256 + "\n" + sha256, signature)

    def trailer(self, trailers: list[tuple[str, str]], signature: str | None) -> None:
        """``trailers`` as sent, without ``x-amz-trailer-signature``: each signs as ``name:value\\n``."""
        if not self.signs_trailer:
            return
        canonical = "".join(f"{name}:{value}\n" for name, value in trailers)
        self._check("AWS4-HMAC-SHA256-TRAILER", hashlib.sha256(canonical.encode("latin-1")).hexdigest(), signature)

    def _check(self, algorithm: str, hashed: str, signature: str | None) -> None:
        string_to_sign = "\n".join((algorithm, self.stamp, self.scope, self.previous, hashed))
        expected = hmac.new(self.key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        if signature is None or not hmac.compare_digest(expected, signature):
            raise AuthError("SignatureDoesNotMatch", SIGNATURE_MISMATCH)
        self.previous = signature
