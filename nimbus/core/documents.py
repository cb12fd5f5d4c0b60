"""Stored entity documents: typed, named one way, and versioned so a change of shape is a migration.

The convention, for every service:
- An entity (a log group, a trail, a key, a stream...) is stored as one JSON document whose fields are
  named as the service's API members name them (``logGroupName`` for CloudWatch Logs, ``Name`` for
  CloudTrail), so a document and the API's output speak the same words. A field with no API
  counterpart is named in the same style.
- Its shape is a ``TypedDict`` beside the code that owns it, and a ``DocumentKind`` says which version
  of that shape today's code writes.
- Every document written through its kind carries ``SchemaVersion``. A document without one was
  written before versions existed and is version 0. Reading runs the kind's migrations, one version
  at a time, so code only ever sees today's shape; the next write stores it migrated.

High-volume records (log events, shard records, history rows) keep compact fixed layouts of their own.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

if TYPE_CHECKING:
    from nimbus.store.base import Namespace, Store

VERSION_FIELD = "SchemaVersion"

Doc = TypeVar("Doc", bound=Mapping[str, Any])
Migration = Callable[[dict[str, Any]], dict[str, Any]]


class DocumentTooNew(RuntimeError):
    """The data dir was written by a newer nimbus than this one."""


@dataclass(frozen=True)
class DocumentKind(Generic[Doc]):
    """One kind of stored document: its name, today's version and how older versions become it.

    ``migrations[n]`` turns a version-``n`` document into version ``n + 1``.
    """
    name: str
    version: int = 1
    migrations: Mapping[int, Migration] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [n for n in range(1, self.version) if n not in self.migrations]
        if missing:
            raise ValueError(f"{self.name}: no migration from version(s) {missing}")

    def load(self, raw: Mapping[str, Any]) -> Doc:
        """Today's shape of a stored document, migrating an older one."""
        doc = dict(raw)
        version = doc.get(VERSION_FIELD, 0)
        if version > self.version:
            raise DocumentTooNew(f"{self.name} version {version} is newer than this nimbus knows ({self.version})")
        while version < self.version:
            doc = self.migrations.get(version, _unchanged)(doc)
            version += 1
        doc[VERSION_FIELD] = version
        return cast(Doc, doc)

    def dump(self, doc: Doc) -> dict[str, Any]:
        """The document as stored: stamped with today's version."""
        return {**doc, VERSION_FIELD: self.version}

    def get(self, store: Store, ns: Namespace, key: str) -> Doc | None:
        raw = store.get(ns, key)
        return None if raw is None else self.load(raw)

    def put(self, store: Store, ns: Namespace, key: str, doc: Doc) -> None:
        store.put(ns, key, self.dump(doc))

    def scan(self, store: Store, ns: Namespace, prefix: str = "", start_after: str | None = None,
             limit: int | None = None) -> list[tuple[str, Doc]]:
        return [(key, self.load(raw)) for key, raw in store.scan(ns, prefix, start_after, limit)]


def _unchanged(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 0 to 1 where the fields did not change: the documents only gain their version."""
    return doc


def rename_fields(renames: Mapping[str, str]) -> Migration:
    """A migration that renames top-level fields (e.g. snake_case to the API's member names)."""
    def migrate(doc: dict[str, Any]) -> dict[str, Any]:
        return {renames.get(name, name): value for name, value in doc.items()}
    return migrate
