"""Documents read on every call (an S3 bucket, an object's latest version, a KMS key) kept decoded in memory.

A read of a SQLite document is a locked statement and a JSON decode: about 10 µs, several times per small call. A
service names the namespaces worth keeping (``keep_decoded``); this store in front of the backend keeps what it
read there, as ``marshal`` bytes, so each reader gets its own copy to change (3 µs instead of 10) and no reader's
change reaches another.

What is kept is never stale:
- every write through this store forgets the documents it touches before it returns, and moves a generation;
  a read that began before a write (and may have read the old document) keeps nothing once the generation moved;
- a read inside a transaction keeps nothing: the transaction may still roll back what it read. Other threads
  cannot read meanwhile (the SQLite backend holds its lock for the whole transaction), so they read committed
  documents only;
- another process's writes (the primary of ``--workers N``, seen by a front worker through the shared change
  counter) and ``/_nimbus/reset`` forget everything (``forget_cached``).
Only SQLite stores are fronted: nodes sharing a PostgreSQL database see each other's writes by reading again.
"""
from __future__ import annotations

import marshal
import threading
from collections.abc import Callable, Iterable
from typing import Any

from nimbus.store.base import Namespace, Store
from nimbus.store.layered import Layered
from nimbus.store.sqlite import SqliteStore

# Patterns of namespaces whose documents are kept: a None segment matches any (an account, a region, a bucket).
_PATTERNS: set[Namespace | tuple[str | None, ...]] = set()
MAX_DOCUMENTS = 4096  # about 1 KiB each: a bounded few MiB, forgotten all at once when full


def keep_decoded(*pattern: str | None) -> None:
    """Keep the documents of namespaces matching ``pattern`` decoded: ``keep_decoded("kms", None, None, "keys")``."""
    _PATTERNS.add(pattern)


def _matches(ns: Namespace) -> bool:
    return any(len(pattern) == len(ns) and all(p is None or p == s for p, s in zip(pattern, ns))
               for pattern in _PATTERNS)


def remember_decoded(store: Store) -> Store:
    """``store`` fronted by the cache where that is safe (SQLite: one process writes it)."""
    return DecodedCache(store) if isinstance(store, SqliteStore) else store


class DecodedCache(Layered):
    def __init__(self, inner: Store, keeps: Callable[[Namespace], bool] = _matches):
        """``keeps``: which namespaces' documents to keep (the patterns services named, unless told otherwise)."""
        super().__init__(inner)
        self._decide = keeps
        self._documents: dict[tuple[Namespace, str], bytes] = {}
        self._kept: dict[Namespace, bool] = {}  # per namespace: whether it matches a pattern
        self._patterns_seen = 0
        self._generation = 0
        self._lock = threading.Lock()  # a fill's check of the generation and a write's forgetting are atomic

    def _keeps(self, ns: Namespace) -> bool:
        if self._patterns_seen != len(_PATTERNS):  # a service loaded since: decide again
            self._kept.clear()
            self._patterns_seen = len(_PATTERNS)
        kept = self._kept.get(ns)
        if kept is None:
            if len(self._kept) > MAX_DOCUMENTS:
                self._kept.clear()
            kept = self._kept[ns] = self._decide(ns)
        return kept

    def get(self, ns: Namespace, key: str) -> Any | None:
        found = self._documents.get((ns, key))
        if found is not None:
            return marshal.loads(found)
        if not self._keeps(ns) or self._in_transaction():
            return self.inner.get(ns, key)
        generation = self._generation
        value = self.inner.get(ns, key)
        encoded = marshal.dumps(value)  # None too: a document usually absent (an account's settings) is read as often
        with self._lock:
            if generation == self._generation:
                if len(self._documents) >= MAX_DOCUMENTS:
                    self._documents.clear()
                self._documents[(ns, key)] = encoded
        return value

    def _forget(self, ns: Namespace, key: str) -> None:
        if self._keeps(ns):
            with self._lock:
                self._generation += 1
                self._documents.pop((ns, key), None)

    def forget_cached(self) -> None:
        with self._lock:
            self._generation += 1
            self._documents.clear()

    def put(self, ns: Namespace, key: str, value: Any) -> None:
        try:
            self.inner.put(ns, key, value)
        finally:
            self._forget(ns, key)

    def put_many(self, items: Iterable[tuple[Namespace, str, Any]]) -> None:
        items = list(items)
        try:
            self.inner.put_many(items)
        finally:
            for ns, key, _ in items:
                self._forget(ns, key)

    def delete(self, ns: Namespace, key: str) -> bool:
        try:
            return self.inner.delete(ns, key)
        finally:
            self._forget(ns, key)

    def delete_namespace(self, ns: Namespace) -> int:
        try:
            return self.inner.delete_namespace(ns)
        finally:
            self.forget_cached()

    def wipe(self) -> None:
        try:
            self.inner.wipe()
        finally:
            self.forget_cached()
