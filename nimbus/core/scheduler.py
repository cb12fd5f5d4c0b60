"""The background scheduler: every periodic job in nimbus starts, fails, wakes and stops the same way.

A job is a function run every ``interval`` real seconds, at once when woken (``job.wake()``, e.g. a
put that fills a Firehose buffer), and sooner when it returned a virtual time it is next due at.
A jump of the virtual clock runs each job's ``on_advance`` on the thread that moved the clock, so
the call that advanced it returns after what fell due was done; a job without one is woken instead.

A job that raises is logged at ERROR with its traceback and runs again on its next tick: one bad
tick (or a bad record) must not silence a service for the rest of the server's life. ``cancel()``
ends a job (a provider's close on reset and shutdown); ``Scheduler.stop()`` ends them all and waits
for them, so the store can close under nobody.

Each job has its own daemon thread, named ``nimbus-<name>``: a slow destination (an HTTP endpoint
taking its full timeout) must not hold up another service's timers.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nimbus.core.clock import Clock

log = logging.getLogger(__name__)
MIN_WAIT = 0.01  # never spin: a job due "now" still yields the CPU between runs
JOIN_SECONDS = 5.0

# A job's run returns the virtual time it is next due at, or None to wait its interval.
JobFunction = Callable[[], float | None]


class Job:
    def __init__(self, clock: Clock, name: str, run: JobFunction, interval: float | None,
                 on_advance: Callable[[], object] | None):
        self.name = name
        self.interval = interval  # None: only when woken
        self._clock = clock
        self._run = run
        self._on_advance = on_advance
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._due: float | None = None
        self.thread = threading.Thread(target=self._loop, name=f"nimbus-{name}", daemon=True)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def wake(self) -> None:
        # Every API call wakes the event bus; while a wake is pending, setting it again (a lock and a notify)
        # changes nothing. Safe: the loop clears the flag before running, so whatever came first is seen.
        if not self._wake.is_set():
            self._wake.set()

    def cancel(self, wait: bool = False) -> None:
        """End the job after the run under way, if any; ``wait`` also waits for that run to end."""
        self._stop.set()
        self._wake.set()
        if wait and self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(JOIN_SECONDS)

    def clock_advanced(self) -> None:
        if self.stopped:
            return
        if self._on_advance is None:
            self.wake()
        else:
            self._guarded(self._on_advance)

    def _delay(self) -> float | None:
        if self._due is None:
            return self.interval
        until_due = self._due - self._clock.time()
        if self.interval is not None:
            until_due = min(until_due, self.interval)
        return max(until_due, MIN_WAIT)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._delay())
            self._wake.clear()
            if self._stop.is_set():
                return
            due = self._guarded(self._run)
            self._due = due if isinstance(due, int | float) else None

    def _guarded(self, function: Callable[[], object]) -> object:
        try:
            return function()
        except Exception:
            log.exception("scheduled job %s failed; it runs again on its next tick", self.name)
            return None


class Scheduler:
    def __init__(self, clock: Clock):
        self.clock = clock
        self._jobs: list[Job] = []
        self._lock = threading.Lock()
        self._stopped = False
        clock.on_advance(self._clock_advanced)

    def every(self, name: str, interval: float | None, run: JobFunction,
              on_advance: Callable[[], object] | None = None) -> Job:
        """Start ``run`` on its own thread, every ``interval`` real seconds (None: only when woken)."""
        job = Job(self.clock, name, run, interval, on_advance)
        with self._lock:
            if self._stopped:  # a call still in flight at shutdown: its job never starts
                job.cancel()
                return job
            self._jobs = [j for j in self._jobs if not j.stopped or j.thread.is_alive()]
            self._jobs.append(job)
        job.thread.start()
        return job

    def jobs(self) -> list[Job]:
        with self._lock:
            return [job for job in self._jobs if not job.stopped]

    def _clock_advanced(self) -> None:
        for job in self.jobs():
            job.clock_advanced()

    def stop(self) -> None:
        """At shutdown: every job ends, and those still running are waited for."""
        with self._lock:
            self._stopped = True
            jobs = list(self._jobs)
        for job in jobs:
            job.cancel()
        for job in jobs:
            job.cancel(wait=True)
