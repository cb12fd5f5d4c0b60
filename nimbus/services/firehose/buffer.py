"""The durable buffer: records acknowledged by PutRecord(Batch) or read from a source stream, not yet delivered.

Each accepted batch is one store document (committed before the call answers, so it survives kill -9),
keyed in arrival order. Delivery takes documents from the front and deletes them only after the
destination has the data; object keys derive from the first document's key, so a delivery repeated after
a crash overwrites the same objects instead of duplicating them. Sizes and ages are indexed in memory.
"""
from __future__ import annotations

import base64
import itertools
import threading
import time
from dataclasses import dataclass, field

from nimbus.services.firehose.common import buffer_ns


@dataclass
class Pending:
    bytes: int = 0
    oldest: float | None = None  # virtual arrival time of the oldest buffered record


@dataclass
class Batch:
    """Documents taken from the front of a buffer for one delivery."""
    keys: list[str] = field(default_factory=list)
    records: list[bytes] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(len(r) for r in self.records)

    @property
    def first_key(self) -> str:
        return self.keys[0]


class Buffers:
    def __init__(self, store):
        self.store = store
        self._lock = threading.Lock()
        self._counter = itertools.count()
        self._pending: dict[tuple[str, str, str], Pending] = {}

    def _key(self) -> str:
        # Real nanoseconds only order documents (never behaviour); the counter breaks ties.
        with self._lock:
            return f"{time.time_ns():020d}-{next(self._counter) % 10**6:06d}"

    def pending(self, account: str, region: str, name: str) -> Pending:
        ident = (account, region, name)
        with self._lock:  # held while scanning: an append committed meanwhile updates the new index after
            found = self._pending.get(ident)
            if found is None:
                found = self._pending[ident] = Pending()
                for _, doc in self.store.scan(buffer_ns(account, region, name)):
                    found.bytes += doc["n"]
                    found.oldest = doc["t"] if found.oldest is None else min(found.oldest, doc["t"])
        return found

    def append(self, account: str, region: str, name: str, records: list[bytes], arrival: float,
               extra: tuple | None = None) -> str:
        """Store records durably; ``extra`` = (namespace, key, value) written in the same transaction."""
        key = self._key()
        doc = {"t": arrival, "n": sum(len(r) for r in records),
               "r": [base64.b64encode(r).decode() for r in records]}
        with self.store.transaction():
            self.store.put(buffer_ns(account, region, name), key, doc)
            if extra is not None:
                self.store.put(*extra)
        with self._lock:  # not indexed yet: the next scan of the store counts it
            pending = self._pending.get((account, region, name))
            if pending is not None:
                pending.bytes += doc["n"]
                pending.oldest = arrival if pending.oldest is None else min(pending.oldest, arrival)
        return key

    def take(self, account: str, region: str, name: str, max_bytes: int | None) -> Batch:
        """Documents from the front, until ``max_bytes`` is reached (all of them when None)."""
        batch, size, after = Batch(), 0, None
        while True:
            page = self.store.scan(buffer_ns(account, region, name), start_after=after, limit=64)
            for key, doc in page:
                batch.keys.append(key)
                for item in doc["r"]:
                    batch.records.append(base64.b64decode(item))
                    batch.arrivals.append(doc["t"])
                size += doc["n"]
                if max_bytes is not None and size >= max_bytes:
                    return batch
            if len(page) < 64:
                return batch
            after = page[-1][0]

    def remove(self, account: str, region: str, name: str, keys: list[str]) -> None:
        ns = buffer_ns(account, region, name)
        with self.store.transaction():
            for key in keys:
                self.store.delete(ns, key)
        self.forget(account, region, name)  # re-indexed from the store on next use

    def forget(self, account: str, region: str, name: str) -> None:
        with self._lock:
            self._pending.pop((account, region, name), None)

    def drop(self, account: str, region: str, name: str) -> None:
        self.store.delete_namespace(buffer_ns(account, region, name))
        self.forget(account, region, name)
