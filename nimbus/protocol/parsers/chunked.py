"""A streaming ``aws-chunked`` decoder: SigV4 streaming bodies read without holding the body.

The wire form is ``<hex size>[;chunk-signature=<sig>]\\r\\n<data>\\r\\n`` repeated, a
zero-size chunk, then trailer lines (``x-amz-checksum-crc32:...``, ``x-amz-trailer-signature:...``)
and a blank line. Every operation's chunked body goes through here, read to its end before a
provider acts on it (or, for streaming uploads, as the provider reads it): each chunk signature,
the trailer signature and the trailing checksum are checked, so nothing a client did not send
intact reaches a provider. Errors are ServiceErrors with S3's codes.
"""
from __future__ import annotations

from typing import Protocol

from ..checksums import b64, check_flexible, new_hasher
from ..errors import ServiceError

MAX_CHUNK = 64 * 1024 * 1024  # no SDK sends chunks near this; bounds the one chunk held in memory
MAX_LINE = 4096
MAX_TRAILER_LINES = 16
CHECKSUM_PREFIX = "x-amz-checksum-"
TRAILER_SIGNATURE = "x-amz-trailer-signature"


class ChunkSignatures(Protocol):
    """The signature chain of a signed streaming body (the gateway's ``streaming.ChunkSignatures``)."""

    def chunk(self, data: bytes, signature: str | None) -> None: ...

    def chunk_digest(self, sha256: str, signature: str | None) -> None: ...

    def trailer(self, trailers: list[tuple[str, str]], signature: str | None) -> None: ...


def incomplete(message: str) -> ServiceError:
    return ServiceError("IncompleteBody", message, status=400)


def malformed_trailer() -> ServiceError:
    return ServiceError("MalformedTrailerError", "The request contained trailing data that was not well-formed "
                        "or did not conform to our published schema.", status=400)


class ChunkedReader:
    """File-like over the decoded data; ``trailers`` holds the trailing headers once read to the end.

    ``signatures`` checks each chunk, the final empty one included, and then the trailer, when the
    client signed its chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]). ``trailer`` is the
    request's ``x-amz-trailer`` header: each checksum it names must arrive and match the data.
    """

    def __init__(self, raw, signatures: ChunkSignatures | None = None, decoded_length: int | None = None,
                 trailer: str = ""):
        self.raw = raw
        self.signatures = signatures
        self.decoded_length = decoded_length
        self.trailers: dict[str, str] = {}
        self._checksums = {name: new_hasher(name[len(CHECKSUM_PREFIX):].upper())
                           for name in (n.strip().lower() for n in trailer.split(","))
                           if name.startswith(CHECKSUM_PREFIX)}
        self._buffer = memoryview(b"")
        self._done = False
        self._total = 0

    def _line(self) -> bytes:
        line = self.raw.readline(MAX_LINE)
        if not line.endswith(b"\r\n"):
            raise incomplete("The aws-chunked request body is malformed or truncated.")
        return line[:-2]

    def _next_chunk(self) -> None:
        header = self._line()
        size_text, _, extension = header.partition(b";")
        try:
            size = int(size_text, 16)
        except ValueError:
            raise incomplete("The aws-chunked request body has a malformed chunk header.") from None
        if size < 0 or size > MAX_CHUNK:
            raise incomplete("An aws-chunked chunk is larger than nimbus accepts.")
        signature = None
        if extension.startswith(b"chunk-signature="):
            signature = extension[len(b"chunk-signature="):].decode("latin-1")
        data = self.raw.read(size) if size else b""
        if len(data) != size:
            raise incomplete("The aws-chunked request body ended inside a chunk.")
        if self.signatures is not None:
            self.signatures.chunk(data, signature)
        if size == 0:
            self._finish()
            return
        if self.raw.read(2) != b"\r\n":
            raise incomplete("An aws-chunked chunk is longer than its declared size.")
        self._total += size
        for hasher in self._checksums.values():
            hasher.update(data)
        self._buffer = memoryview(data)

    def _finish(self) -> None:
        sent = self._read_trailers()
        signature = self.trailers.pop(TRAILER_SIGNATURE, None)
        if self.signatures is not None:
            self.signatures.trailer([(n, v) for n, v in sent if n != TRAILER_SIGNATURE], signature)
        if self.raw.read(1):
            raise incomplete("The aws-chunked request body goes on after its final chunk.")
        self._done = True
        if self.decoded_length is not None and self._total != self.decoded_length:
            raise incomplete("The decoded body is not x-amz-decoded-content-length bytes long.")
        for name, hasher in self._checksums.items():
            claimed = self.trailers.get(name)
            if claimed is None:
                raise malformed_trailer()
            check_flexible(name[len(CHECKSUM_PREFIX):].upper(), claimed, b64(hasher.digest()))

    def _read_trailers(self) -> list[tuple[str, str]]:
        """The trailer lines as sent, up to the blank line that ends the body."""
        sent: list[tuple[str, str]] = []
        for _ in range(MAX_TRAILER_LINES):
            line = self.raw.readline(MAX_LINE)
            if not line.endswith(b"\n"):
                raise malformed_trailer() if line else incomplete(
                    "The aws-chunked request body ended before its final blank line.")
            text = line.decode("latin-1").strip()
            if not text:
                return sent
            name, sep, value = text.partition(":")
            if not sep:
                raise malformed_trailer()
            name = name.strip().lower()
            sent.append((name, value.strip()))
            self.trailers[name] = value.strip()
        raise malformed_trailer()

    def read(self, size: int = -1) -> bytes:
        out = bytearray()
        while size < 0 or len(out) < size:
            if not self._buffer:
                if self._done:
                    break
                self._next_chunk()
                continue
            take = len(self._buffer) if size < 0 else min(size - len(out), len(self._buffer))
            out += self._buffer[:take]
            self._buffer = self._buffer[take:]
        return bytes(out)

    def close(self) -> None:
        pass
