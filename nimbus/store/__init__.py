"""Durable state behind one small interface (see base.Store)."""
from __future__ import annotations

from urllib.parse import urlsplit

from nimbus.store.base import Store
from nimbus.store.sqlite import SqliteStore

__all__ = ["Store", "SqliteStore", "open_store", "check_store_url", "describe_store"]

POSTGRESQL_SCHEMES = ("postgresql", "postgres")


def check_store_url(url: str | None) -> None:
    """Refuse a ``--store`` that names no backend, before anything starts."""
    if url and urlsplit(url).scheme not in POSTGRESQL_SCHEMES:
        raise ValueError(f"unsupported store {url!r}: use postgresql://user@host:port/database, "
                         "or leave it unset for SQLite in the data dir")


def open_store(data_dir: str | None, ephemeral: bool = False, url: str | None = None) -> Store:
    """In-memory SQLite when ephemeral; PostgreSQL when ``url`` names a server; else SQLite in data_dir."""
    if url and not ephemeral:
        check_store_url(url)
        from nimbus.store.postgresql import PostgresStore  # psycopg loads only when asked for
        return PostgresStore(url)
    if ephemeral or data_dir is None:
        return SqliteStore(":memory:")
    return SqliteStore.in_dir(data_dir)


def describe_store(data_dir: str | None, ephemeral: bool = False, url: str | None = None) -> str:
    """Where state lives, for the start-up line: never shows a password."""
    if ephemeral:
        return "memory"
    if url:
        parts = urlsplit(url)
        if parts.password is not None:
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
            parts = parts._replace(netloc=netloc)
        return parts.geturl()
    return str(data_dir)
