"""Counters the primary moves and front workers read, in a small file of the data dir mapped into every process.

``changes`` moves after every committed store write (a worker then forgets what it cached: compiled IAM
policies, the clock's history), ``resets`` after every ``/_nimbus/reset`` (a worker also drops its providers).
A worker reads both on every request: two loads from shared memory.

Each worker also has a slot of two counters it alone writes: the event records it has published, and those it
has shipped to the primary (acknowledged there, or given up on). The primary's bus flush waits until every
worker has shipped what it had published when the flush began (``outbox.py``), so a caller reads its own writes
whichever process answered, without a round trip per call.
"""
from __future__ import annotations

import mmap
import os
import struct
import threading

COUNTERS_FILE = "workers.counters"
_LAYOUT = struct.Struct("<QQ")  # changes, resets
_SLOTS_AT = 64
_SLOT = struct.Struct("<QQ")  # a worker's records: published, shipped (aligned 8-byte words, one writer each)
MAX_WORKERS = (mmap.PAGESIZE - _SLOTS_AT) // _SLOT.size


class SharedCounters:
    def __init__(self, data_dir: str, create: bool = False):
        path = os.path.join(data_dir, COUNTERS_FILE)
        if create and os.path.exists(path):
            # A new file, not the old one emptied: a worker of a primary killed a moment ago may still have the
            # old one mapped, and must not count its records in the new primary's slots.
            os.unlink(path)
        flags = os.O_RDWR | (os.O_CREAT | os.O_EXCL if create else 0)
        descriptor = os.open(path, flags, 0o600)
        try:
            if create:
                os.ftruncate(descriptor, mmap.PAGESIZE)
            self._map = mmap.mmap(descriptor, mmap.PAGESIZE)
        finally:
            os.close(descriptor)
        self._lock = threading.Lock()

    def read(self) -> tuple[int, int]:
        changes, resets = _LAYOUT.unpack_from(self._map)
        return changes, resets

    def bump(self, reset: bool = False) -> None:
        """The primary's side: after a write has committed (a worker reading later sees it)."""
        with self._lock:
            changes, resets = self.read()
            _LAYOUT.pack_into(self._map, 0, changes + 1, resets + (1 if reset else 0))

    def records(self, slot: int) -> tuple[int, int]:
        """A worker's records so far: how many it published, how many it shipped."""
        published, shipped = _SLOT.unpack_from(self._map, _SLOTS_AT + slot * _SLOT.size)
        return published, shipped

    def count_records(self, slot: int, published: int = 0, shipped: int = 0) -> None:
        """The worker's side (its threads share the lock; no other process writes its slot)."""
        with self._lock:
            was_published, was_shipped = self.records(slot)
            _SLOT.pack_into(self._map, _SLOTS_AT + slot * _SLOT.size, was_published + published,
                            was_shipped + shipped)

    def forget_records(self, slot: int) -> None:
        """The primary's side, once a worker has died: what it had not shipped never will be."""
        published, _ = self.records(slot)
        _SLOT.pack_into(self._map, _SLOTS_AT + slot * _SLOT.size, published, published)

    def close(self) -> None:
        self._map.close()
