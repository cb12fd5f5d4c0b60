"""Retention on the virtual clock: which records a stream still holds, and deleting the rest from disk.

A record is retained while it is younger than the stream's retention period. AWS never brings expired
data back: after ``IncreaseStreamRetentionPeriod`` records that had already expired stay gone, so an
increase records a ``TrimFloorMs`` below which nothing is retained whatever the period says later.
Reads compute the cutoff on every call (so expiry is exact to the millisecond); the bytes leave the disk
a segment at a time (see shard_log.py) when the clock is advanced and when a shard's log starts a new
segment.
"""
from __future__ import annotations

from nimbus.services.kinesis.documents import Shard, Stream

HOUR_MS = 3600_000
SEGMENTS_PER_RETENTION = 24  # disk holds at most retention + retention / 24 of records


def cutoff_ms(stream: Stream, now_ms: int) -> int:
    """Records that arrived before this time (ms) are past retention."""
    return max(now_ms - stream["RetentionPeriodHours"] * HOUR_MS, stream["TrimFloorMs"])


def span_ms(stream: Stream) -> int:
    """How much arrival time one segment of the stream's shard logs covers."""
    return stream["RetentionPeriodHours"] * HOUR_MS // SEGMENTS_PER_RETENTION


def shard_listed(stream: Stream, shard: Shard, now_ms: int) -> bool:
    """A closed shard drops out of listings once all its records are past retention, as in AWS."""
    closed = shard["ClosedMs"]
    return closed is None or closed >= cutoff_ms(stream, now_ms)


def retention_changed(stream: Stream, old_hours: int, now_ms: int) -> None:
    """After an increase, what had expired under the old period stays expired."""
    if stream["RetentionPeriodHours"] > old_hours:
        stream["TrimFloorMs"] = max(stream["TrimFloorMs"], now_ms - old_hours * HOUR_MS)


def trim_stream(logs, stream: Stream, now_ms: int) -> int:
    """Delete the stream's segments that are wholly past retention; returns the bytes freed."""
    cutoff = cutoff_ms(stream, now_ms)
    return sum(logs.trim(stream["StreamId"], shard["ShardIndex"], cutoff) for shard in stream["Shards"])
