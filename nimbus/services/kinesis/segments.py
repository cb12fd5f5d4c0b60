"""One segment of a shard's log: an append-only file of frames, with an in-memory index of offsets and times.

Frame: length of the rest (4) | CRC32 of the rest (4) | rest = arrival ms (8) | flags (1) |
partition key length (2) | partition key | data. A batch (one PutRecords' records for a shard) is one
``write`` to a file opened O_APPEND: once it returns the bytes are in the OS, so they survive
``kill -9``; only then is the batch indexed and acknowledged. On open a segment is scanned; a torn last
frame (a crash mid-write, never acknowledged) is cut off, so no record is half-read or read twice.

A segment knows the log position of its first record (``base``) and a time ``floor`` no record of it is
older than (the last time of the segments before it): both are in its file name, so they survive the
deletion of every older segment.
"""
from __future__ import annotations

import bisect
import os
import struct
import zlib
from array import array
from dataclasses import dataclass

_FRAME = struct.Struct(">II")
_BODY = struct.Struct(">qBH")
HEAD = struct.Struct(">IIqBH")  # a frame's and its body's fixed fields together
FRAME_SIZE = _FRAME.size
_SCAN_CHUNK = 4 * 1024 * 1024


@dataclass(slots=True)
class StoredRecord:
    position: int
    arrival_ms: int
    flags: int
    partition_key: str
    data: bytes


@dataclass(slots=True)
class Span:
    """``count`` records of one segment as stored (whole frames from the start of ``raw``; it may hold more
    bytes after them), the first at log position ``first``."""
    first: int
    raw: bytes
    count: int


def decode(span: Span) -> list[StoredRecord]:
    raw, local, records = span.raw, 0, []
    for position in range(span.first, span.first + span.count):
        length, _, arrival, flags, key_length = HEAD.unpack_from(raw, local)
        key_start = local + HEAD.size
        data_start, local = key_start + key_length, local + _FRAME.size + length
        records.append(StoredRecord(position, arrival, flags, raw[key_start:data_start].decode("utf-8"),
                                    raw[data_start:local]))
    return records


def encode(arrival_ms: int, flags: int, partition_key: bytes, data: bytes) -> bytes:
    rest = _BODY.pack(arrival_ms, flags, len(partition_key)) + partition_key + data
    return _FRAME.pack(len(rest), zlib.crc32(rest)) + rest


class Handle:
    """An open file descriptor closed when the last user lets go of it, so a reader that took it never
    preads a descriptor number the OS has since given to another file."""
    __slots__ = ("fd",)

    def __init__(self, fd: int):
        self.fd = fd

    def __del__(self):
        os.close(self.fd)


class Segment:
    __slots__ = ("path", "base", "floor", "offsets", "times", "end", "handle")

    def __init__(self, path: str, base: int, floor: int, writable: bool):
        self.path, self.base, self.floor = path, base, floor
        self.offsets = array("q")  # file offset of each record
        self.times = array("q")  # arrival ms of each record, never decreasing
        flags = os.O_RDWR | os.O_CREAT | os.O_APPEND if writable else os.O_RDWR
        self.handle: Handle | None = Handle(os.open(path, flags, 0o600))
        self.end = self._recover()
        if not writable:
            self.seal()

    def _recover(self) -> int:
        """Index every whole frame; cut off a torn or corrupt tail."""
        offset = 0
        with open(self.path, "rb", buffering=_SCAN_CHUNK) as reader:
            while True:
                head = reader.read(_FRAME.size)
                if len(head) < _FRAME.size:
                    break
                length, crc = _FRAME.unpack(head)
                rest = reader.read(length)
                if len(rest) < length or length < _BODY.size or zlib.crc32(rest) != crc:
                    break  # torn (the file ends inside this frame) or corrupt
                self.times.append(_BODY.unpack_from(rest)[0])
                self.offsets.append(offset)
                offset += _FRAME.size + length
        fd = self._unsealed_fd()
        if offset < os.fstat(fd).st_size:
            os.ftruncate(fd, offset)
        return offset

    @property
    def stop(self) -> int:
        """The position after this segment's last record."""
        return self.base + len(self.offsets)

    @property
    def last_time(self) -> int:
        return self.times[-1] if self.times else self.floor

    def _unsealed_fd(self) -> int:
        """The descriptor while the segment is being opened or takes writes (only the newest one does)."""
        if self.handle is None:
            raise RuntimeError(f"{self.path} is sealed")
        return self.handle.fd

    def seal(self) -> None:
        """No more appends: let go of the descriptor (reads open the file for themselves)."""
        self.handle = None

    def write(self, frames: list[bytes], times: list[int]) -> int:
        """Append a batch with one write (the caller holds the log's lock); returns its first position."""
        blob = b"".join(frames)
        view, written, fd = memoryview(blob), 0, self._unsealed_fd()
        while written < len(blob):
            written += os.write(fd, view[written:])
        first = self.base + len(self.offsets)
        offset = self.end
        # The end first, then times, then offsets: a lock-free reader that sees a record counted
        # (by offsets) also sees its time and bytes.
        self.end = offset + len(blob)
        self.times.extend(times)
        for frame in frames:
            self.offsets.append(offset)
            offset += len(frame)
        return first

    def span(self, start: int, limit: int, budget: int, first: bool) -> tuple[Span | None, int, bool]:
        """This segment's records from ``start`` as stored: at most ``limit``, and at most ``budget`` bytes of
        data and partition keys (yet at least one record when ``first``, the read's first). Returns the span
        (None if it has no record, or the segment was deleted meanwhile: past retention), the bytes its
        records hold, and whether the budget cut it short. The cut is found in the offsets before reading, so
        a read reads at most one record more than it returns, never the rest of a 64 MiB segment."""
        offsets = self.offsets
        count = len(offsets)
        local_start = start - self.base
        local_stop = min(count, local_start + limit)
        if local_start >= local_stop:
            return None, 0, False
        begin = offsets[local_start]

        def held(records: int) -> int:
            """The data and keys of the span's first ``records`` records (fewer than all: each one's end is
            the next one's offset)."""
            return offsets[local_start + records] - begin - HEAD.size * records

        wanted = local_stop - local_start
        if held(wanted - 1) > budget:  # the cut comes before the last record
            taken = max(bisect.bisect_right(range(wanted), budget, key=held) - 1, 1 if first else 0)
            if not taken:
                return None, 0, True
            raw = self._pread(offsets[local_start + taken] - begin, begin)
            return (None, 0, False) if raw is None else (Span(start, raw, taken), held(taken), True)
        # The last record's end from its frame: the file's end may already hold a batch being indexed.
        raw = self._pread((offsets[local_stop] if local_stop < count else self.end) - begin, begin)
        if raw is None:
            return None, 0, False
        last = offsets[local_stop - 1] - begin
        size = held(wanted - 1) + _FRAME.size + _FRAME.unpack_from(raw, last)[0] - HEAD.size
        if size > budget and (wanted > 1 or not first):
            return (Span(start, raw, wanted - 1) if wanted > 1 else None), held(wanted - 1), True
        return Span(start, raw, wanted), size, False

    def _pread(self, size: int, offset: int) -> bytes | None:
        handle = self.handle  # held for the read: the descriptor stays valid even if the segment is sealed
        if handle is not None:
            return os.pread(handle.fd, size, offset)
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            return os.pread(fd, size, offset)
        finally:
            os.close(fd)

    def delete(self) -> int:
        """Remove the file (its records are past retention); returns the bytes freed."""
        self.seal()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            return 0
        return self.end

    close = seal  # the descriptor closes once no reader holds it
