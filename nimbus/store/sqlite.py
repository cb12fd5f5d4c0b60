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
# SQLite checkpoints the WAL (copies its pages into the database file, and syncs both) in whichever connection
# commits past 1,000 pages of it: in nimbus often the event loop, handing over CloudTrail's history batches, which
# then waited for the copy and the sync. A thread of the store's own checkpoints instead (_Checkpointer), once a
# second, without the GIL (sqlite3 releases it while SQLite works).
CHECKPOINT_SECONDS = 1.0
# Should those checkpoints fall behind (a reader holding an old snapshot, a writer that never pauses), the writer
# checkpoints itself past this many pages of WAL (80 MiB), as it did past 1,000.
WRITER_CHECKPOINT_PAGES = 10_000
CATCH_UPS = 5  # PASSIVE checkpoints a turn: commits made during one leave it short of the WAL's end
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
        wal = self._conn.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"  # not for ":memory:"
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS documents ("
            " ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
            " PRIMARY KEY (ns, key)) WITHOUT ROWID"
        )
        # Started by the first write: a store only read (a front worker's) checkpoints nothing.
        self._checkpointer: _Checkpointer | None = None
        self._checkpoints = wal
        if wal:
            self._conn.execute(f"PRAGMA wal_autocheckpoint={WRITER_CHECKPOINT_PAGES}")

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
            self._writing()
            self._conn.execute(_UPSERT, (_ns(ns), key, data))

    def put_many(self, items: Iterable[tuple[Namespace, str, Any]]) -> None:
        # One executemany: a CloudTrail history batch is a thousand rows, and a put each was most of its cost.
        rows = [(_ns(ns), key, document_text(value)) for ns, key, value in items]
        with self.transaction():
            self._conn.executemany(_UPSERT, rows)

    def delete(self, ns: Namespace, key: str) -> bool:
        with self._lock:
            self._writing()
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
            self._writing()
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
                self._writing()
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
            self._writing()
            self._conn.execute("DELETE FROM documents")

    def _writing(self) -> None:
        if self._checkpoints and self._checkpointer is None:
            self._checkpointer = _Checkpointer(self.path)

    def close(self) -> None:
        with self._lock:
            if self._checkpointer is not None:
                self._checkpointer.close()  # first: the last connection to close checkpoints what is left
            self._conn.close()


class _Checkpointer:
    """A thread with a connection of its own that checkpoints the WAL every ``CHECKPOINT_SECONDS``.

    PASSIVE checkpoints copy the WAL's pages without blocking anyone, but the WAL starts over (rather than grow) only
    after a checkpoint that waited for the readers to leave it: a RESTART follows, with only the few pages the PASSIVE
    ones left to copy. With no busy timeout it waits for nobody: when the writer or a reader is in its way, it gives
    up until the next turn."""

    def __init__(self, path: str):
        self._conn = sqlite3.connect(path, timeout=0, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA synchronous=NORMAL")  # as the writer's: sync at checkpoints only
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="nimbus-sqlite-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(CHECKPOINT_SECONDS):
            try:
                for _ in range(CATCH_UPS):
                    _, logged, copied = self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()[0]
                    if copied >= logged:
                        break
                self._conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
            except sqlite3.Error:  # busy, or the file went away with its data dir: the next turn tries again
                pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._conn.close()
