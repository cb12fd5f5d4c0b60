"""An append-only log file per shard, with an in-memory index of record offsets and arrival times.

Frame: length of the rest (4) | CRC32 of the rest (4) | rest = arrival ms (8) | flags (1) |
partition key length (2) | partition key | data. A batch (one PutRecords' records for a shard) is one
``write`` to a file opened O_APPEND: once it returns the bytes are in the OS, so they survive
``kill -9``; only then is the batch indexed and acknowledged. On open the log is scanned; a torn last
frame (a crash mid-write, never acknowledged) is cut off, so no record is half-read or read twice.
"""
from __future__ import annotations

import bisect
import os
import struct
import threading
import zlib
from array import array
from dataclasses import dataclass

_FRAME = struct.Struct(">II")
_BODY = struct.Struct(">qBH")
_SCAN_CHUNK = 4 * 1024 * 1024


@dataclass(slots=True)
class StoredRecord:
    position: int
    arrival_ms: int
    flags: int
    partition_key: str
    data: bytes


def encode(arrival_ms: int, flags: int, partition_key: bytes, data: bytes) -> bytes:
    rest = _BODY.pack(arrival_ms, flags, len(partition_key)) + partition_key + data
    return _FRAME.pack(len(rest), zlib.crc32(rest)) + rest


class ShardLog:
    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        self.offsets = array("q")  # file offset of each record
        self.times = array("q")  # arrival ms of each record, never decreasing
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        self._end = self._recover()

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
                self.offsets.append(offset)
                self.times.append(_BODY.unpack_from(rest)[0])
                offset += _FRAME.size + length
        if offset < os.fstat(self._fd).st_size:
            os.ftruncate(self._fd, offset)
        return offset

    @property
    def count(self) -> int:
        return len(self.offsets)

    @property
    def last_time(self) -> int:
        return self.times[-1] if self.times else 0

    def append(self, frames: list[bytes], times: list[int]) -> int:
        """Write a batch durably (to the OS) and index it; returns the first record's position."""
        blob = b"".join(frames)
        with self._lock:
            view, written = memoryview(blob), 0
            while written < len(blob):
                written += os.write(self._fd, view[written:])
            first = len(self.offsets)
            offset = self._end
            for frame, arrival in zip(frames, times):
                self.offsets.append(offset)
                self.times.append(arrival)
                offset += len(frame)
            self._end = offset
            return first

    def position_at(self, arrival_ms: int) -> int:
        """The first position whose record arrived at or after ``arrival_ms``."""
        return bisect.bisect_left(self.times, arrival_ms)

    def read(self, start: int, limit: int, max_bytes: int) -> list[StoredRecord]:
        """Records from ``start``: at most ``limit``, and at most ``max_bytes`` of data (at least one)."""
        count = len(self.offsets)
        stop = min(count, start + limit)
        if start >= stop:
            return []
        end_offset = self.offsets[stop] if stop < count else self._end
        raw = os.pread(self._fd, end_offset - self.offsets[start], self.offsets[start])
        records, local, total = [], 0, 0
        for position in range(start, stop):
            length = _FRAME.unpack_from(raw, local)[0]
            arrival, flags, key_length = _BODY.unpack_from(raw, local + _FRAME.size)
            key_start = local + _FRAME.size + _BODY.size
            data = raw[key_start + key_length:local + _FRAME.size + length]
            total += len(data) + key_length
            if records and total > max_bytes:
                break
            records.append(StoredRecord(position, arrival, flags,
                                        raw[key_start:key_start + key_length].decode("utf-8"), data))
            local += _FRAME.size + length
        return records

    def close(self) -> None:
        os.close(self._fd)


class LogDirectory:
    """The shard logs of every stream under one root; file names come from stream ids and shard indexes."""

    def __init__(self, root: str):
        self.root = root
        self._logs: dict[tuple[str, int], ShardLog] = {}
        self._lock = threading.Lock()

    def log(self, stream_id: str, shard_index: int) -> ShardLog:
        key = (stream_id, shard_index)
        log = self._logs.get(key)
        if log is None:
            with self._lock:
                log = self._logs.get(key)
                if log is None:
                    folder = os.path.join(self.root, stream_id)
                    os.makedirs(folder, exist_ok=True)
                    log = self._logs[key] = ShardLog(os.path.join(folder, f"{shard_index:09d}.log"))
        return log

    def drop_stream(self, stream_id: str) -> None:
        with self._lock:
            for key in [k for k in self._logs if k[0] == stream_id]:
                self._logs.pop(key).close()
            folder = os.path.join(self.root, stream_id)
            if os.path.isdir(folder):
                for name in os.listdir(folder):
                    os.unlink(os.path.join(folder, name))
                os.rmdir(folder)
