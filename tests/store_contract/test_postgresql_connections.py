"""PostgreSQL only: connections the server drops (a restart, an idle timeout) are replaced."""
from __future__ import annotations

import threading
import uuid

import psycopg

from nimbus.store.postgresql import PostgresStore
from tests.postgres_plugin import create_database

NS = ("contract", "connections")


def _drop_every_other_connection(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                            " WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]


def test_dropped_connections_are_replaced(postgres):
    url = create_database(postgres, f"connections_{uuid.uuid4().hex[:12]}")
    store = PostgresStore(url)
    with store.transaction():  # two connections at once, both back in the pool afterwards
        store.put(NS, "k", 1)
        reader = threading.Thread(target=store.get, args=(NS, "k"))
        reader.start()
        reader.join()
    assert _drop_every_other_connection(url) == 2
    assert store.get(NS, "k") == 1  # sent again on a new connection
    with store.transaction():  # the pool forgot the other dropped connection too
        store.put(NS, "k", store.get(NS, "k") + 1)
    assert store.get(NS, "k") == 2
    store.close()
