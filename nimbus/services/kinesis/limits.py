"""Per-shard throughput limits (only with ``--enforce-limits``), counted in one-second windows of virtual time.

AWS: a shard takes 1 MiB/s or 1000 records/s of writes, and serves 2 MiB/s and 5 GetRecords calls/s.
"""
from __future__ import annotations

import threading

WRITE_BYTES, WRITE_RECORDS = 1024 * 1024, 1000
READ_BYTES, READ_CALLS = 2 * 1024 * 1024, 5


class Throttle:
    def __init__(self, clock):
        self.clock = clock
        self._windows: dict[tuple, list] = {}  # key -> [second, records/calls, bytes]
        self._lock = threading.Lock()

    def second(self) -> int:
        return int(self.clock.time())

    def _window(self, key: tuple, second: int | None = None) -> list:
        second = self.second() if second is None else second
        window = self._windows.get(key)
        if window is None or window[0] != second:
            window = self._windows[key] = [second, 0, 0]
        return window

    def try_write(self, stream_id: str, shard: int, size: int, second: int) -> bool:
        """Count one record against its shard's second (one per call: a call is judged at one instant);
        False if it would go over."""
        with self._lock:
            window = self._window((stream_id, shard, "w"), second)
            if window[1] + 1 > WRITE_RECORDS or window[2] + size > WRITE_BYTES:
                return False
            window[1] += 1
            window[2] += size
            return True

    def try_read_call(self, stream_id: str, shard: int) -> bool:
        """Count one GetRecords call; False past 5 a second or once 2 MiB were read this second."""
        with self._lock:
            window = self._window((stream_id, shard, "r"))
            if window[1] + 1 > READ_CALLS or window[2] >= READ_BYTES:
                return False
            window[1] += 1
            return True

    def count_read_bytes(self, stream_id: str, shard: int, size: int) -> None:
        with self._lock:
            self._window((stream_id, shard, "r"))[2] += size
