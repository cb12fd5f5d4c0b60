"""The store as the primary and the front workers see it.

The primary's writes move the change counter once they have committed, so a worker that sees the counter moved
and reads again reads what was written. A worker writes nothing: a write is the sign that a request needs the
primary (S3's lazy lifecycle sweep, say), so it raises ``AnsweredElsewhere`` and the request goes there whole.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from nimbus.core.waiting import AnsweredElsewhere
from nimbus.store.base import Namespace, Store
from nimbus.store.layered import Layered
from nimbus.workers.bookkeeping import moves_caches
from nimbus.workers.shared import SharedCounters


class ChangeCountingStore(Layered):
    """The primary's store while front workers serve: every committed write a worker's cache may depend on moves
    ``changes`` (``bookkeeping.py``: history, metrics and last uses do not)."""

    def __init__(self, inner: Store, counters: SharedCounters):
        super().__init__(inner)
        self.counters = counters

    def put(self, ns: Namespace, key: str, value: Any) -> None:
        self.inner.put(ns, key, value)
        self._changed(ns)

    def put_many(self, items: Iterable[tuple[Namespace, str, Any]]) -> None:
        items = list(items)
        self.inner.put_many(items)
        if any(moves_caches(ns) for ns, _, _ in items):
            self._changed()

    def delete(self, ns: Namespace, key: str) -> bool:
        try:
            return self.inner.delete(ns, key)
        finally:
            self._changed(ns)

    def delete_namespace(self, ns: Namespace) -> int:
        try:
            return self.inner.delete_namespace(ns)
        finally:
            self._changed(ns)

    def wipe(self) -> None:
        self.inner.wipe()
        self._changed()

    def _transaction_ended(self) -> None:
        if getattr(self._local, "wrote", False):
            self._local.wrote = False
            self.counters.bump()  # after the commit (or the rollback, which changes nothing: harmless)

    def _changed(self, ns: Namespace | None = None) -> None:
        if ns is not None and not moves_caches(ns):
            return
        if getattr(self._local, "depth", 0):
            self._local.wrote = True
        else:
            self.counters.bump()


class ReadOnlyStore(Layered):
    """A front worker's store: reads only; a transaction reads as single statements do (the primary alone takes
    the database's write lock)."""

    def put(self, ns: Namespace, key: str, value: Any) -> None:
        raise AnsweredElsewhere("a store write")

    def put_many(self, items: Iterable[tuple[Namespace, str, Any]]) -> None:
        raise AnsweredElsewhere("a store write")

    def delete(self, ns: Namespace, key: str) -> bool:
        raise AnsweredElsewhere("a store write")

    def delete_namespace(self, ns: Namespace) -> int:
        raise AnsweredElsewhere("a store write")

    def wipe(self) -> None:
        raise AnsweredElsewhere("a store write")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        yield
