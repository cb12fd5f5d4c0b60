"""How event history lays its events out in the store: one row per batch the recorder writes.

A batch's row is keyed by its oldest event's key (keys fall as time goes on, so that is its largest) and holds
``[keys, records]``, both newest first. Batches never overlap in time, so the store's ascending scan reads rows, and
their events, newest first. One row for a hundred events of about a kilobyte each cost SQLite 3 µs an event against
5.6 for a row each, in a file a third smaller.

Data dirs written before kept one row per event, keyed by that event's key and holding its record: every reader here
takes both.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from nimbus.services.cloudtrail.lazy_record import LazyRecord
from nimbus.services.cloudtrail.record_text import record_text
from nimbus.store.base import EncodedJson

FIRST_ROWS = 1  # rows read by a scan's first statement; each next one reads twice as many, up to MAX_ROWS
MAX_ROWS = 64


def batch_row(held: list[tuple[str, int, Any]]) -> tuple[str, EncodedJson]:
    """The key and value of the row of ``held``: one batch's (key, ms, record), oldest first."""
    newest_first = held[::-1]
    # The keys are digits: orjson writes them as json would.
    keys = orjson.dumps([key for key, _, _ in newest_first]).decode()
    texts = ",".join([record.text if type(record) is LazyRecord else record_text(record)
                      for _, _, record in newest_first])
    return held[0][0], EncodedJson(f"[{keys},[{texts}]]")


def row_events(row_key: str, value: Any) -> Iterable[tuple[str, dict]]:
    """(key, record) of a row's events, newest first."""
    if type(value) is list:
        return zip(value[0], value[1])
    return [(row_key, value)]  # a row of one event, as data dirs before batches keep them


def newest_key(row_key: str, value: Any) -> str:
    return value[0][0] if type(value) is list else row_key


def scan_events(store, ns: tuple[str, ...], start_after: str | None = None) -> Iterator[tuple[str, dict]]:
    """(key, record) of the events of ``ns`` with keys above ``start_after`` (older than it), newest first. The rows
    are read a few at first, then more at a time: most readers stop early."""
    start, limit = start_after, FIRST_ROWS
    while True:
        rows = store.scan(ns, start_after=start, limit=limit)
        for row_key, value in rows:
            for key, record in row_events(row_key, value):
                if start_after is None or key > start_after:  # the first row may hold newer events than asked
                    yield key, record
        if len(rows) < limit:
            return
        start, limit = rows[-1][0], min(2 * limit, MAX_ROWS)


def just_before(key: str) -> str:
    """A string just below ``key`` and above every event key below it (event keys are of one length)."""
    return key[:-1] + chr(ord(key[-1]) - 1)


class EventsAt:
    """Events of one namespace read by their keys (a LookupEvents by attribute, the index catching up), each row read
    once however many of its events are asked for."""

    def __init__(self, store, ns: tuple[str, ...]):
        self.store = store
        self.ns = ns
        self._row: tuple[str, str, dict[str, dict]] | None = None  # the last row read: its range and events

    def get(self, key: str) -> dict | None:
        row = self._row
        if row is None or not row[0] <= key <= row[1]:
            # The row holding ``key``, if any, is the first at or above it.
            found = self.store.scan(self.ns, start_after=just_before(key), limit=1)
            if not found:
                return None
            row_key, value = found[0]
            row = self._row = (newest_key(row_key, value), row_key, dict(row_events(row_key, value)))
        return row[2].get(key)

    def many(self, keys: Iterable[str]) -> dict[str, dict]:
        found = {}
        for key in sorted(keys):
            record = self.get(key)
            if record is not None:
                found[key] = record
        return found
