"""Long waits that hold no worker thread (SQS's long polling).

A provider with nothing to answer yet, called through the gateway, registers a ``Wakeup`` where its state
changes and raises ``Suspended``. The dispatcher records nothing for that attempt; the gateway gives the worker
thread back, waits on the event loop until the wakeup fires or ``retry_at`` passes, and handles the request
again with ``request.wait_until`` set, so the provider keeps the wait's original end. However many clients
wait, the request workers stay free for other calls.
"""
from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable


class Wakeup:
    """Set from any thread; awaited on the event loop. Setting it before the wait starts is not lost."""

    def __init__(self):
        self._lock = threading.Lock()
        self._set = False
        self._notify: Callable[[], object] | None = None
        self.finished = False  # the wait ended: whoever keeps it may drop it

    def set(self) -> None:
        with self._lock:
            self._set = True
            notify = self._notify
        if notify is not None:
            notify()

    async def wait(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        done = loop.create_future()

        def fire() -> None:
            if not done.done():
                done.set_result(None)

        with self._lock:
            if self._set:
                self.finished = True
                return
            self._notify = lambda: loop.call_soon_threadsafe(fire)
        try:
            await asyncio.wait_for(done, max(0.0, timeout))
        except TimeoutError:
            pass
        finally:
            self.finished = True


class Suspended(Exception):
    """Raised by a provider to wait for ``wakeup`` without a thread, until ``until`` (time.monotonic) at the latest,
    when the request is handled again (``retry_at``, earlier, when something falls due before)."""

    def __init__(self, wakeup: Wakeup, until: float, retry_at: float | None = None):
        super().__init__("suspended")
        self.wakeup = wakeup
        self.until = until
        self.retry_at = min(until, retry_at) if retry_at is not None else until

    async def wait(self) -> None:
        await self.wakeup.wait(self.retry_at - time.monotonic())


class AnsweredElsewhere(BaseException):
    """Raised in a front worker (``nimbus serve --workers N``) when a request turns out to need the primary: an
    operation it does not answer, or a write to the store. A BaseException, so that no provider's ``except
    Exception`` takes it for a failure; the worker hands the request, unchanged, to the primary."""
