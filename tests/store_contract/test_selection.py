"""Choosing a backend: --store / NIMBUS_STORE_URL, the SQLite default and --ephemeral."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import psycopg
import pytest
from botocore.exceptions import EndpointConnectionError

from nimbus.config import Config
from nimbus.server import free_port
from nimbus.store import SqliteStore, check_store_url, describe_store, open_store
from tests.store_contract.worker import ROOT
from tests.support import make_client


def test_the_default_is_sqlite_in_the_data_dir(tmp_path):
    store = open_store(str(tmp_path), url=None)
    assert isinstance(store, SqliteStore) and store.path == os.path.join(tmp_path, "state.sqlite3")
    store.close()


def test_ephemeral_stays_in_memory_whatever_the_store_url(tmp_path):
    store = open_store(str(tmp_path), ephemeral=True, url="postgresql://nobody@127.0.0.1:1/none")
    assert isinstance(store, SqliteStore) and store.path == ":memory:"
    store.close()
    assert os.listdir(tmp_path) == []


def test_a_postgresql_url_opens_the_postgresql_backend(postgres, tmp_path):
    from nimbus.store.postgresql import PostgresStore
    host, port, _user = postgres
    store = open_store(str(tmp_path), url=f"postgresql://nimbus@{host}:{port}/dev")
    assert isinstance(store, PostgresStore)
    store.close()
    assert os.listdir(tmp_path) == []  # no SQLite file beside it


def test_nimbus_store_sets_it_and_the_command_line_wins(monkeypatch):
    monkeypatch.setenv("NIMBUS_STORE_URL", "postgresql://env@db/nimbus")
    assert Config.from_env().store_url == "postgresql://env@db/nimbus"
    assert Config.from_env(store_url="postgresql://cli@db/nimbus").store_url == "postgresql://cli@db/nimbus"
    monkeypatch.setenv("NIMBUS_STORE_URL", "")
    assert Config.from_env().store_url is None


@pytest.mark.parametrize("url", ["mysql://db/nimbus", "state.sqlite3", "http://db"])
def test_an_unknown_store_is_refused_before_anything_starts(url):
    with pytest.raises(ValueError, match="unsupported store"):
        check_store_url(url)
    refused = subprocess.run([sys.executable, "-m", "nimbus.cli", "serve", "--port", "0", "--store", url],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "unsupported store" in refused.stderr


def test_the_start_up_line_never_shows_a_password():
    assert describe_store(".nimbus") == ".nimbus"
    assert describe_store(".nimbus", ephemeral=True, url="postgresql://u:pw@db/x") == "memory"
    assert describe_store(None, url="postgresql://u:s3cret@db:5432/x") == "postgresql://u:***@db:5432/x"
    assert describe_store(None, url="postgresql://u@db/x") == "postgresql://u@db/x"


def test_serve_store_flag_reaches_the_server(postgres, tmp_path):
    host, port, _user = postgres
    url = f"postgresql://nimbus:unused@{host}:{port}/dev"  # trust authentication ignores the password
    endpoint = f"http://127.0.0.1:{free_port()}"
    server = subprocess.Popen([sys.executable, "-m", "nimbus.cli", "serve", "--port", endpoint.rsplit(":", 1)[1],
                               "--data-dir", str(tmp_path), "--store", url],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip().endswith(
            f"(state in postgresql://nimbus:***@{host}:{port}/dev)"), server.stderr.read()
        user = f"flag-{uuid.uuid4().hex[:8]}"
        deadline = time.monotonic() + 30
        while True:
            try:
                make_client(endpoint, "iam").create_user(UserName=user)
                break
            except EndpointConnectionError:
                assert time.monotonic() < deadline, "nimbus did not start"
                time.sleep(0.1)
    finally:
        server.kill()
        server.wait(timeout=30)
    assert not os.path.exists(tmp_path / "state.sqlite3")
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM nimbus_documents WHERE key = %s", (user.encode(),)).fetchone()[0]
