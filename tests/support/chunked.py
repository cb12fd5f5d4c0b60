"""aws-chunked requests built by hand, as AWS documents the wire form (written independently of nimbus's
decoders): for the tests of chunk and trailer signatures, on bodies read from memory and on spooled uploads."""
from __future__ import annotations

import base64
import hashlib
import hmac
import zlib

import requests

from tests.support.basics import signed

__all__ = ["Chunked", "SIGNED", "SIGNED_TRAILER", "UNSIGNED_TRAILER"]

SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
_EMPTY = hashlib.sha256(b"").hexdigest()


class Chunked:
    """One aws-chunked request as AWS documents it (written independently of nimbus's decoder)."""

    def __init__(self, endpoint: str, service: str, method: str, path: str, chunks: list[bytes], kind: str = SIGNED,
                 headers: dict | None = None):
        self.chunks, self.kind = chunks, kind
        length = sum(len(c) for c in chunks)
        headers = {**(headers or {}), "Content-Encoding": "aws-chunked", "X-Amz-Content-SHA256": kind,
                   "X-Amz-Decoded-Content-Length": str(length)}
        if kind != SIGNED:
            headers["X-Amz-Trailer"] = "x-amz-checksum-crc32"
        self.url, self.headers = signed(endpoint, service, method, path, headers=headers)
        self.method = method
        credential = self.headers["Authorization"].split("Credential=")[1].split(",")[0]
        _, date, region, name, _ = credential.split("/")
        self.stamp, self.scope = self.headers["X-Amz-Date"], f"{date}/{region}/{name}/aws4_request"
        self.key = b"AWS4test"
        for part in (date, region, name, "aws4_request"):
            self.key = hmac.new(self.key, part.encode(), hashlib.sha256).digest()
        self.seed = self.headers["Authorization"].rsplit("Signature=", 1)[1]

    def _sign(self, algorithm: str, previous: str, hashed: str) -> str:
        text = "\n".join((algorithm, self.stamp, self.scope, previous, hashed))
        return hmac.new(self.key, text.encode(), hashlib.sha256).hexdigest()

    def signatures(self) -> list[str]:
        """One per chunk and one for the final empty chunk, each chained to the one before."""
        chain, previous = [], self.seed
        for data in [*self.chunks, b""]:
            previous = self._sign("AWS4-HMAC-SHA256-PAYLOAD", previous, _EMPTY + "\n" + hashlib.sha256(data).hexdigest())
            chain.append(previous)
        return chain

    def body(self, frames: list[tuple[bytes, str | None]] | None = None, checksum: str | None = None) -> bytes:
        """The wire form of ``frames`` (data, signature), by default the chunks with their own signatures."""
        chain = self.signatures()
        if frames is None:
            frames = list(zip(self.chunks, chain, strict=False))
        out = b""
        for data, signature in [*frames, (b"", chain[-1])]:
            extension = f";chunk-signature={signature}" if signature and self.kind != UNSIGNED_TRAILER else ""
            out += f"{len(data):x}{extension}\r\n".encode() + data + (b"\r\n" if data else b"")
        if self.kind == SIGNED:
            return out + b"\r\n"
        checksum = checksum or base64.b64encode(zlib.crc32(b"".join(self.chunks)).to_bytes(4, "big")).decode()
        trailer = f"x-amz-checksum-crc32:{checksum}"
        out += trailer.encode() + b"\r\n"
        if self.kind == SIGNED_TRAILER:
            signature = self._sign("AWS4-HMAC-SHA256-TRAILER", chain[-1], hashlib.sha256(f"{trailer}\n".encode()).hexdigest())
            out += f"x-amz-trailer-signature:{signature}\r\n".encode()
        return out + b"\r\n"

    def send(self, body: bytes) -> requests.Response:
        return requests.request(self.method, self.url, data=body, headers=self.headers, timeout=120)
