"""The virtual clock: real time plus an offset that tests move forward.

Everything time-dependent (expiry, retention, schedules) reads this clock,
never ``time.time()`` directly. Clients stamp requests with real time, so the
clock remembers when each jump happened: ``virtual_at`` turns a client's
timestamp into the virtual time it was made at (a presigned URL made before a
jump of a day has aged a day after it).
"""
from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime


class Clock:
    def __init__(self, history: list[tuple[float, float]] | None = None):
        # (real time of a jump, total offset from then on), in order
        self._history: list[tuple[float, float]] = list(history or [])
        self._lock = threading.Lock()
        self._on_advance: list[Callable[[], None]] = []

    @property
    def offset(self) -> float:
        return self._history[-1][1] if self._history else 0.0

    @property
    def history(self) -> list[tuple[float, float]]:
        return list(self._history)

    def time(self) -> float:
        return time.time() + self.offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=UTC)

    def virtual_at(self, real_ts: float) -> float:
        """The virtual time it was when the real clock read ``real_ts``."""
        index = bisect.bisect_right(self._history, (real_ts, float("inf")))
        return real_ts + (self._history[index - 1][1] if index else 0.0)

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("the virtual clock only moves forward")
        with self._lock:
            self._history.append((time.time(), self.offset + seconds))
        for callback in list(self._on_advance):
            callback()
        return self.now()

    def reset(self) -> None:
        with self._lock:
            self._history.clear()

    def load(self, history: list[tuple[float, float]]) -> None:
        """Take the history the primary saved (a front worker follows the primary's clock, never moves it)."""
        with self._lock:
            self._history = list(history)

    def on_advance(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run ``callback`` after each jump, so timers due in the skipped span fire at once.

        Returns the function that ends the subscription.
        """
        self._on_advance.append(callback)

        def unsubscribe() -> None:
            if callback in self._on_advance:
                self._on_advance.remove(callback)
        return unsubscribe
