"""The storage interface providers use.

State is a set of namespaced documents: a namespace is a tuple such as
``("iam", account, "users")`` and each document is a JSON-serializable dict
under a string key. Keys in a namespace list in order. This maps directly onto
one table in SQLite or PostgreSQL, so a new backend never touches providers.
"""
from __future__ import annotations

import abc
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

Namespace = tuple[str, ...]

# Joins a namespace's segments into one column; cannot appear in account ids, regions or service names.
NS_SEPARATOR = "\x1f"


def join_namespace(ns: Namespace) -> str:
    return NS_SEPARATOR.join(ns)


def split_namespace(joined: str) -> Namespace:
    return tuple(joined.split(NS_SEPARATOR))


def upper_bound(prefix: str) -> str | None:
    """The least string above every string that starts with ``prefix`` (None: there is none).

    Backends compare keys by code point (UTF-8 bytes), so ``prefix <= key < upper_bound(prefix)``
    selects exactly the keys with that prefix, case-sensitively, and an index serves it.
    """
    while prefix:
        last = ord(prefix[-1]) + 1
        if last == 0xD800:  # surrogates are not characters a store can hold
            last = 0xE000
        if last <= 0x10FFFF:
            return prefix[:-1] + chr(last)
        prefix = prefix[:-1]
    return None


def namespaces_query(table: str, mark: str, prefix: Namespace) -> tuple[str, list[str]]:
    """SQL for the distinct namespaces under ``prefix`` (whole segments), in order, and its arguments
    (``mark`` is the driver's placeholder). It hops from each namespace to the next through the
    primary key's index, so it costs one lookup per namespace however many documents they hold.
    """
    start, args, stop, keep = "", [], "", ""
    if prefix:
        joined = join_namespace(prefix)
        # ``prefix`` itself, or it followed by the separator: within [joined + SEP, joined + SEP + 1).
        start, stop = joined, joined + chr(ord(NS_SEPARATOR) + 1)
        args = [stop, stop, joined, joined + NS_SEPARATOR]
        stop = f" AND found.ns < {mark}"
        keep = f" AND ns < {mark} AND (ns = {mark} OR ns >= {mark})"
    first = f"SELECT ns FROM {table} WHERE ns >= {mark} ORDER BY ns LIMIT 1"
    after = f"SELECT ns FROM {table} WHERE ns > found.ns ORDER BY ns LIMIT 1"
    sql = (f"WITH RECURSIVE found(ns) AS (SELECT ({first})"
           f" UNION ALL SELECT ({after}) FROM found WHERE found.ns IS NOT NULL{stop})"
           f" SELECT ns FROM found WHERE ns IS NOT NULL{keep} ORDER BY ns")
    return sql, [start, *args]


class EncodedJson(str):
    """A document already written as JSON text, stored as it is: a writer of many documents (CloudTrail's event
    history) encodes them faster than ``json`` would."""


def document_text(value: Any) -> str:
    """What a backend stores for ``value``: compact JSON text."""
    return value if isinstance(value, EncodedJson) else json.dumps(value, separators=(",", ":"))


class Store(abc.ABC):
    @abc.abstractmethod
    def get(self, ns: Namespace, key: str) -> Any | None: ...

    @abc.abstractmethod
    def put(self, ns: Namespace, key: str, value: Any) -> None: ...

    def put_many(self, items: Iterable[tuple[Namespace, str, Any]]) -> None:
        """Several ``put``s in one transaction (a backend may send them as one statement)."""
        with self.transaction():
            for ns, key, value in items:
                self.put(ns, key, value)

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
        """Namespaces whose first ``len(prefix)`` segments equal ``prefix`` (e.g. every account of a
        service), in order: ``("s3",)`` matches ``("s3", ...)``, never ``("s3control", ...)``."""

    @abc.abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group reads and writes so they commit together or not at all, isolated from other
        transactions (in this process and any other on the same database).

        Nesting: an inner block joins the outer transaction; nothing commits until the outermost
        block ends. An exception leaving the outermost block rolls back everything, inner blocks'
        writes included. An inner block is not a savepoint: if it raises and the outer block
        catches the exception, the writes the inner block made before raising stay, and commit
        with the outer block.
        """

    @abc.abstractmethod
    def wipe(self) -> None: ...

    def forget_cached(self) -> None:
        """Drop documents kept in memory (decoded_cache.py): another process has written the store."""
        return None  # a backend keeps none

    @abc.abstractmethod
    def close(self) -> None: ...
