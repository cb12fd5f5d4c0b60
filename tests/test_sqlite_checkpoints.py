"""SQLite's WAL is checkpointed by a thread of the store's own (store/sqlite.py), not by the connection that commits:
the database file takes what was written while nobody checkpoints inline, and the WAL starts over rather than grow."""
from __future__ import annotations

import os
import sqlite3
import threading
import time

from nimbus.store.sqlite import CHECKPOINT_SECONDS, WRITER_CHECKPOINT_PAGES, SqliteStore

NS = ("test", "checkpoints")
ROW = "x" * 1000


def _write(store: SqliteStore, start: int, count: int) -> None:
    store.put_many((NS, f"{key:08d}", ROW) for key in range(start, start + count))


def _rows_after_reopening(path: str) -> int:
    reopened = SqliteStore(path)
    try:
        return len(reopened.scan(NS))
    finally:
        reopened.close()


def _checkpointing_threads() -> int:
    return sum(thread.name == "nimbus-sqlite-checkpoint" for thread in threading.enumerate())


def test_the_database_file_takes_what_was_written_without_the_writer_checkpointing(tmp_path):
    path = str(tmp_path / "state.sqlite3")
    store = SqliteStore(path)
    try:
        assert store._conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == WRITER_CHECKPOINT_PAGES
        _write(store, 0, 2000)  # about 2 MB: 300 pages of WAL, far below where the writer would checkpoint
        assert os.path.getsize(path) < 200_000
        deadline = time.monotonic() + 5 * CHECKPOINT_SECONDS
        while os.path.getsize(path) < 1_000_000 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert os.path.getsize(path) >= 1_000_000
    finally:
        store.close()
    assert _rows_after_reopening(path) == 2000


def _wal_salts(path: str) -> bytes:
    """The WAL header's salts, which change each time the WAL starts over (SQLite's file format, section 4.1)."""
    with open(path + "-wal", "rb") as wal:
        return wal.read(24)[16:24]


def test_the_wal_starts_over_while_writes_go_on(tmp_path):
    """Under steady small commits the store's thread makes the WAL start over every turn, long before the writer's
    own checkpoint (80 MiB of WAL) would."""
    path = str(tmp_path / "state.sqlite3")
    store = SqliteStore(path)
    written = 0
    seen = set()
    try:
        deadline = time.monotonic() + 4.5 * CHECKPOINT_SECONDS
        while time.monotonic() < deadline:
            _write(store, written, 20)
            written += 20
            seen.add(_wal_salts(path))
            time.sleep(0.005)
        wal = os.path.getsize(path + "-wal")
    finally:
        store.close()
    assert len(seen) >= 3, seen  # started over at least twice
    assert wal < WRITER_CHECKPOINT_PAGES * 8192 / 2
    assert _rows_after_reopening(path) == written


def test_a_store_only_read_checkpoints_nothing(tmp_path):
    path = str(tmp_path / "state.sqlite3")
    writer = SqliteStore(path)
    _write(writer, 0, 10)
    writer.close()
    before = _checkpointing_threads()
    reader = SqliteStore(path)
    try:
        assert len(reader.scan(NS)) == 10 and reader.get(NS, "00000001") == ROW
        assert reader._checkpointer is None and _checkpointing_threads() == before
    finally:
        reader.close()


def test_closing_stops_the_thread_and_leaves_no_wal(tmp_path):
    path = str(tmp_path / "state.sqlite3")
    store = SqliteStore(path)
    _write(store, 0, 100)
    thread = store._checkpointer._thread
    store.close()
    assert not thread.is_alive()
    assert not os.path.exists(path + "-wal")  # the last connection closed checkpointed it all
    assert sqlite3.connect(path).execute("SELECT count(*) FROM documents").fetchone()[0] == 100
