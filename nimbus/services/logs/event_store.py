"""Where log events live: one store document per event, keyed so keys sort by time.

The key is the event's timestamp (20 digits) then the stream's ingestion counter (16 digits):
scans come back in time order, and the number doubles as the position GetLogEvents tokens name.
"""
from __future__ import annotations

import hashlib

from nimbus.core.namespaces import Namespace

from .common import DAY_MS

KEY_WIDTH = 36
SEQ_FACTOR = 10 ** 16


events_ns = Namespace("logs", "events")


def event_key(timestamp: int, seq: int) -> str:
    return f"{timestamp * SEQ_FACTOR + seq:0{KEY_WIDTH}d}"


def key_timestamp(key: str) -> int:
    return int(key) // SEQ_FACTOR


def event_id(stream: str, key: str) -> str:
    """AWS's event ids are 56 digits, unique in the group: the key and a digest of the stream."""
    digest = int(hashlib.sha256(stream.encode()).hexdigest()[:16], 16) % 10 ** 20
    return f"{key}{digest:020d}"


class EventStore:
    def __init__(self, store, account: str, region: str):
        self.store, self.account, self.region = store, account, region

    def ns(self, group: str, stream: str):
        return events_ns(self.account, self.region, group, stream)

    def append(self, group: str, stream: str, first_seq: int, events: list[dict], ingestion: int) -> None:
        ns = self.ns(group, stream)
        for offset, event in enumerate(events):
            self.store.put(ns, event_key(event["timestamp"], first_seq + offset),
                           {"m": event["message"], "i": ingestion})

    def scan(self, group: str, stream: str, after: str | None = None, limit: int | None = None):
        """(key, doc) in time order, after the key ``after``."""
        return self.store.scan(self.ns(group, stream), start_after=after, limit=limit)

    def expire(self, group: str, stream: str, retention_days: int | None, now_ms: int) -> None:
        """Drop events older than the group's retention (as AWS does, some time after they age out)."""
        if not retention_days:
            return
        cutoff = event_key(now_ms - retention_days * DAY_MS, 0)
        ns = self.ns(group, stream)
        while True:
            old = [key for key, _ in self.store.scan(ns, limit=500) if key < cutoff]
            if not old:
                return
            with self.store.transaction():
                for key in old:
                    self.store.delete(ns, key)

    def drop_stream(self, group: str, stream: str) -> None:
        self.store.delete_namespace(self.ns(group, stream))
