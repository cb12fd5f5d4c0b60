"""PostgreSQL backend: the documents table on a server several nimbus processes can share.

Namespaces and keys are ``bytea`` so they order by their UTF-8 bytes, exactly as SQLite's BINARY
collation does, and hold any character (text columns refuse NUL). Values are the same compact JSON
text the SQLite backend stores.

Statements outside a transaction run in autocommit on a connection borrowed from a small pool, so
threads do not queue behind each other. A transaction keeps one connection for its thread until the
outermost block ends, and takes a transaction-scoped advisory lock: transactions are serialized
across every process on the database, as SQLite's ``BEGIN IMMEDIATE`` serializes them on one file,
so a read-modify-write inside one is exact. Commits wait for the WAL flush (``synchronous_commit``).
"""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg

from nimbus.store.base import (
    Namespace,
    Store,
    document_text,
    join_namespace,
    namespaces_query,
    split_namespace,
    upper_bound,
)

TABLE = "nimbus_documents"
# pg_advisory_xact_lock keys: every nimbus transaction on the database takes the first; creating the
# table takes the second (two processes starting at once would otherwise race on CREATE TABLE), so a
# store can open while another holds a transaction.
_TRANSACTION_LOCK = 0x6E696D627573  # "nimbus"
_SCHEMA_LOCK = _TRANSACTION_LOCK + 1
POOL_SIZE = 8


def _ns(ns: Namespace) -> bytes:
    return join_namespace(ns).encode()


class PostgresStore(Store):
    def __init__(self, url: str, pool_size: int = POOL_SIZE):
        self.url = url
        self._idle: list[psycopg.Connection] = []
        self._idle_lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(pool_size)
        # Threads of this process queue here for a transaction, rather than each holding a connection
        # while it waits for the advisory lock.
        self._transaction_lock = threading.Lock()
        self._local = threading.local()  # .conn: this thread's open transaction
        self._closed = False
        with self._connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ("
                         " ns bytea NOT NULL, key bytea NOT NULL, value text NOT NULL, PRIMARY KEY (ns, key))")

    def _connect(self) -> psycopg.Connection:
        conn = psycopg.connect(self.url, autocommit=True)
        conn.execute("SET synchronous_commit = on")
        return conn

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """This thread's transaction connection, or an idle one from the pool."""
        held = getattr(self._local, "conn", None)
        if held is not None:
            yield held
            return
        with self._slots:
            with self._idle_lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None:
                conn = self._connect()
            try:
                yield conn
            finally:
                self._release(conn)

    def _release(self, conn: psycopg.Connection) -> None:
        if conn.broken:  # the server went away (restart, idle timeout): the idle ones went with it
            self._drop_idle()
        if conn.broken or conn.closed or self._closed:
            conn.close()
            return
        with self._idle_lock:
            self._idle.append(conn)

    def _drop_idle(self) -> None:
        with self._idle_lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def _run(self, sql: str, args: Sequence[Any], rows: bool = False) -> Any:
        """One statement: its rows, or its row count. Outside a transaction, a connection the server
        dropped is replaced and the statement sent once more: every statement here is idempotent."""
        for retry in (False, True):
            with self._connection() as conn:
                try:
                    cursor = conn.execute(sql, args)
                    return cursor.fetchall() if rows else cursor.rowcount
                except psycopg.OperationalError:
                    if retry or not conn.broken or conn is getattr(self._local, "conn", None):
                        raise

    def get(self, ns: Namespace, key: str) -> Any | None:
        found = self._run(f"SELECT value FROM {TABLE} WHERE ns=%s AND key=%s", (_ns(ns), key.encode()), rows=True)
        return json.loads(found[0][0]) if found else None

    def put(self, ns: Namespace, key: str, value: Any) -> None:
        data = document_text(value)
        self._run(f"INSERT INTO {TABLE}(ns, key, value) VALUES(%s,%s,%s)"
                  " ON CONFLICT(ns, key) DO UPDATE SET value=excluded.value", (_ns(ns), key.encode(), data))

    def delete(self, ns: Namespace, key: str) -> bool:
        return self._run(f"DELETE FROM {TABLE} WHERE ns=%s AND key=%s", (_ns(ns), key.encode())) > 0

    def scan(self, ns, prefix="", start_after=None, limit=None):
        sql = f"SELECT key, value FROM {TABLE} WHERE ns=%s"
        args: list[Any] = [_ns(ns)]
        if prefix:
            sql += " AND key >= %s"
            args.append(prefix.encode())
            above = upper_bound(prefix)
            if above is not None:
                sql += " AND key < %s"
                args.append(above.encode())
        if start_after is not None:
            sql += " AND key > %s"
            args.append(start_after.encode())
        sql += " ORDER BY key"
        if limit is not None:
            sql += " LIMIT %s"
            args.append(limit)
        return [(bytes(key).decode(), json.loads(value)) for key, value in self._run(sql, args, rows=True)]

    def delete_namespace(self, ns: Namespace) -> int:
        return self._run(f"DELETE FROM {TABLE} WHERE ns=%s", (_ns(ns),))

    def namespaces(self, prefix: Namespace) -> list[Namespace]:
        sql, args = namespaces_query(TABLE, "%s", prefix)
        return [split_namespace(bytes(row[0]).decode()) for row in self._run(sql, [a.encode() for a in args], rows=True)]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if getattr(self._local, "conn", None) is not None:  # nested: part of the open transaction
            yield
            return
        with self._transaction_lock, self._connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_TRANSACTION_LOCK,))
            self._local.conn = conn
            try:
                yield
            finally:
                self._local.conn = None

    def wipe(self) -> None:
        self._run(f"DELETE FROM {TABLE}", ())

    def close(self) -> None:
        self._closed = True
        self._drop_idle()
