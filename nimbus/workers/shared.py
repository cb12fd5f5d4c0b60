"""Counters the primary moves and front workers read, in a small file of the data dir mapped into every process.

``changes`` moves after every committed store write (a worker then forgets what it cached: compiled IAM
policies, the clock's history), ``resets`` after every ``/_nimbus/reset`` (a worker also drops its providers).
A worker reads both on every request: two loads from shared memory.
"""
from __future__ import annotations

import mmap
import os
import struct
import threading

COUNTERS_FILE = "workers.counters"
_LAYOUT = struct.Struct("<QQ")  # changes, resets


class SharedCounters:
    def __init__(self, data_dir: str, create: bool = False):
        path = os.path.join(data_dir, COUNTERS_FILE)
        flags = os.O_RDWR | (os.O_CREAT | os.O_TRUNC if create else 0)
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

    def close(self) -> None:
        self._map.close()
