"""A streaming ``aws-chunked`` decoder: SigV4 streaming uploads read without holding the body.

The wire form is ``<hex size>[;chunk-signature=<sig>]\\r\\n<data>\\r\\n`` repeated, a
zero-size chunk, then trailer lines (``x-amz-checksum-crc32:...``) and a blank line.
Errors surface while the provider reads, so they are ServiceErrors with S3's codes.
"""
from __future__ import annotations

from collections.abc import Callable

from ..errors import ServiceError

MAX_CHUNK = 64 * 1024 * 1024  # no SDK sends chunks near this; bounds the one chunk held in memory
MAX_LINE = 4096


def _incomplete(message: str) -> ServiceError:
    return ServiceError("IncompleteBody", message, status=400)


class ChunkedReader:
    """File-like over the decoded data; ``trailers`` holds the trailing headers once read to the end.

    ``verify(data, signature)`` is called for each chunk, the final empty one included,
    when the client signed its chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD).
    """

    def __init__(self, raw, verify: Callable[[bytes, str | None], None] | None = None,
                 decoded_length: int | None = None):
        self.raw = raw
        self.verify = verify
        self.decoded_length = decoded_length
        self.trailers: dict[str, str] = {}
        self._buffer = memoryview(b"")
        self._done = False
        self._total = 0

    def _line(self) -> bytes:
        line = self.raw.readline(MAX_LINE)
        if not line.endswith(b"\r\n"):
            raise _incomplete("The aws-chunked request body is malformed or truncated.")
        return line[:-2]

    def _next_chunk(self) -> None:
        header = self._line()
        size_text, _, extension = header.partition(b";")
        try:
            size = int(size_text, 16)
        except ValueError:
            raise _incomplete("The aws-chunked request body has a malformed chunk header.") from None
        if size < 0 or size > MAX_CHUNK:
            raise _incomplete("An aws-chunked chunk is larger than nimbus accepts.")
        signature = None
        if extension.startswith(b"chunk-signature="):
            signature = extension[len(b"chunk-signature="):].decode("latin-1")
        data = self.raw.read(size) if size else b""
        if len(data) != size:
            raise _incomplete("The aws-chunked request body ended inside a chunk.")
        if self.verify is not None:
            self.verify(data, signature)
        if size == 0:
            self._read_trailers()
            self._done = True
            if self.decoded_length is not None and self._total != self.decoded_length:
                raise _incomplete("The decoded body is not x-amz-decoded-content-length bytes long.")
            return
        if self.raw.read(2) != b"\r\n":
            raise _incomplete("An aws-chunked chunk is longer than its declared size.")
        self._total += size
        self._buffer = memoryview(data)

    def _read_trailers(self) -> None:
        while True:
            line = self.raw.readline(MAX_LINE)
            text = line.decode("latin-1").strip()
            if not text:
                return
            name, sep, value = text.partition(":")
            if sep:
                self.trailers[name.strip().lower()] = value.strip()

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
