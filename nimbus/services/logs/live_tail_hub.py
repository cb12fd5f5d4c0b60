"""The live tail sessions open in this process: PutLogEvents hands them the events it accepted."""
from __future__ import annotations

import queue
import threading


class LiveTailHub:
    """Open sessions by (account, region, group): each a queue PutLogEvents feeds."""

    def __init__(self):
        self._lock = threading.Lock()
        self._sessions: dict[tuple[str, str, str], list[queue.SimpleQueue]] = {}

    def open(self, account: str, region: str, groups: list[str]) -> queue.SimpleQueue:
        inbox: queue.SimpleQueue = queue.SimpleQueue()
        with self._lock:
            for group in groups:
                self._sessions.setdefault((account, region, group), []).append(inbox)
        return inbox

    def close(self, account: str, region: str, groups: list[str], inbox: queue.SimpleQueue) -> None:
        with self._lock:
            for group in groups:
                listeners = self._sessions.get((account, region, group), [])
                if inbox in listeners:
                    listeners.remove(inbox)
                if not listeners:
                    self._sessions.pop((account, region, group), None)

    def publish(self, account: str, region: str, group: str, stream: str, events: list[dict],
                ingestion: int) -> None:
        with self._lock:
            listeners = list(self._sessions.get((account, region, group), ()))
        for inbox in listeners:
            inbox.put((group, stream, events, ingestion))
