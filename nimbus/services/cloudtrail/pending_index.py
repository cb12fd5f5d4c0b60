"""Catching up the LookupEvents index (history.py) with the events recorded since it was last read.

Recording a call writes its event and, once per batch, a row listing the batch's keys under
``(cloudtrail, account, region, events-unindexed)``. Before a lookup reads the index, every such row is turned
into the index rows of its events, and deleted, in one transaction per chunk: a kill -9 midway leaves each row
either done or still listed, and indexing one twice writes the same documents again.
"""
from __future__ import annotations

from nimbus.services.cloudtrail.history import BATCH, MANAGEMENT, UNINDEXED, history_ns, index_rows

CHUNK = max(1, 2000 // BATCH)  # rows of keys (up to BATCH events each) per transaction: about 2,000 events


def _just_before(key: str) -> str:
    """A string just below ``key`` and above every shorter-or-equal event key below it (keys are of one length)."""
    return key[:-1] + chr(ord(key[-1]) - 1)


def _records(store, account: str, region: str, keys: list[str]) -> list[tuple[str, dict]]:
    """The events of one batch still kept (pruning may have taken some), read as one range."""
    events = history_ns(account, region, MANAGEMENT)
    wanted = set(keys)
    found = {key: record for key, record in store.scan(events, start_after=_just_before(min(keys)), limit=len(keys))
             if key in wanted}
    for key in wanted - found.keys():  # another writer's events between them: read the rest one by one
        record = store.get(events, key)
        if record is not None:
            found[key] = record
    return list(found.items())


def index_pending(store) -> None:
    for ns in store.namespaces(("cloudtrail",)):
        if len(ns) != 4 or ns[3] != UNINDEXED:
            continue
        account, region = ns[1], ns[2]
        while chunk := store.scan(ns, limit=CHUNK):
            with store.transaction():
                rows: list[tuple[tuple[str, ...], str, dict]] = [
                    (index, row, {}) for _, keys in chunk for key, record in _records(store, account, region, keys)
                    for index, row in index_rows(account, region, key, record)]
                store.put_many(rows)
                for key, _ in chunk:
                    store.delete(ns, key)
