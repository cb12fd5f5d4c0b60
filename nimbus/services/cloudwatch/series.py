"""A metric's datapoints, kept as AWS keeps them: aggregated per storage-resolution bucket, and rolled up
as they age (1-second data for 3 hours, then 1-minute for 15 days, 5-minute for 63 days and 1-hour for
455 days, after which it expires), on the virtual clock.

A bucket is one stored document per metric, time and unit: sample count, sum, minimum, maximum and the
values themselves (value, count pairs) for percentiles, up to ``MAX_VALUES`` distinct values; past that a
bucket keeps its summary only, and percentiles of it are not available (as for statistic sets in AWS).
All of an account's and Region's buckets share one namespace; a key is the metric's series id, then the
zero-padded epoch second, so one metric's time range is one ordered scan.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import TypedDict

from nimbus.store.base import Namespace, Store

# (resolution in seconds, how long data of that resolution is kept before it becomes the next one)
LEVELS: tuple[tuple[int, int], ...] = ((1, 3 * 3600), (60, 15 * 86400), (300, 63 * 86400), (3600, 455 * 86400))
MAX_VALUES = 5000
_PAGE = 2000


class Bucket(TypedDict):
    n: float  # sample count
    s: float  # sum
    lo: float
    hi: float
    v: list[list[float]] | None  # [value, count] pairs, None once too many to keep


def bucket_of(values: list[tuple[float, float]]) -> Bucket:
    """A bucket of raw values with their counts."""
    counted = [(v, c) for v, c in values if c > 0]
    return Bucket(n=sum(c for _, c in counted), s=sum(v * c for v, c in counted),
                  lo=min(v for v, _ in counted), hi=max(v for v, _ in counted),
                  v=[[v, c] for v, c in counted])


def summary_bucket(count: float, total: float, low: float, high: float) -> Bucket:
    """A statistic set: the summary without its values."""
    return Bucket(n=count, s=total, lo=low, hi=high, v=None)


def merge(into: Bucket, other: Bucket) -> Bucket:
    values = None
    if into["v"] is not None and other["v"] is not None:
        counts: dict[float, float] = {}
        for value, count in (*into["v"], *other["v"]):
            counts[value] = counts.get(value, 0) + count
        values = [[v, c] for v, c in counts.items()] if len(counts) <= MAX_VALUES else None
    return Bucket(n=into["n"] + other["n"], s=into["s"] + other["s"], lo=min(into["lo"], other["lo"]),
                  hi=max(into["hi"], other["hi"]), v=values)


def _key(series: str, ts: int, resolution: int, unit: str) -> str:
    return f"{series}:{ts:012d}:{resolution:04d}:{unit}"


def _parse(key: str) -> tuple[int, int, str]:
    _series, ts, resolution, unit = key.split(":", 3)
    return int(ts), int(resolution), unit


def add(store: Store, ns: Namespace, series: str, when: float, resolution: int, unit: str, bucket: Bucket) -> None:
    """Fold a bucket into the stored one of its resolution and time (the caller holds a transaction)."""
    ts = int(when) // resolution * resolution
    key = _key(series, ts, resolution, unit)
    stored = store.get(ns, key)
    store.put(ns, key, merge(stored, bucket) if stored is not None else bucket)


def read(store: Store, ns: Namespace, series: str, start: float, end: float,
         ) -> Iterator[tuple[int, int, str, Bucket]]:
    """(time, resolution, unit, bucket) of the series' buckets starting in [start, end), in time order."""
    after = f"{series}:{max(int(start) - 1, 0):012d}:~"
    while True:
        rows = store.scan(ns, prefix=f"{series}:", start_after=after, limit=_PAGE)
        for key, bucket in rows:
            ts, resolution, unit = _parse(key)
            if ts >= end:
                return
            yield ts, resolution, unit, bucket
        if len(rows) < _PAGE:
            return
        after = rows[-1][0]


def roll_up(store: Store, ns: Namespace, series: str, now: float) -> bool:
    """Age one metric's buckets: each older than its level's retention joins the next level's bucket, or
    expires after the last level. Whether any datapoint is left."""
    oldest_cutoff = now - LEVELS[0][1]
    moved: list[tuple[str, int, int, str, Bucket]] = []
    for ts, resolution, unit, bucket in read(store, ns, series, 0, oldest_cutoff):
        level = next((i for i, (res, _) in enumerate(LEVELS) if res == resolution), len(LEVELS) - 1)
        if ts < now - LEVELS[level][1]:
            moved.append((_key(series, ts, resolution, unit), ts, level, unit, bucket))
    with store.transaction():
        for key, ts, level, unit, bucket in moved:
            store.delete(ns, key)
            # Older data may skip levels at once (a clock jump of months).
            while level + 1 < len(LEVELS) and ts < now - LEVELS[level + 1][1]:
                level += 1
            if level + 1 < len(LEVELS):
                add(store, ns, series, ts, LEVELS[level + 1][0], unit, bucket)
    return bool(store.scan(ns, prefix=f"{series}:", limit=1))


def resolution_at(age: float) -> int:
    """The finest resolution AWS still has for data of this age (seconds)."""
    for resolution, kept in LEVELS:
        if age < kept:
            return resolution
    return LEVELS[-1][0]
