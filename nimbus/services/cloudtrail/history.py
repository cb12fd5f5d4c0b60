"""Event history: every record, kept 90 days (virtual clock) per account and region, newest first.

Keys invert the time (``(MAX - ms)-(MAX - seq)``) so that the store's ascending scans read newest
first, which is what LookupEvents and delivery (everything newer than a cursor) both want.
Management and data events live in separate namespaces, so LookupEvents never wades through data.

Each management event is also indexed by every LookupEvents attribute: one empty document per
(attribute, value) under ``(cloudtrail, account, region, events-by, <attribute>)`` keyed
``<digest of the value>-<event key>``. A lookup reads its value's keys from its cursor on, newest first,
and stops at the first key of another value, so it costs what it returns, not what the history holds.
The digest keeps keys short and of one length whatever the value (an ARN, a user name); a collision only
costs a read, since every candidate is checked against its record.

The index is written lazily (``pending_index.py``): a batch of events leaves one row listing their keys, and
whoever next needs the index (LookupEvents, through the engine's flush) indexes what those rows list. Eight
index rows per call were most of what recording cost the request path, and most events are never looked up.
"""
from __future__ import annotations

import hashlib
import threading
from typing import Any

import orjson

from nimbus.core.namespaces import regional
from nimbus.services.cloudtrail.lazy_record import LazyRecord
from nimbus.services.cloudtrail.recent import RecentRecords
from nimbus.services.cloudtrail.record_text import stored_text
from nimbus.services.cloudtrail.records import resource_name, username
from nimbus.store.base import EncodedJson

RETENTION_SECONDS = 90 * 86400
_MAX_MS = 10 ** 14 - 1
_MAX_SEQ = 10 ** 6 - 1
TIME_KEY_LENGTH = 21
MANAGEMENT, DATA, INSIGHTS = "events", "data-events", "insights"
AUDIT_EVENTS = "audit-events"  # taken by channels (cloudtrail-data's PutAuditEvents)
INDEX = "events-by"
UNINDEXED = "events-unindexed"  # management events not yet in the index: one row of keys per batch
# Events written in one store transaction, at most (CloudTrail's tick writes what is pending every 0.2 s). A commit
# writes the history's newest page and the pages above it again whatever it adds: for 0.9 KB records the store took
# 7.2 to 8.3 µs of CPU a row at 100 events, 6.0 to 7.5 at 300 (benchmarks/history_commit.py).
BATCH = 300
PRUNE_CHUNK = 500
PRUNE_CHUNKS = 20


def history_ns(account: str, region: str, kind: str = MANAGEMENT) -> tuple[str, ...]:
    return regional("cloudtrail", account, region, kind)


def index_ns(account: str, region: str, attribute: str) -> tuple[str, ...]:
    return regional("cloudtrail", account, region, INDEX, attribute)


def time_key(ms: int, seq: int = _MAX_SEQ) -> str:
    """The key of an event at ``ms``; ``seq`` orders events of one millisecond (higher is newer)."""
    return f"{_MAX_MS - ms:014d}-{_MAX_SEQ - seq:06d}"


def key_ms(key: str) -> int:
    return _MAX_MS - int(key[:14])


def value_digest(value: str) -> str:
    return hashlib.blake2b(value.encode(), digest_size=8).hexdigest()


def index_key(value: str, event_key: str) -> str:
    return f"{value_digest(value)}-{event_key}"


def attribute_values(record: dict) -> dict[str, set[str]]:
    """What each LookupEvents attribute matches in this record (ReadOnly in lower case)."""
    identity = record["userIdentity"]
    resources = record.get("resources", ())
    found = {
        "EventId": [record["eventID"]],
        "EventName": [record["eventName"]],
        "ReadOnly": [str(record["readOnly"]).lower()],
        "Username": [username(identity)],
        "ResourceType": [r.get("type") for r in resources],
        "ResourceName": [resource_name(r) for r in resources] + [r.get("ARN") for r in resources],
        "EventSource": [record["eventSource"]],
        "AccessKeyId": [identity.get("accessKeyId")],
    }
    return {attribute: {v for v in values if v} for attribute, values in found.items()}


def index_rows(account: str, region: str, key: str, record: dict) -> list[tuple[tuple[str, ...], str]]:
    """The index documents of one management event."""
    return [(index_ns(account, region, attribute), index_key(value, key))
            for attribute, values in attribute_values(record).items() for value in values]


class HistoryWriter:
    """Batches records from the bus into store transactions (one commit per batch)."""

    def __init__(self, store):
        self.store = store
        self._pending: list[tuple[str, str, str, str, int, dict | LazyRecord]] = []
        self._lock = threading.Lock()
        self._last_ms = 0
        self._seq = 0
        self.unindexed = True  # a stopped server may have left events to index
        self._index_lock = threading.Lock()
        self.recent: RecentRecords | None = None  # set by the engine while some trail logs

    def add(self, account: str, region: str, kind: str, record: dict | LazyRecord, ms: int) -> None:
        with self._lock:
            if ms <= self._last_ms:  # keep keys strictly ordered even when the clock reads equal
                ms = self._last_ms
                self._seq += 1
            else:
                self._last_ms, self._seq = ms, 0
            self._pending.append((account, region, kind, time_key(ms, self._seq), ms, record))
            if len(self._pending) >= BATCH:
                self.flush_locked()

    def flush(self) -> None:
        with self._lock:
            self.flush_locked()

    def flush_locked(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        # Per (account, region, kind): its events' (key, ms, record), oldest first. Most batches have one.
        by_place: dict[tuple[str, str, str], list[tuple[str, int, Any]]] = {}
        for account, region, kind, key, ms, record in batch:
            held = by_place.get((account, region, kind))
            if held is None:
                held = by_place[account, region, kind] = []
            held.append((key, ms, record))
        rows: list[tuple[tuple[str, ...], str, Any]] = []
        by_ns: dict[tuple[str, ...], list[tuple[str, int, Any]]] = {}
        for (account, region, kind), held in by_place.items():
            ns = history_ns(account, region, kind)
            by_ns[ns] = held
            # Keys fall as time goes on, so every event goes in before all that the history holds. Written in
            # rising key order (newest first) SQLite fills its pages where falling keys split each one in half:
            # 20% less CPU per event, a third less file.
            rows.extend((ns, key, stored_text(record)) for key, _, record in reversed(held))
            if kind == MANAGEMENT:
                # Keyed by the batch's newest event (keys fall as time goes on): pruning may drop the row with its
                # oldest events only once every event it lists is past retention. The keys are digits: orjson
                # writes them as json would.
                keys = [key for key, _, _ in held]
                rows.append((history_ns(account, region, UNINDEXED), keys[-1],
                             EncodedJson(orjson.dumps(keys).decode())))
        self.store.put_many(rows)
        self.unindexed = True
        recent = self.recent
        if recent is not None:  # only once stored: what delivery takes from memory is in the store too
            for ns, held in by_ns.items():
                recent.add_many(ns, held)

    def hold_recent(self, keep_ms: int) -> None:
        """Keep what is written from now on in memory for delivery (``recent``), if not already."""
        with self._lock:
            if self.recent is None:
                self.flush_locked()  # what is pending now is written before holding begins, so not held
                start = time_key(self._last_ms, self._seq) if self._last_ms else None
                self.recent = RecentRecords(keep_ms, start=start)

    def index_pending(self) -> None:
        """Bring the LookupEvents index up to every event written so far."""
        with self._index_lock:
            if not self.unindexed:
                return
            self.unindexed = False  # before reading: a batch written meanwhile sets it again
            from nimbus.services.cloudtrail.pending_index import index_pending
            index_pending(self.store)

    def prune(self, now: float, chunks: int = PRUNE_CHUNKS) -> bool:
        """Forget what is older than 90 days, with its index documents, at most ``chunks`` transactions of
        ``PRUNE_CHUNK`` events at a time (a clock jump can age a million events at once, and the call that
        moved the clock waits for this); True once nothing old is left."""
        cutoff = time_key(int((now - RETENTION_SECONDS) * 1000), _MAX_SEQ)
        for ns in self.store.namespaces(("cloudtrail",)):
            if len(ns) != 4 or ns[3] not in (MANAGEMENT, DATA, INSIGHTS, AUDIT_EVENTS):
                continue
            while True:
                old = self.store.scan(ns, start_after=cutoff, limit=PRUNE_CHUNK)
                if not old:
                    break
                if chunks == 0:
                    return False
                chunks -= 1
                with self.store.transaction():
                    for key, record in old:
                        self.store.delete(ns, key)
                        if ns[3] == MANAGEMENT:
                            for index, row in index_rows(ns[1], ns[2], key, record):
                                self.store.delete(index, row)
                    if ns[3] == MANAGEMENT:  # lists of keys whose events are all gone now
                        unindexed = history_ns(ns[1], ns[2], UNINDEXED)
                        for key, _ in self.store.scan(unindexed, start_after=cutoff, limit=PRUNE_CHUNK):
                            self.store.delete(unindexed, key)
        return True
