"""Every contract test runs against every backend: SQLite on a file, SQLite in memory (what
``--ephemeral`` uses) and PostgreSQL on the test server from tests/postgres_plugin.py."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from nimbus.store import Store, open_store
from nimbus.store.decoded_cache import DecodedCache
from tests.postgres_plugin import create_database


@dataclass(frozen=True)
class Backend:
    """Where a store lives, so another thread or process can open the same one."""
    name: str
    data_dir: str | None = None
    url: str | None = None

    @property
    def shared(self) -> bool:
        """Whether a second open (another connection or process) sees the same documents (a cache of decoded
        documents sees another's writes only when told: the primary of ``--workers`` tells its workers)."""
        return self.name not in ("sqlite-memory", "sqlite-cached")

    def open(self) -> Store:
        if self.name == "sqlite-cached":  # every document kept decoded: the cache must change no answer
            return DecodedCache(open_store(self.data_dir), keeps=lambda ns: True)
        return open_store(self.data_dir, ephemeral=self.name == "sqlite-memory", url=self.url)

    def argv(self) -> list[str]:
        """The arguments tests/store_contract/worker.py opens this backend from."""
        return [self.data_dir or "-", self.url or "-"]


def _backend(name: str, request, tmp_path) -> Backend:
    if name == "postgresql":
        address = request.getfixturevalue("postgres")
        return Backend(name, url=create_database(address, f"contract_{uuid.uuid4().hex[:12]}"))
    if name in ("sqlite-file", "sqlite-cached"):
        return Backend(name, data_dir=str(tmp_path / "data"))
    return Backend(name)


@pytest.fixture(params=["sqlite-file", "sqlite-memory", "sqlite-cached", "postgresql"])
def backend(request, tmp_path) -> Backend:
    return _backend(request.param, request, tmp_path)


@pytest.fixture(params=["sqlite-file", "postgresql"])
def durable_backend(request, tmp_path) -> Backend:
    """The backends whose documents outlive the process that wrote them."""
    return _backend(request.param, request, tmp_path)


@pytest.fixture
def store(backend):
    opened = backend.open()
    yield opened
    opened.close()
