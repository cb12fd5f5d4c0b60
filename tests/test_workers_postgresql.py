"""``nimbus serve --workers 2 --store postgresql://...``: the front worker reads the primary's PostgreSQL store."""
from __future__ import annotations

import os
import time
import uuid

from nimbus.server import free_port
from nimbus.workers.shared import SharedCounters
from tests.postgres_plugin import create_database
from tests.support import error_of, kill_9, make_client, serve_subprocess

CALLS = 24  # each on a new connection: enough for both processes to accept some


def test_workers_serve_a_postgresql_store(tmp_path, postgres):
    url = create_database(postgres, f"workers_{uuid.uuid4().hex[:12]}")
    data_dir, port = str(tmp_path / "data"), free_port()
    primary = serve_subprocess(data_dir, port, env={**os.environ, "NIMBUS_WORKERS": "2", "NIMBUS_STORE_URL": url})
    try:
        endpoint = f"http://127.0.0.1:{port}"
        counters = SharedCounters(data_dir)
        keys = [make_client(endpoint, "kms").create_key()["KeyMetadata"]["KeyId"] for _ in range(CALLS)]
        assert len(set(keys)) == CALLS  # writes: those the worker accepted went to the primary

        def encrypt() -> bytes:
            return make_client(endpoint, "kms").encrypt(KeyId=keys[0], Plaintext=b"x")["CiphertextBlob"]

        # The worker answers Encrypt itself, from the store: its records published (its slot) say so.
        deadline = time.monotonic() + 60
        while counters.records(0)[0] == 0:
            assert time.monotonic() < deadline, "the front worker answered nothing"
            encrypt()
        make_client(endpoint, "kms").disable_key(KeyId=keys[0])
        answered = counters.records(0)[0]
        for _ in range(CALLS):  # the change is seen at once, whichever process answers
            assert error_of(encrypt).code == "DisabledException"
        assert counters.records(0)[0] > answered  # and the worker answered some of those refusals
        counters.close()
    finally:
        kill_9(primary)
