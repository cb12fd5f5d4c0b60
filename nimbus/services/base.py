"""What every provider shares."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime
    from nimbus.core.scheduler import Job, JobFunction


class BaseProvider:
    """Methods are the model's operations in snake_case: ``method(ctx, params) -> output``."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.closed = False
        self._clock_subscriptions: list[Callable[[], None]] = []
        self._jobs: list[Job] = []

    def on_clock_advance(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after each jump of the virtual clock, for as long as this provider serves."""
        self._clock_subscriptions.append(self.runtime.clock.on_advance(callback))

    def every(self, name: str, interval: float | None, run: JobFunction,
              on_advance: Callable[[], object] | None = None) -> Job:
        """A background job on the runtime's scheduler (``core/scheduler.py``) that ends with this provider."""
        job = self.runtime.scheduler.every(name, interval, run, on_advance)
        self._jobs.append(job)
        return job

    def close(self) -> None:
        """A reset (or shutdown) retired this provider: its clock timers and scheduled jobs end instead
        of working on state that is no longer theirs."""
        self.closed = True
        for unsubscribe in self._clock_subscriptions:
            unsubscribe()
        self._clock_subscriptions.clear()
        for job in self._jobs:
            job.cancel()
        self._jobs.clear()

    @property
    def store(self):
        return self.runtime.store

    @property
    def clock(self):
        return self.runtime.clock
