"""Embedded SQLite backend.

WAL with synchronous=NORMAL: a committed write is in the OS before the call
returns, so it survives ``kill -9`` of the server (not a power cut, which a
local emulator does not promise).
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from nimbus.store.base import (
    Namespace,
    Store,
    document_text,
    namespaces_query,
    split_namespace,
    upper_bound,
)
from nimbus.store.base import join_namespace as _ns

# The table is WITHOUT ROWID, whose rows stay whole in their page only up to about a quarter of it: with 4 KiB
# pages a row past 1,002 bytes spills into an overflow page of its own. CloudTrail's event history writes a
# record of 1.1 to 1.7 KB for every call, so each took an extra page: 4.3 KB of file and 14 us per record, against
# 1.9 KB and 7 us with 8 KiB pages, which hold rows of up to 2,030 bytes whole. Small documents cost the same.
PAGE_SIZE = 8192
_UPSERT = "INSERT INTO documents(ns, key, value) VALUES(?,?,?) ON CONFLICT(ns, key) DO UPDATE SET value=excluded.value"


class SqliteStore(Store):
    def __init__(self, path: str):
        self.path = path
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        self._depth = 0
        # Only a new database takes it (before its first write); an existing one keeps the size it was made with.
        self._conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
        # NORMAL before WAL: a new store's switch to WAL then syncs less (half the time of a fresh data dir's open).
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS documents ("
            " ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
            " PRIMARY KEY (ns, key)) WITHOUT ROWID"
        )

    @classmethod
    def in_dir(cls, data_dir: str) -> SqliteStore:
        os.makedirs(data_dir, exist_ok=True)
        return cls(os.path.join(data_dir, "state.sqlite3"))

    def get(self, ns: Namespace, key: str) -> Any | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT value FROM documents WHERE ns=? AND key=?", (_ns(ns), key)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, ns: Namespace, key: str, value: Any) -> None:
        data = document_text(value)
        with self._lock:
            self._conn.execute(_UPSERT, (_ns(ns), key, data))

    def put_many(self, items: Iterable[tuple[Namespace, str, Any]]) -> None:
        # One executemany: a CloudTrail history batch is a thousand rows, and a put each was most of its cost.
        rows = [(_ns(ns), key, document_text(value)) for ns, key, value in items]
        with self.transaction():
            self._conn.executemany(_UPSERT, rows)

    def delete(self, ns: Namespace, key: str) -> bool:
        with self._lock:
            cur = self._conn.execute("DELETE FROM documents WHERE ns=? AND key=?", (_ns(ns), key))
        return cur.rowcount > 0

    def scan(self, ns, prefix="", start_after=None, limit=None):
        sql = "SELECT key, value FROM documents WHERE ns=?"
        args: list[Any] = [_ns(ns)]
        if prefix:
            sql += " AND key >= ?"
            args.append(prefix)
            above = upper_bound(prefix)
            if above is not None:
                sql += " AND key < ?"
                args.append(above)
        if start_after is not None:
            sql += " AND key > ?"
            args.append(start_after)
        sql += " ORDER BY key"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [(key, json.loads(value)) for key, value in rows]

    def delete_namespace(self, ns: Namespace) -> int:
        with self._lock:
            return self._conn.execute("DELETE FROM documents WHERE ns=?", (_ns(ns),)).rowcount

    def namespaces(self, prefix: Namespace) -> list[Namespace]:
        sql, args = namespaces_query("documents", "?", prefix)
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [split_namespace(row[0]) for row in rows]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._conn.execute("COMMIT")

    def wipe(self) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM documents")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
