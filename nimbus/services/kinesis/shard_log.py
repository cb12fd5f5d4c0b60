"""A shard's log: a series of append-only segment files, the newest taking writes, the oldest deleted as
they pass the stream's retention.

Positions are counted from the shard's first record ever and never reused: a segment's file name holds
the position of its first record, so sequence numbers (which encode positions) stay right after older
segments are gone. A segment takes records for at most ``span_ms`` of arrival time (a 24th of the
retention period) or ``segment_bytes`` (``Config.kinesis_segment_bytes``), so what is kept on disk exceeds
retention by at most one span.
Retention only ever deletes whole segments whose every record is past it; if that is every segment, an
empty one is created first (it carries the next position and the last arrival time), so a log never
loses its place. Readers take no lock: they read a snapshot of the segment list (replaced, not edited,
by rolls and trims) and the arrays of the segment being written only grow.
"""
from __future__ import annotations

import bisect
import os
import threading

from nimbus.services.kinesis.segments import Segment, Span, StoredRecord, decode, encode

__all__ = ["LogDirectory", "ShardLog", "StoredRecord", "encode"]

SEGMENT_BYTES = 64 * 1024 * 1024  # the default of Config.kinesis_segment_bytes
DEFAULT_SPAN_MS = 3600_000


def segment_files(first_path: str) -> list[tuple[int, int, str]]:
    """(first position, time floor, path) of a shard's segment files, oldest first."""
    folder, name = os.path.split(first_path)
    prefix = name[:-len(".log")]
    found = [(0, 0, first_path)] if os.path.exists(first_path) else []
    for name in os.listdir(folder or "."):
        if name.startswith(prefix + "-") and name.endswith(".log"):
            parts = name[len(prefix) + 1:-len(".log")].split("-")
            if len(parts) == 2 and all(p.isdigit() for p in parts):
                found.append((int(parts[0]), int(parts[1]), os.path.join(folder, name)))
    return sorted(found)


def _last_time(segment: Segment) -> float:
    return segment.times[-1] if segment.times else float("inf")


class ShardLog:
    """``path`` names the shard's first segment (``<dir>/<shard>.log``); later ones are
    ``<dir>/<shard>-<first position>-<time floor ms>.log``."""

    def __init__(self, path: str, segment_bytes: int = SEGMENT_BYTES):
        self.path = path
        self.segment_bytes = segment_bytes
        self.folder, name = os.path.split(path)
        self.prefix = name[:-len(".log")]
        self._lock = threading.Lock()
        self._segments: tuple[Segment, ...] = self._open()

    def _open(self) -> tuple[Segment, ...]:
        found = segment_files(self.path) or [(0, 0, self.path)]
        return tuple(Segment(path, base, floor, writable=index == len(found) - 1)
                     for index, (base, floor, path) in enumerate(found))

    # -- what readers ask ------------------------------------------------------

    @property
    def count(self) -> int:
        """The position the next record gets (every record ever written, trimmed ones included)."""
        return self._segments[-1].stop

    @property
    def first(self) -> int:
        """The position of the oldest record still on disk (``count`` when there is none)."""
        return self._segments[0].base

    @property
    def last_time(self) -> int:
        return self._segments[-1].last_time

    def _segment_of(self, segments: tuple[Segment, ...], position: int) -> int:
        return max(0, bisect.bisect_right(segments, position, key=lambda s: s.base) - 1)

    def time_at(self, position: int) -> int | None:
        """The arrival time of the record at ``position``; None if it is trimmed or not written yet."""
        segments = self._segments
        segment = segments[self._segment_of(segments, position)]
        local = position - segment.base
        return segment.times[local] if 0 <= local < len(segment.offsets) else None

    def time_before(self, position: int) -> int:
        """The arrival time of the record before ``position``, or a floor no later than it (it was trimmed)."""
        found = self.time_at(position - 1) if position else None
        return self._segments[0].floor if found is None else found

    def position_at(self, arrival_ms: int) -> int:
        """The first retained position whose record arrived at or after ``arrival_ms``."""
        segments = self._segments
        oldest = segments[0]
        if oldest.times and oldest.times[-1] >= arrival_ms:  # the usual case: a retention cutoff
            return oldest.base + bisect.bisect_left(oldest.times, arrival_ms)
        index = bisect.bisect_left(segments, float(arrival_ms), key=_last_time)
        if index == len(segments):
            return segments[-1].stop
        segment = segments[index]
        return segment.base + bisect.bisect_left(segment.times, arrival_ms)

    def read(self, start: int, limit: int, max_bytes: int) -> list[StoredRecord]:
        """Records from ``start`` on (positions past a trimmed gap are skipped): at most ``limit``, and at
        most ``max_bytes`` of data and partition keys (at least one record)."""
        return [record for span in self.read_spans(start, limit, max_bytes) for record in decode(span)]

    def read_spans(self, start: int, limit: int, max_bytes: int) -> list[Span]:
        """``read``'s records as stored: one pread per segment, nothing decoded."""
        segments = self._segments
        spans: list[Span] = []
        total = count = 0
        index = self._segment_of(segments, start)
        while index < len(segments) and count < limit:
            segment = segments[index]
            span, size, capped = segment.span(max(start, segment.base), limit - count, max_bytes - total, not count)
            if span is not None:
                spans.append(span)
                count, total = count + span.count, total + size
            if capped:
                break
            index += 1
        return spans

    # -- writing and trimming ----------------------------------------------------

    def append(self, frames: list[bytes], times: list[int], span_ms: int = DEFAULT_SPAN_MS,
               cutoff_ms: int | None = None) -> int:
        """Write a batch durably (to the OS) and index it; returns the first record's position.

        The batch starts a new segment when the current one is full or spans ``span_ms``; that is also
        when segments older than ``cutoff_ms`` (retention) are deleted."""
        with self._lock:
            current = self._segments[-1]
            if current.times and (current.end >= self.segment_bytes or times[0] - current.times[0] >= span_ms):
                self._roll()
                if cutoff_ms is not None:
                    self._trim(cutoff_ms)
            return self._segments[-1].write(frames, times)

    def _roll(self) -> None:
        current = self._segments[-1]
        base, floor = current.stop, current.last_time
        path = os.path.join(self.folder, f"{self.prefix}-{base:020d}-{floor:015d}.log")
        segment = Segment(path, base, floor, writable=True)
        current.seal()
        self._segments = self._segments + (segment,)

    def trim(self, cutoff_ms: int) -> int:
        """Delete the segments whose every record arrived before ``cutoff_ms``; returns the bytes freed."""
        with self._lock:
            return self._trim(cutoff_ms)

    def _trim(self, cutoff_ms: int) -> int:
        segments = self._segments
        expired = 0
        while expired < len(segments) and segments[expired].times and segments[expired].times[-1] < cutoff_ms:
            expired += 1
        if not expired:
            return 0
        if expired == len(segments):
            self._roll()  # an empty segment keeps the next position and the time floor
            segments = self._segments
        self._segments = segments[expired:]
        return sum(segment.delete() for segment in segments[:expired])

    def close(self) -> None:
        for segment in self._segments:
            segment.close()


class LogDirectory:
    """The shard logs of every stream under one root; file names come from stream ids and shard indexes."""

    def __init__(self, root: str, segment_bytes: int = SEGMENT_BYTES):
        self.root = root
        self.segment_bytes = segment_bytes
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
                    log = self._logs[key] = ShardLog(os.path.join(folder, f"{shard_index:09d}.log"),
                                                             self.segment_bytes)
        return log

    def trim(self, stream_id: str, shard_index: int, cutoff_ms: int) -> int:
        """Retention for one shard; a log not open is trimmed by its file names alone (a segment is past
        retention when the next one's time floor, its last record's time, is), so sweeping many idle
        shards opens no files. Its newest segment waits until the log is used."""
        log = self._logs.get((stream_id, shard_index))
        if log is not None:
            return log.trim(cutoff_ms)
        folder = os.path.join(self.root, stream_id)
        if not os.path.isdir(folder):
            return 0
        freed = 0
        with self._lock:  # opening this log waits for the deletions
            if (stream_id, shard_index) in self._logs:
                return self._logs[(stream_id, shard_index)].trim(cutoff_ms)
            found = segment_files(os.path.join(folder, f"{shard_index:09d}.log"))
            for (_, _, path), (_, next_floor, _) in zip(found, found[1:]):
                if next_floor >= cutoff_ms:
                    break
                freed += os.path.getsize(path)
                os.unlink(path)
        return freed

    def drop_stream(self, stream_id: str) -> None:
        with self._lock:
            for key in [k for k in self._logs if k[0] == stream_id]:
                self._logs.pop(key).close()
            folder = os.path.join(self.root, stream_id)
            if os.path.isdir(folder):
                for name in os.listdir(folder):
                    os.unlink(os.path.join(folder, name))
                os.rmdir(folder)
