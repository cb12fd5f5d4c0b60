"""API-call (and metric) records made in a front worker, carried to the primary's event bus.

A worker's bus keeps no subscribers: it gathers what is published for a few milliseconds, redacts each API-call
record (as the primary's bus worker would before a subscriber reads it), builds the CloudTrail record of each
management call (``prebuilt.py``), and sends the batch over its link to the primary (``event_link.py``). The
primary publishes each record on its own bus, so CloudTrail, CloudWatch, Trusted Advisor, IAM's last-used records
and KMS's key last usage see the call as if the primary had answered it. Records are
pickled, and read back by an unpickler that builds only the record types below: the socket is the data dir's,
mode 0600, yet a record is never a way to run code in the primary.
"""
from __future__ import annotations

import io
import logging
import pickle
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from nimbus.core.events import (
    BACKLOG_HIGH,
    BACKLOG_LOW,
    BACKLOG_WAIT_SECONDS,
    GATHER_SECONDS,
    ApiCallEvent,
    EventBus,
    ResourceChangeEvent,
)
from nimbus.core.metrics import MetricDatum
from nimbus.core.scheduler import Scheduler
from nimbus.core.usage import USAGE, UsageRecord
from nimbus.workers.event_link import EventLink
from nimbus.workers.prebuilt import plain_prebuilt
from nimbus.workers.shared import SharedCounters

log = logging.getLogger(__name__)

_ALLOWED = {
    ("datetime", "datetime"), ("datetime", "timezone"), ("datetime", "timedelta"), ("datetime", "date"),
    ("decimal", "Decimal"), ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "bytearray"),
    ("nimbus.core.events", "ApiCallEvent"), ("nimbus.core.events", "ResourceChangeEvent"),
    ("nimbus.core.metrics", "MetricDatum"), ("builtins", "str"), ("nimbus.core.usage", "UsageRecord"),
}
# What stands for a response member that is a stream (GetObject's Body): the client has it, no record needs it.
STREAM = "(stream)"
_RECORDS = frozenset({ApiCallEvent, ResourceChangeEvent, MetricDatum, UsageRecord})
_CLASSES: dict[tuple[str, str], Any] = {}  # the classes of _ALLOWED, looked up once (a batch names each again)


class _RecordUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        found = _CLASSES.get((module, name))
        if found is None:
            if (module, name) not in _ALLOWED:
                raise pickle.UnpicklingError(f"{module}.{name} is not an event record")
            found = _CLASSES[module, name] = super().find_class(module, name)
        return found


class _RecordPickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, Iterator | io.IOBase):
            return str, (STREAM,)
        return NotImplemented


def write_batch(batch: list[tuple[str, Any]]) -> bytes:
    out = io.BytesIO()
    _RecordPickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(batch)
    return out.getvalue()


def read_batch(body: bytes) -> list[tuple[str, Any]]:
    """The primary's side: the (topic, record) pairs a worker sent."""
    batch = _RecordUnpickler(io.BytesIO(body)).load()
    if type(batch) is not list:
        raise ValueError("not a batch of event records")
    for item in batch:  # a loop, not all(): this check was a fifth of receiving a batch
        if type(item) is not tuple or len(item) != 2 or type(item[0]) is not str or type(item[1]) not in _RECORDS:
            raise ValueError("not a batch of event records")
        if type(item[1]) is ApiCallEvent and not plain_prebuilt(item[1].prebuilt):
            raise ValueError("not a batch of event records")
    return batch


def last_uses_only(batch: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The batch with only the last use of each resource (``core/usage.py``): the primary keeps the last one it
    reads, and a batch of Encrypts with one key carried a use per call, a quarter of the records the primary read."""
    last: dict[tuple[str, str, str, str], int] = {}
    uses = 0
    for index, (topic, record) in enumerate(batch):
        if topic == USAGE:
            last[record.service, record.account_id, record.region, record.resource] = index
            uses += 1
    if uses == len(last):
        return batch
    kept = set(last.values())
    return [item for index, item in enumerate(batch) if item[0] != USAGE or index in kept]


def _travels(item: tuple[str, Any]) -> bool:
    try:
        write_batch([item])
        return True
    except Exception:
        return False


class ShippingBus(EventBus):
    """A front worker's bus: everything published goes to the primary, where the subscribers are."""

    def __init__(self, scheduler: Scheduler, link_path: str, counters: SharedCounters, slot: int):
        super().__init__(scheduler)
        self._link = EventLink(link_path)
        self._counters = counters  # what the primary's flush waits for (gathering.py)
        self._slot = slot
        # Builds an API call's CloudTrail record before it ships (prebuilt.py); set once the services are.
        self.prebuild: Callable[[ApiCallEvent], None] | None = None
        self._outbox: list[tuple[str, Any]] = []
        self._pending = threading.Condition()
        self._in_flight = 0
        self._closed = False
        self._thread = threading.Thread(target=self._ship_forever, name="nimbus-event-shipping", daemon=True)
        self._thread.start()

    def wants(self, topic: str) -> bool:
        return True  # the primary decides what it records

    def publish(self, topic: str, event: Any) -> None:
        with self._pending:
            self._outbox.append((topic, event))
            self._counters.count_records(self._slot, published=1)  # before the call's answer leaves
            if len(self._outbox) == 1:
                self._pending.notify()
            elif len(self._outbox) > BACKLOG_HIGH and threading.current_thread() is not self._thread:
                # The primary's bus bounds its backlog by making the link wait: the outbox is bounded the same way.
                self._pending.wait_for(lambda: len(self._outbox) <= BACKLOG_LOW or self._closed,
                                       BACKLOG_WAIT_SECONDS)

    def flush(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        with self._pending:
            while (self._outbox or self._in_flight) and time.monotonic() < deadline:
                self._pending.wait(0.01)

    def close(self) -> None:
        self.flush(5.0)
        with self._pending:
            self._closed = True
            self._pending.notify()

    def _ship_forever(self) -> None:
        while True:
            with self._pending:
                while not self._outbox and not self._closed:
                    self._pending.wait()
                if self._closed:
                    return
            time.sleep(GATHER_SECONDS)  # let the calls in flight join the batch
            with self._pending:
                batch, self._outbox = self._outbox, []
                self._in_flight = len(batch)
                self._pending.notify_all()  # publishers waiting for room
            try:
                self._ship(batch)
            except Exception:
                log.exception("could not ship %d event records to the primary", len(batch))
            finally:
                self._counters.count_records(self._slot, shipped=len(batch))  # shipped, or never will be
                with self._pending:
                    self._in_flight = 0
                    self._pending.notify_all()

    def _ship(self, batch: list[tuple[str, Any]]) -> None:
        batch = last_uses_only(batch)
        prebuild = self.prebuild
        for _, event in batch:
            if isinstance(event, ApiCallEvent):
                event.settle()  # the redaction closure stays here; the record travels redacted
                if prebuild is not None:
                    try:
                        prebuild(event)
                    except Exception:  # the primary builds it then, and says what is wrong with it
                        log.exception("could not build the CloudTrail record of a %s call", event.operation)
        try:
            body = write_batch(batch)
        except Exception:  # one record that does not travel must not lose the others
            log.exception("an event record could not be shipped; the rest of its batch goes")
            body = write_batch([item for item in batch if _travels(item)])
        if not self._link.send(body):
            log.error("the primary refused %d event records", len(batch))
