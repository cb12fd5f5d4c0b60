"""Work a Logs call starts and leaves running (Insights queries, export tasks): one thread each, with the event
that asks it to stop, known by id while it runs in this process."""
from __future__ import annotations

import threading
from collections.abc import Callable


class BackgroundRuns:
    def __init__(self, runtime, kind: str):
        self.runtime, self.kind = runtime, kind
        self._lock = threading.Lock()
        self._cancels: dict[str, threading.Event] = {}

    def running(self, run_id: str) -> bool:
        with self._lock:
            return run_id in self._cancels

    def count(self) -> int:
        with self._lock:
            return len(self._cancels)

    def cancel(self, run_id: str) -> bool:
        with self._lock:
            cancel = self._cancels.get(run_id)
        if cancel is None:
            return False
        cancel.set()
        return True

    def launch(self, run_id: str, work: Callable[[threading.Event], None]) -> None:
        """Run ``work(cancel)`` on its own thread; the id counts as running until it returns."""
        cancel = threading.Event()
        with self._lock:
            self._cancels[run_id] = cancel

        def body() -> None:
            try:
                work(cancel)
            finally:
                with self._lock:
                    self._cancels.pop(run_id, None)
        threading.Thread(target=body, name=f"nimbus-logs-{self.kind}-{run_id[:8]}", daemon=True).start()
