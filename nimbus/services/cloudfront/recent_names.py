"""The distributions viewers' names reached lately, kept in memory so the edge can answer a cached object
without reading the store (``EdgeOps.fresh_hit``, on the event loop). Every change this server makes to a
distribution forgets them all at once; what another server sharing the store changes is seen within
``HOLD_SECONDS``."""
from __future__ import annotations

import threading
import time

HOLD_SECONDS = 1.0


class RecentNames:
    def __init__(self):
        self._held: dict[str, tuple[dict | None, float]] = {}
        self._lock = threading.Lock()
        self.generation = 0  # moves on with every forget()

    def remember(self, name: str, distribution: dict | None, generation: int) -> None:
        """Hold what a lookup that started at ``generation`` found, unless a change came in meanwhile."""
        with self._lock:
            if generation == self.generation:
                self._held[name] = (distribution, time.monotonic() + HOLD_SECONDS)

    def recall(self, name: str) -> dict | None:
        """The distribution the name reached when looked up lately; None when not (or none, or too long ago)."""
        held = self._held.get(name)
        return None if held is None or held[1] < time.monotonic() else held[0]

    def forget(self) -> None:
        with self._lock:
            self._held.clear()
            self.generation += 1
