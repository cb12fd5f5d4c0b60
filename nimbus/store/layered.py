"""A store in front of another (the decoded-document cache, the primary's change counting, a worker's read-only
view): reads pass through, and each thread's transaction depth is known to the layer."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from nimbus.store.base import Namespace, Store


class Layered(Store):
    def __init__(self, inner: Store):
        self.inner = inner
        self._local = threading.local()  # per thread: how deep in a transaction (and what a layer adds)

    def get(self, ns: Namespace, key: str) -> Any | None:
        return self.inner.get(ns, key)

    def scan(self, ns: Namespace, prefix: str = "", start_after: str | None = None,
             limit: int | None = None) -> list[tuple[str, Any]]:
        return self.inner.scan(ns, prefix, start_after, limit)

    def namespaces(self, prefix: Namespace) -> list[Namespace]:
        return self.inner.namespaces(prefix)

    def forget_cached(self) -> None:
        self.inner.forget_cached()

    def close(self) -> None:
        self.inner.close()

    def _in_transaction(self) -> bool:
        return getattr(self._local, "depth", 0) > 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        local = self._local
        local.depth = getattr(local, "depth", 0) + 1
        try:
            with self.inner.transaction():
                yield
        finally:
            local.depth -= 1
            if local.depth == 0:
                self._transaction_ended()

    def _transaction_ended(self) -> None:
        """The thread's outermost transaction has committed, or rolled back."""
        return None  # a layer that counts writes moves its counter here
