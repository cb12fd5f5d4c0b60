"""Fixture plugin (listed in pytest_plugins of conftest): a real PostgreSQL server for the tests, initdb
into a temp dir and pg_ctl start on a free port.

The server comes from the Debian ``postgresql`` package (`make test` installs it). PostgreSQL refuses to
run as root, so as root the cluster belongs to the ``postgres`` user the package creates.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile

import pytest

from nimbus.server import free_port

USER = "nimbus"


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _run(command: list[str], as_postgres: bool) -> None:
    if as_postgres:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)


@pytest.fixture(scope="session")
def postgres():
    """(host, port, user): a throwaway cluster with trust authentication, user ``nimbus``, database ``dev``."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL is not installed (`make test` installs the Debian postgresql package)")
    as_postgres = os.geteuid() == 0
    directory = tempfile.mkdtemp(prefix="nimbus-pg-")
    if as_postgres:
        shutil.chown(directory, "postgres")
    data = os.path.join(directory, "data")
    port = free_port()
    _run([initdb, "-D", data, "-U", USER, "--auth=trust", "-E", "UTF8"], as_postgres)
    _run([pg_ctl, "-D", data, "-l", os.path.join(directory, "log"), "-w", "-t", "30",
          "-o", f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start"], as_postgres)
    try:
        create_database(("127.0.0.1", port, USER), "dev")
        yield "127.0.0.1", port, USER
    finally:
        _run([pg_ctl, "-D", data, "-m", "immediate", "stop"], as_postgres)
        shutil.rmtree(directory, ignore_errors=True)


def create_database(postgres: tuple[str, int, str], name: str) -> str:
    """A new empty database on the test server (the ``postgres`` fixture's value); its postgresql:// URL."""
    import psycopg
    host, port, user = postgres
    with psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://{user}@{host}:{port}/{name}"
