"""Durable state behind one small interface (see base.Store)."""
from nimbus.store.base import Store
from nimbus.store.sqlite import SqliteStore

__all__ = ["Store", "SqliteStore", "open_store"]


def open_store(data_dir: str | None, ephemeral: bool = False) -> Store:
    if ephemeral or data_dir is None:
        return SqliteStore(":memory:")
    return SqliteStore.in_dir(data_dir)
