"""The storage interface providers use.

State is a set of namespaced documents: a namespace is a tuple such as
``("iam", account, "users")`` and each document is a JSON-serializable dict
under a string key. Keys in a namespace list in order. This maps directly onto
one table in SQLite or PostgreSQL, so a new backend never touches providers.
"""
from __future__ import annotations

import abc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

Namespace = tuple[str, ...]


class Store(abc.ABC):
    @abc.abstractmethod
    def get(self, ns: Namespace, key: str) -> Any | None: ...

    @abc.abstractmethod
    def put(self, ns: Namespace, key: str, value: Any) -> None: ...

    @abc.abstractmethod
    def delete(self, ns: Namespace, key: str) -> bool:
        """Remove one document; True if it existed."""

    @abc.abstractmethod
    def scan(self, ns: Namespace, prefix: str = "", start_after: str | None = None,
             limit: int | None = None) -> list[tuple[str, Any]]:
        """Documents of a namespace in key order."""

    @abc.abstractmethod
    def delete_namespace(self, ns: Namespace) -> int: ...

    @abc.abstractmethod
    def namespaces(self, prefix: Namespace) -> list[Namespace]:
        """Namespaces that start with ``prefix`` (e.g. every account of a service)."""

    @abc.abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes so they commit together or not at all; nests."""

    @abc.abstractmethod
    def wipe(self) -> None: ...

    @abc.abstractmethod
    def close(self) -> None: ...
