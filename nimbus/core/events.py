"""The event bus: API-call and resource-change records for cross-cutting services.

Publishing only appends to a queue, and records reach subscribers later, in the order they were published, never
while the call that published them is answering. Who hands them over depends on where they were published:
- on an event loop (the calls answered there): that loop, once it has answered the calls that arrive meanwhile;
- on any other thread: the bus's worker thread.
Either takes the queue in order, one at a time. ``flush`` waits until every record published so far has been
handled.

Why the loop delivers its own records: a worker thread that wakes every few milliseconds while the loop is busy has
to win the GIL back each time. The loop releases it around every system call, and each release woke the waiting
worker only for the loop to take the GIL again: about 20 wasted wake-ups per delivery, and a tenth of each call's
CPU on a server answering on its loop, recorded or not (docs/performance.md, "Tenth round").
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from nimbus.core.metrics import METRIC
from nimbus.core.resource_change import Change, Configuration, check_kind, contract_errors
from nimbus.core.usage import USAGE

if TYPE_CHECKING:
    from nimbus.core.context import RequestContext
    from nimbus.core.scheduler import Job, Scheduler

log = logging.getLogger(__name__)

# How long records gather before they are handed over: a loop's wait after a call publishes, and the worker's
# before it sleeps once it has delivered what was queued.
GATHER_SECONDS = 0.005
# Records queued and not yet delivered past which a publisher waits for the bus worker (until half are left). Under
# a client that never pauses, the request threads held the GIL so much that the worker delivered fewer records
# than were published: the queue, the server's memory and recording's lag grew for as long as the load lasted
# (65,000 records and 270 MiB after 25 s of KMS Encrypt with a trail).
BACKLOG_HIGH = 1000
BACKLOG_LOW = BACKLOG_HIGH // 2
# The longest a publisher waits: a subscriber that hangs must slow the server, not stop it. Once a wait has run out,
# no publisher waits again until the worker is back under the bound's half: a subscriber may be waiting for a lock
# the publishing thread holds (a store transaction that emits a resource change), and each of its records would
# wait in turn.
BACKLOG_WAIT_SECONDS = 1.0

API_CALL = "api_call"
RESOURCE_CHANGE = "resource_change"
_MANY = "(records published together)"  # a queue item holding a list of (topic, record): publish_many
_running_loop = asyncio._get_running_loop  # the calling thread's running loop or None, without raising


@dataclass
class ApiCallEvent:
    time: datetime
    request_id: str
    account_id: str
    region: str
    principal: dict[str, Any]
    access_key_id: str | None
    source_ip: str
    user_agent: str
    service: str
    operation: str
    request_parameters: dict[str, Any] | None
    response: dict[str, Any] | None
    error_code: str | None
    error_message: str | None
    read_only: bool
    internal: bool
    authorization: dict[str, Any] | None = None  # the IAM decision, computed even when not enforced
    host: str | None = None  # the Host header the client sent (CloudTrail's tlsDetails)
    # Turns the raw parameters and response into what may be recorded, on first reading (see _redacted_on_read).
    redaction: Callable[[Any, Any], tuple[Any, Any]] | None = field(default=None, repr=False, compare=False)
    # CloudTrail's record of the call (its JSON text and the members read beside it), when the front worker that
    # answered built it before shipping (workers/prebuilt.py): the primary's recording then only stores it. Such an
    # event comes without its parameters, response and authorization unless its service's subscribers read them
    # (prebuilt.ELEMENTS_READ): a subscriber that reads them for another service reads the record instead.
    prebuilt: tuple[str, dict[str, Any]] | None = field(default=None, repr=False, compare=False)

    def settle(self) -> None:
        """Redact the parameters and response (once): only when a subscriber first reads either, once the bus hands
        the record over, so a record nobody reads (a data event no trail selects) is never walked."""
        if self.redaction is not None:  # cleared only once done: a failed redaction never shows the raw values
            self.__dict__["request_parameters"], self.__dict__["response"] = self.redaction(
                self.__dict__["request_parameters"], self.__dict__["response"])
            self.redaction = None


def _redacted_on_read(name: str) -> property:
    def read(event: ApiCallEvent):
        event.settle()
        return event.__dict__[name]

    def write(event: ApiCallEvent, value) -> None:
        event.__dict__[name] = value

    return property(read, write)


# After the dataclass is made, so its __init__ stores the raw values through the property's setter.
ApiCallEvent.request_parameters = _redacted_on_read("request_parameters")  # type: ignore[assignment]
ApiCallEvent.response = _redacted_on_read("response")  # type: ignore[assignment]


@dataclass
class ResourceChangeEvent:
    time: datetime
    request_id: str
    account_id: str
    region: str  # where the resource lives: the caller's, but a replica's own
    service: str
    resource_type: str  # a CloudFormation type name of resource_change.RESOURCE_TYPES, e.g. AWS::IAM::User
    resource_arn: str  # of the account and region (none for global services)
    change: Change
    configuration: dict[str, Any] | None = field(default=None)  # None once deleted


Subscriber = Callable[[Any], None]


class EventBus:
    def __init__(self, scheduler: Scheduler):
        self._subscribers: dict[str, list[Subscriber]] = {API_CALL: [], RESOURCE_CHANGE: [], METRIC: [],
                                                            USAGE: []}
        # A deque, not a queue.Queue: nobody blocks on it (the worker is woken), and appending and popping are atomic
        # without the Queue's lock and condition, which took 1.2 µs a record, two records a call.
        self._queue: deque[tuple[Any, Any]] = deque()
        self._scheduler = scheduler
        self._worker: Job | None = None
        self._lock = threading.Lock()
        # The backlog is published - delivered: publishers count under the lock, and only the thread handing over
        # writes ``_delivered``.
        self._published = 0
        self._delivered = 0
        self._room = threading.Event()
        self._room.set()
        self._stuck = False  # a wait for room ran out: nobody waits until the worker is back under half
        # Held by whoever hands records over (the worker, or a loop): one at a time, so each subscriber sees the
        # records in the order they were published, whichever thread published them.
        self._handing_over = threading.Lock()
        self._deliverer: int | None = None  # the thread that holds it
        self._loops_due: set[asyncio.AbstractEventLoop] = set()  # loops with a hand-over scheduled
        self._flushing = 0  # flushes waiting: the worker then takes all that is queued (the loop may be the waiter)

    def subscribe(self, topic: str, callback: Subscriber) -> None:
        self._subscribers[topic].append(callback)

    def unsubscribe(self, topic: str, callback: Subscriber) -> None:
        if callback in self._subscribers[topic]:
            self._subscribers[topic].remove(callback)

    def wants(self, topic: str) -> bool:
        """Whether anyone listens, so publishers can skip building records nobody reads."""
        return bool(self._subscribers[topic])

    def publish(self, topic: str, event: Any) -> None:
        if not self._subscribers[topic]:
            return
        self._queue.append((topic, event))
        self._queued(1)

    def publish_many(self, items: list[tuple[str, Any]]) -> None:
        """``publish`` of each (topic, record), as one item of the queue and one wake of the worker: a front
        worker's batch (workers/event_link.py) queued and woke once per record, a fifth of the primary's share of
        the calls a worker answered."""
        subscribers = self._subscribers
        wanted = [item for item in items if subscribers[item[0]]]
        if wanted:
            self._queue.append((_MANY, wanted))
            self._queued(len(wanted))

    def backlog(self) -> int:
        """Records published and not yet delivered to their subscribers."""
        return self._published - self._delivered

    def _queued(self, records: int) -> None:
        """Have ``records`` just queued handed over (by this thread's loop, else the worker); past the backlog's
        bound, wait for it."""
        with self._lock:
            worker = self._worker
            if worker is None:
                worker = self._worker = self._scheduler.every("events", None, self._drain)
            self._published += records
        loop = _running_loop()
        if loop is None:
            worker.wake()
        elif loop not in self._loops_due:  # only this loop's thread adds or removes it
            self._loops_due.add(loop)
            loop.call_later(GATHER_SECONDS, self._hand_over_on_loop, loop)
        if (self._published - self._delivered > BACKLOG_HIGH and not worker.stopped
                and self._deliverer != threading.get_ident()):  # a subscriber publishing would wait for itself
            # Never handed over here, in the middle of a call (its store transaction may be open): the worker makes
            # room, whoever published.
            if loop is not None:
                worker.wake()
            self._wait_for_room()

    def _wait_for_room(self) -> None:
        if self._stuck:
            return
        self._room.clear()
        # Whoever hands over sets the flag when it sees it clear and the backlog low: that may have been before the
        # clear.
        if self.backlog() <= BACKLOG_LOW:
            self._room.set()
            return
        if not self._room.wait(BACKLOG_WAIT_SECONDS):
            self._stuck = True

    def publish_resource_change(self, ctx: RequestContext, resource_type: str, resource_arn: str,
                                change: Change, configuration: Configuration | None, region: str) -> None:
        check_kind(resource_type, change)
        if not self._subscribers[RESOURCE_CHANGE]:
            return  # the configuration is never built
        event = ResourceChangeEvent(
            time=ctx.clock.now(), request_id=ctx.request_id, account_id=ctx.account_id,
            region=region, service=ctx.service, resource_type=resource_type,
            resource_arn=resource_arn, change=change,
            configuration=configuration() if configuration is not None else None,
        )
        for error in contract_errors(event):
            log.error("resource-change event breaks its contract: %s", error)
        self.publish(RESOURCE_CHANGE, event)

    def flush(self, timeout: float = 60.0) -> None:
        # Generous: on a loaded machine the worker may lag by seconds, and a flush that gives up early lets
        # a delivery miss calls it has already answered.
        if self._worker is None or self._worker.stopped or self._deliverer == threading.get_ident():
            return  # a subscriber flushing while records are handed over on its thread would wait for itself
        done = threading.Event()
        with self._lock:
            self._flushing += 1
        try:
            self._queue.append((None, done))
            self._worker.wake()
            done.wait(timeout)
        finally:
            with self._lock:
                self._flushing -= 1

    def close(self) -> None:
        if self._worker is not None:
            self.flush()
            self._worker.cancel(wait=True)
            self._worker = None

    def _drain(self) -> None:
        """The worker's turn: hand over what is queued, then again while calls keep coming."""
        while True:
            self._hand_over(blocking=True, limit=self._worker_share())
            # Let the calls in flight gather before sleeping: waking this thread for every call took the GIL
            # from the request threads (8.5% of a PutRecord's server CPU under load).
            time.sleep(GATHER_SECONDS)
            if not self._queue or self._loop_turn_due():  # that loop takes all that is queued at its turn
                return

    def _loop_turn_due(self) -> bool:
        """Whether a running loop has a turn to come (a stopped loop's never comes)."""
        return any(loop.is_running() for loop in list(self._loops_due))

    def _worker_share(self) -> int:
        """How many queue items the worker's turn takes: what is queued when it begins, and while a loop's turn is
        due (that loop takes all that is queued at its turn) and no flush waits, only what brings the backlog down
        to ``BACKLOG_LOW`` for the publishers waiting for room.

        Woken by a flush or for room while a loop kept publishing, a worker that took the queue until it was empty
        handed over for seconds, the worker and the loop taking the GIL from each other about once a call: with a
        trail, up to 1.5 context switches and 41 µs of the worker's CPU per KMS Encrypt ("Thirteenth round")."""
        queued = len(self._queue)
        if not self._flushing and self._loop_turn_due():
            return min(queued, max(self.backlog() - BACKLOG_LOW, 0))
        return queued

    def _hand_over_on_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """A loop's turn, a gathering time after it queued a record. If another thread is handing over, that
        thread takes this loop's records too, unless it stops first: the loop tries again later."""
        self._loops_due.discard(loop)
        if not self._hand_over(blocking=False, limit=len(self._queue)):
            self._loops_due.add(loop)
            loop.call_later(GATHER_SECONDS, self._hand_over_on_loop, loop)
        elif self._queue:  # queued by other threads meanwhile: their worker's, not the loop's, to do
            worker = self._worker
            if worker is not None:
                worker.wake()

    def _hand_over(self, blocking: bool, limit: int | None = None) -> bool:
        """Deliver what is queued (at most ``limit`` items), in order; False if another thread is at it and
        ``blocking`` is not set."""
        if not self._handing_over.acquire(blocking):
            return False
        self._deliverer = threading.get_ident()
        try:
            self._deliver_queued(limit)
        finally:
            self._deliverer = None
            self._handing_over.release()
        return True

    def _deliver_queued(self, limit: int | None) -> None:
        taken = 0
        while limit is None or taken < limit:
            try:
                topic, event = self._queue.popleft()
            except IndexError:
                return
            taken += 1
            if topic is None:
                event.set()
                continue
            if topic is _MANY:
                for each_topic, record in event:
                    self._deliver(each_topic, record)
                self._delivered += len(event)
            else:
                self._deliver(topic, event)
                self._delivered += 1
            if not self._room.is_set() and self.backlog() <= BACKLOG_LOW:
                self._stuck = False
                self._room.set()

    def _deliver(self, topic: str, event: Any) -> None:
        for callback in list(self._subscribers[topic]):
            try:
                callback(event)
            except Exception:  # one broken subscriber must not starve the others
                log.exception("event subscriber failed on %s", topic)
