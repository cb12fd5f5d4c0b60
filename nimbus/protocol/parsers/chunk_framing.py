"""aws-chunked framing undone as a spooled upload arrives, so that its body is hashed, encrypted and written once.

``ChunkFraming`` takes the raw body piece by piece and hands on the decoded data, with a ``ChunkRecord`` where
each chunk starts and ``CHUNK_END`` where its data ends (the spool takes each signed chunk's SHA-256 between
the two), keeps the trailer lines as sent, and notes the first fault in the framing where the streaming reader
(chunked.py) would have met it. ``ArrivedChunks`` then checks the spooled body as that reader checks a body read
from memory, in the same order and with the same errors (the chunk signature chain, the framing fault, the
trailer signature, the decoded length, the trailing checksums), before its first byte or digest is taken.
"""
from __future__ import annotations

from ..checksums import ALGORITHMS, b64, check_flexible
from ..errors import ServiceError
from .chunked import (
    CHECKSUM_PREFIX,
    MAX_CHUNK,
    MAX_LINE,
    MAX_TRAILER_LINES,
    TRAILER_SIGNATURE,
    ChunkSignatures,
    incomplete,
    malformed_trailer,
)

_HEADER, _DATA, _DATA_END, _TRAILER, _END = range(5)
CHUNK_END = object()


class ChunkRecord:
    """One chunk: its signature as sent, and the SHA-256 of its data once taken (signed chunks only)."""
    __slots__ = ("signature", "sha256")

    def __init__(self, signature: str | None):
        self.signature = signature
        self.sha256: str | None = None


def trailer_algorithms(trailer: str) -> list[str]:
    """The checksum algorithms an ``x-amz-trailer`` header names."""
    return [name[len(CHECKSUM_PREFIX):].upper() for name in (n.strip().lower() for n in trailer.split(","))
            if name.startswith(CHECKSUM_PREFIX)]


def decodable_on_arrival(trailer: str) -> bool:
    """Whether every trailing checksum is one the spool can take as the body arrives."""
    return all(algorithm in ALGORITHMS for algorithm in trailer_algorithms(trailer))


class ChunkFraming:
    def __init__(self):
        self.chunks: list[ChunkRecord] = []
        self.complete = 0  # chunks whose data arrived whole: the reader checks their signatures first
        self.total = 0
        self.trailers_sent: list[tuple[str, str]] = []
        self.fault: ServiceError | None = None
        self.fault_after_trailer = False  # bytes after the final blank line: met after the trailer's signature
        self.digests: dict[str, bytes] = {}  # the decoded data's, set by the spool once the body is in
        self._state = _HEADER
        self._line = bytearray()
        self._left = 0

    def feed(self, data: bytes) -> list:
        """The decoded pieces of ``data`` (memoryviews), with the chunks' start and end markers."""
        out: list = []
        view, at, size = memoryview(data), 0, len(data)
        while at < size and self.fault is None:
            state = self._state
            if state == _DATA:
                take = min(self._left, size - at)
                out.append(view[at:at + take])
                at += take
                self._left -= take
                self.total += take
                if not self._left:
                    self._end_chunk(out)
            elif state == _DATA_END:
                take = min(2 - len(self._line), size - at)
                self._line += view[at:at + take]
                at += take
                if len(self._line) == 2:
                    if self._line != b"\r\n":
                        self._fail(incomplete("An aws-chunked chunk is longer than its declared size."))
                    self._line.clear()
                    self._state = _HEADER
            elif state == _END:
                self._fail(incomplete("The aws-chunked request body goes on after its final chunk."), True)
            else:
                at = self._take_line(data, at, out)
        return out

    def end(self) -> None:
        """The body ended: a fault where it stopped short."""
        if self.fault is not None or self._state == _END:
            return
        if self._state == _HEADER:
            self._fail(incomplete("The aws-chunked request body is malformed or truncated."))
        elif self._state == _DATA:
            self._fail(incomplete("The aws-chunked request body ended inside a chunk."))
        elif self._state == _DATA_END:
            self._fail(incomplete("An aws-chunked chunk is longer than its declared size."))
        else:
            self._fail(malformed_trailer() if self._line else incomplete(
                "The aws-chunked request body ended before its final blank line."))

    def _take_line(self, data: bytes, at: int, out: list) -> int:
        """Gather a header or trailer line as a ``readline(MAX_LINE)`` would; act on it once whole."""
        stop = min(len(data), at + MAX_LINE - len(self._line))
        newline = data.find(b"\n", at, stop)
        taken = newline + 1 if newline >= 0 else stop
        self._line += data[at:taken]
        if newline < 0 and len(self._line) < MAX_LINE:
            return taken
        line = bytes(self._line)
        self._line.clear()
        if self._state == _HEADER:
            self._header(line, out)
        else:
            self._trailer(line)
        return taken

    def _header(self, line: bytes, out: list) -> None:
        if not line.endswith(b"\r\n"):
            self._fail(incomplete("The aws-chunked request body is malformed or truncated."))
            return
        size_text, _, extension = line[:-2].partition(b";")
        try:
            size = int(size_text, 16)
        except ValueError:
            self._fail(incomplete("The aws-chunked request body has a malformed chunk header."))
            return
        if size < 0 or size > MAX_CHUNK:
            self._fail(incomplete("An aws-chunked chunk is larger than nimbus accepts."))
            return
        signature = None
        if extension.startswith(b"chunk-signature="):
            signature = extension[len(b"chunk-signature="):].decode("latin-1")
        record = ChunkRecord(signature)
        self.chunks.append(record)
        out.append(record)
        if size:
            self._state, self._left = _DATA, size
        else:
            self._end_chunk(out)
            self._state = _TRAILER

    def _end_chunk(self, out: list) -> None:
        out.append(CHUNK_END)
        self.complete += 1
        self._state = _DATA_END

    def _trailer(self, line: bytes) -> None:
        if not line.endswith(b"\n"):
            self._fail(malformed_trailer())
            return
        text = line.decode("latin-1").strip()
        if not text:
            self._state = _END
            return
        name, sep, value = text.partition(":")
        if not sep:
            self._fail(malformed_trailer())
            return
        self.trailers_sent.append((name.strip().lower(), value.strip()))
        if len(self.trailers_sent) == MAX_TRAILER_LINES:
            self._fail(malformed_trailer())

    def _fail(self, error: ServiceError, after_trailer: bool = False) -> None:
        self.fault, self.fault_after_trailer = error, after_trailer


class ArrivedChunks:
    """File-like over the data ``ChunkFraming`` decoded as the body arrived (its spool, gateway/spool.py, or
    that spool read into memory); every attribute but ``decoded_length`` is the data's, reached only once the
    body has passed the reader's checks."""

    def __init__(self, data, framing: ChunkFraming, signatures: ChunkSignatures | None,
                 decoded_length: int | None, trailer: str):
        self._data, self._framing, self._signatures = data, framing, signatures
        self.decoded_length = decoded_length
        self._algorithms = trailer_algorithms(trailer)
        self._trailers: dict[str, str] | None = None
        self._refusal: BaseException | None = None

    @property
    def trailers(self) -> dict[str, str]:
        return self._checked()

    def __getattr__(self, name):
        self._checked()
        return getattr(self._data, name)

    def _checked(self) -> dict[str, str]:
        if self._refusal is not None:
            raise self._refusal
        if self._trailers is None:
            try:
                self._trailers = self._check()
            except ServiceError as error:
                self._refusal = error
                raise
        return self._trailers

    def _check(self) -> dict[str, str]:
        framing, signatures = self._framing, self._signatures
        if signatures is not None:
            for record in framing.chunks[:framing.complete]:
                signatures.chunk_digest(record.sha256 or "", record.signature)
        if framing.fault is not None and not framing.fault_after_trailer:
            raise framing.fault
        trailers = dict(framing.trailers_sent)
        signature = trailers.pop(TRAILER_SIGNATURE, None)
        if signatures is not None:
            signatures.trailer([(n, v) for n, v in framing.trailers_sent if n != TRAILER_SIGNATURE], signature)
        if framing.fault is not None:
            raise framing.fault
        if self.decoded_length is not None and framing.total != self.decoded_length:
            raise incomplete("The decoded body is not x-amz-decoded-content-length bytes long.")
        digests = framing.digests
        for algorithm in self._algorithms:
            claimed = trailers.get(CHECKSUM_PREFIX + algorithm.lower())
            if claimed is None:
                raise malformed_trailer()
            check_flexible(algorithm, claimed, b64(digests[algorithm]))
        return trailers
