"""What every provider shares."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime


class BaseProvider:
    """Methods are the model's operations in snake_case: ``method(ctx, params) -> output``."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.closed = False
        self._clock_subscriptions: list[Callable[[], None]] = []

    def on_clock_advance(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after each jump of the virtual clock, for as long as this provider serves."""
        self._clock_subscriptions.append(self.runtime.clock.on_advance(callback))

    def close(self) -> None:
        """A reset (or shutdown) retired this provider: its clock timers end, and its schedulers,
        which watch ``closed``, wind down instead of working on state that is no longer theirs."""
        self.closed = True
        for unsubscribe in self._clock_subscriptions:
            unsubscribe()
        self._clock_subscriptions.clear()

    @property
    def store(self):
        return self.runtime.store

    @property
    def clock(self):
        return self.runtime.clock
