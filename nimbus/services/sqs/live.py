"""A queue's messages in memory, written through to the store, with the condition long polls wait on.

The store holds every message (one document each, keyed by its sequence number so keys list in send
order); a queue's ``LiveQueue`` is loaded from it on first use and every change is written through before
the call answers, so an acknowledged send or receive survives a kill -9.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from nimbus.core.waiting import Suspended, Wakeup

from .documents import MESSAGE, StoredMessage


@dataclass
class LiveQueue:
    account: str
    region: str
    name: str
    ns: tuple
    messages: dict[str, StoredMessage] = field(default_factory=dict)  # store key -> message, in key order
    next_seq: int = 1
    # FIFO ReceiveRequestAttemptId -> (virtual expiry, keys received): a retried receive gets the same messages.
    attempts: dict[str, tuple[float, list[str]]] = field(default_factory=dict)
    changed: threading.Condition = field(default_factory=threading.Condition)
    # Receives waiting without a thread (core/waiting.py), woken with the threads waiting on ``changed``.
    wakeups: list[Wakeup] = field(default_factory=list)

    def notify(self) -> None:
        """Something changed that a waiting receive may want (the caller holds ``changed``)."""
        self.changed.notify_all()
        for wakeup in self.wakeups:
            wakeup.set()
        self.wakeups.clear()

    def suspend(self, until: float, retry_at: float) -> Suspended:
        """A receive that waits for the next change without holding its thread (the caller holds ``changed``)."""
        wakeup = Wakeup()
        self.wakeups = [w for w in self.wakeups if not w.finished]
        self.wakeups.append(wakeup)
        return Suspended(wakeup, until, retry_at)

    @property
    def fifo(self) -> bool:
        return self.name.endswith(".fifo")

    def load(self, store) -> None:
        for key, message in MESSAGE.scan(store, self.ns):
            self.messages[key] = message
            self.next_seq = max(self.next_seq, int(key) + 1)

    def take_key(self) -> str:
        key = f"{self.next_seq:020d}"
        self.next_seq += 1
        return key

    def counts(self, now: float) -> tuple[int, int, int]:
        """(visible, in flight, delayed): a message not yet received that is not visible is delayed."""
        visible = in_flight = delayed = 0
        for message in self.messages.values():
            if message["VisibleAt"] <= now:
                visible += 1
            elif message["ReceiveCount"]:
                in_flight += 1
            else:
                delayed += 1
        return visible, in_flight, delayed

    def next_visible_at(self, now: float) -> float | None:
        """When the soonest invisible message becomes visible (a long poll wakes then)."""
        times = [m["VisibleAt"] for m in self.messages.values() if m["VisibleAt"] > now]
        return min(times) if times else None
