"""The records event history wrote lately, kept in memory while some trail logs, so that delivery (every 5 s) takes
them from here instead of reading and parsing back what was just written (the largest part of what a trail cost
a call).

Per history namespace: the records written since caching began, oldest first, and a boundary key such that every
record of the namespace with a key below it (keys fall as time goes on) is held. A delivery from a cursor at or
below the boundary is served from memory; any other (the first after StartLogging, the first after a restart or
after failures longer than what is kept) reads the store, as before. Records more than ``keep_ms`` older than the
newest, or past ``limit``, are dropped, which only lowers the boundary.

A templated record is held as its text and members (``_held``), not as its ``LazyRecord``: tens of thousands of
records are held at a time, and the objects the collector tracked among them (three to four a record) made each of
Python's full collections longer and more frequent, on every thread.
"""
from __future__ import annotations

import threading
from bisect import bisect_left
from typing import Any

from nimbus.services.cloudtrail.lazy_record import LazyRecord

LIMIT = 100_000  # records per namespace


class RecentRecords:
    def __init__(self, keep_ms: int, limit: int = LIMIT, start: str | None = None):
        """``start``: a key every record written from now on falls below (the history's newest so far), so a
        namespace's records below it are held from the first on: the first delivery after StartLogging too."""
        self.keep_ms = keep_ms
        self.limit = limit
        self.start = start
        self._lock = threading.Lock()
        # ns -> [boundary, [(key, ms, record)] oldest first (keys descending)]
        self._by_ns: dict[tuple[str, ...], list] = {}

    def add_many(self, ns: tuple[str, ...], added: list[tuple[str, int, Any]]) -> None:
        """Hold ``added`` ((key, ms, record), oldest first, newer than all held): one history batch's records."""
        if not added:
            return
        with self._lock:
            boundary = added[0][0] + "~"  # "~" sorts after every key of one length
            held = self._by_ns.setdefault(ns, [max(boundary, self.start) if self.start else boundary, []])
            entries = held[1]
            entries.extend([_held(entry) for entry in added])
            # Times only grow, so dropping once by the newest's age drops what a drop per record would.
            oldest_kept = added[-1][1] - self.keep_ms
            drop = max(len(entries) - self.limit, 0)
            while drop < len(entries) - 1 and entries[drop][1] < oldest_kept:
                drop += 1
            if drop:
                # What is still held is every record below the newest one dropped.
                held[0] = min(held[0], entries[drop - 1][0])
                del entries[:drop]

    def since(self, ns: tuple[str, ...], cursor: str) -> tuple[list[tuple[str, Any]], str | None] | None:
        """(key, record) pairs newer than ``cursor``, oldest first, and the newest key; None if not all are held."""
        with self._lock:
            held = self._by_ns.get(ns)
            if held is None or cursor > held[0]:
                return None
            entries = held[1]
            start = bisect_left(entries, True, key=lambda entry: entry[0] < cursor)
            chosen = entries[start:]
        # Rebuilt outside the lock: a delivery's tens of thousands of records took tens of milliseconds, and event
        # history's writer (on the loop answering calls) waited for the lock to hold its next batch.
        taken = [(entry[0], _record(entry)) for entry in chosen]
        return taken, (taken[-1][0] if taken else None)


_names: dict[tuple[str, ...], tuple[str, ...]] = {}  # one tuple of member names per kind of record, shared


def _held(entry: tuple[str, int, Any]) -> tuple:
    """(key, ms, text, member names, member values) of a templated record: strings, numbers and tuples of them (its
    resources are JSON bytes: lazy_record.py). The collector stops tracking such a tuple the first time it looks at
    it; a dict inside would keep it tracked, as the record itself stays."""
    key, ms, record = entry
    if type(record) is not LazyRecord:
        return entry
    fields = record.fields
    names = tuple(fields)
    shared = _names.get(names)
    if shared is None:
        if len(_names) >= 1024:
            _names.clear()
        shared = _names[names] = names
    return key, ms, record.text, shared, tuple(fields.values())


def _record(entry: tuple) -> Any:
    return LazyRecord(entry[2], dict(zip(entry[3], entry[4]))) if len(entry) == 5 else entry[2]
