"""The durable buffer: records acknowledged by PutRecord(Batch) or read from a source stream, not yet delivered.

Each accepted batch is one store document (committed before the call answers, so it survives kill -9),
keyed in arrival order. Its bytes are a file in the data dir, written before the document commits (in
the OS when the call answers, as the store's WAL is); with --ephemeral they stay in the document.
Delivery takes documents from the front and deletes them only after the destination has the data;
object keys derive from the first document's key, so a delivery repeated after a crash overwrites the
same objects instead of duplicating them. Sizes and ages are indexed in memory.
"""
from __future__ import annotations

import base64
import hashlib
import itertools
import os
import shutil
import threading
import time
from dataclasses import dataclass, field

from nimbus.services.firehose.common import buffer_ns
from nimbus.services.firehose.documents import BufferedBatch


@dataclass
class Pending:
    bytes: int = 0
    oldest: float | None = None  # virtual arrival time of the oldest buffered record


class Index:
    """Sizes and arrival times of a buffer's documents, in key (arrival) order."""

    def __init__(self):
        self.entries: dict[str, tuple[int, float]] = {}
        self.bytes = 0

    def add(self, key: str, size: int, arrival: float) -> None:
        self.entries[key] = (size, arrival)
        self.bytes += size

    def discard(self, key: str) -> None:
        found = self.entries.pop(key, None)
        if found is not None:
            self.bytes -= found[0]

    def pending(self) -> Pending:
        # The virtual clock only moves forward, so the first document is the oldest.
        first = next(iter(self.entries.values()), None)
        return Pending(self.bytes, first[1] if first else None)


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
    def __init__(self, store, directory: str | None = None):
        self.store = store
        self.directory = directory  # None: bytes kept in the documents (ephemeral mode)
        self._born = f"{time.time_ns():020d}"  # files keyed before this are from an earlier run
        self._lock = threading.Lock()
        self._counter = itertools.count()
        self._index: dict[tuple[str, str, str], Index] = {}

    def _key(self) -> str:
        # Real nanoseconds only order documents (never behaviour); the counter breaks ties.
        with self._lock:
            return f"{time.time_ns():020d}-{next(self._counter) % 10**6:06d}"

    def _indexed(self, account: str, region: str, name: str) -> Index:
        """The buffer's index, built from the store on first use (after a restart). Call with the lock held."""
        ident = (account, region, name)
        found = self._index.get(ident)
        if found is None:
            found = self._index[ident] = Index()
            for key, doc in self.store.scan(buffer_ns(account, region, name)):
                found.add(key, doc["n"], doc["t"])
            self._sweep_orphans(ident, found)
        return found

    def _folder(self, ident: tuple[str, str, str]) -> str | None:
        if self.directory is None:
            return None
        # A digest, never the names themselves: no path from a stream name.
        return os.path.join(self.directory, hashlib.sha256("/".join(ident).encode()).hexdigest()[:32])

    def _sweep_orphans(self, ident, index: Index) -> None:
        """Files whose document never committed (killed in between) are not acknowledged records."""
        folder = self._folder(ident)
        if folder and os.path.isdir(folder):
            for entry in os.listdir(folder):
                # Only earlier runs' files: one of this run may belong to an append not yet committed.
                if entry < self._born and entry not in index.entries:
                    os.unlink(os.path.join(folder, entry))

    def pending(self, account: str, region: str, name: str) -> Pending:
        with self._lock:
            return self._indexed(account, region, name).pending()

    def append(self, account: str, region: str, name: str, records: list[bytes], arrival: float,
               extra: tuple | None = None) -> str:
        """Store records durably; ``extra`` = (namespace, key, value) written in the same transaction."""
        key = self._key()
        payload = b"".join(records)
        doc = BufferedBatch(t=arrival, n=len(payload), l=[len(r) for r in records])
        folder = self._folder((account, region, name))
        if folder is None:
            doc["d"] = base64.b64encode(payload).decode()  # one string: far cheaper than one per record
        else:
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, key), "wb") as out:
                out.write(payload)
        with self.store.transaction():
            self.store.put(buffer_ns(account, region, name), key, doc)
            if extra is not None:
                self.store.put(*extra)
        with self._lock:  # not indexed yet: the scan that builds the index counts it
            index = self._index.get((account, region, name))
            if index is not None:
                index.add(key, doc["n"], arrival)
        return key

    def take(self, account: str, region: str, name: str, max_bytes: int | None) -> Batch:
        """Documents from the front, until ``max_bytes`` is reached (all of them when None)."""
        batch, size, after = Batch(), 0, None
        folder = self._folder((account, region, name))
        while True:
            page = self.store.scan(buffer_ns(account, region, name), start_after=after, limit=64)
            for key, doc in page:
                batch.keys.append(key)
                data, at = self._payload(folder, key, doc), 0
                for length in doc["l"]:
                    batch.records.append(data[at:at + length])
                    at += length
                batch.arrivals.extend([doc["t"]] * len(doc["l"]))
                size += doc["n"]
                if max_bytes is not None and size >= max_bytes:
                    return batch
            if len(page) < 64:
                return batch
            after = page[-1][0]

    @staticmethod
    def _payload(folder: str | None, key: str, doc: BufferedBatch) -> bytes:
        if folder is None:
            return base64.b64decode(doc["d"])
        with open(os.path.join(folder, key), "rb") as source:
            return source.read()

    def remove(self, account: str, region: str, name: str, keys: list[str]) -> None:
        ns = buffer_ns(account, region, name)
        with self.store.transaction():
            for key in keys:
                self.store.delete(ns, key)
        folder = self._folder((account, region, name))
        if folder is not None:
            for key in keys:
                try:
                    os.unlink(os.path.join(folder, key))
                except FileNotFoundError:
                    pass
        with self._lock:
            index = self._index.get((account, region, name))
            if index is not None:
                for key in keys:
                    index.discard(key)

    def forget(self, account: str, region: str, name: str) -> None:
        with self._lock:
            self._index.pop((account, region, name), None)

    def drop(self, account: str, region: str, name: str) -> None:
        self.store.delete_namespace(buffer_ns(account, region, name))
        self.forget(account, region, name)
        folder = self._folder((account, region, name))
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
