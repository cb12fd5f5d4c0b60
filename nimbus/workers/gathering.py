"""The primary's event bus while front workers serve: a flush first gathers what the workers still hold.

A worker answers its call before its API-call record reaches the primary (it ships records in batches, after
the answer). Every reader of records (LookupEvents, trail delivery, CloudWatch's metrics of calls, IAM's
last-used, Trusted Advisor) flushes the bus first; here that flush also waits, for a bounded time, until each
worker has shipped every record it had published when the flush began (the counters of ``shared.py``). The
primary publishes a shipped batch on its bus before acknowledging it, so its own flush then covers those records.
"""
from __future__ import annotations

import time

from nimbus.core.events import EventBus
from nimbus.core.scheduler import Scheduler
from nimbus.workers.shared import SharedCounters

# At most this long for the workers: a worker that hangs must not hold every reader for the bus's own bound.
WORKERS_SECONDS = 10.0
_POLL_SECONDS = 0.001


class GatheringBus(EventBus):
    def __init__(self, scheduler: Scheduler, counters: SharedCounters, workers: int):
        super().__init__(scheduler)
        self._counters = counters
        self._workers = workers

    def flush(self, timeout: float = 60.0) -> None:
        started = time.monotonic()
        self._gather(min(timeout, WORKERS_SECONDS))
        super().flush(max(0.0, timeout - (time.monotonic() - started)))

    def _gather(self, timeout: float) -> None:
        counters = self._counters
        wanted = {slot: counters.records(slot)[0] for slot in range(self._workers)}
        deadline = time.monotonic() + timeout
        while wanted:
            wanted = {slot: published for slot, published in wanted.items() if counters.records(slot)[1] < published}
            if not wanted or time.monotonic() >= deadline:
                return
            time.sleep(_POLL_SECONDS)
