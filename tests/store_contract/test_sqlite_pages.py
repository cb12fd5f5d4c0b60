"""The SQLite store's page size: rows of a kilobyte or two (CloudTrail's event history writes one per call) stay
whole in their page instead of spilling into an overflow page each."""
from __future__ import annotations

import os
import sqlite3

from nimbus.store import SqliteStore, open_store

ROWS = 600
RECORD = {"eventVersion": "1.11", "requestParameters": {"keyId": "k" * 60}, "padding": "x" * 1150}


def _file_bytes_per_row(store: SqliteStore) -> float:
    store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return os.path.getsize(store.path) / ROWS


def test_a_new_store_keeps_records_of_a_kilobyte_and_more_in_their_pages(tmp_path):
    store = open_store(str(tmp_path), url=None)
    assert isinstance(store, SqliteStore)
    assert store._conn.execute("PRAGMA page_size").fetchone()[0] == 8192
    history = ("cloudtrail", "111122223333", "us-east-1", "events")
    for batch in range(ROWS // 100):  # as event history writes them: each batch before the last, in rising order
        store.put_many((history, f"{10 ** 9 - batch * 100 - 99 + i:014d}", RECORD) for i in range(100))
    # With 4 KiB pages each of these rows (1.3 KB) took an overflow page of its own: over 4 KB of file per row.
    assert _file_bytes_per_row(store) < 2500
    store.close()


def test_a_store_made_with_other_pages_keeps_them_and_works(tmp_path):
    path = str(tmp_path / "state.sqlite3")
    made = sqlite3.connect(path)
    made.execute("PRAGMA page_size=4096")
    made.execute("PRAGMA journal_mode=WAL")
    made.execute("CREATE TABLE documents (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
                 " PRIMARY KEY (ns, key)) WITHOUT ROWID")
    made.execute("INSERT INTO documents VALUES ('kms', 'key-1', '{\"Enabled\": true}')")
    made.commit()
    made.close()
    store = SqliteStore(path)
    assert store._conn.execute("PRAGMA page_size").fetchone()[0] == 4096
    assert store.get(("kms",), "key-1") == {"Enabled": True}
    store.put(("kms",), "key-2", RECORD)
    assert store.get(("kms",), "key-2") == RECORD
    store.close()
