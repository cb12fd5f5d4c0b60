"""The event bus bounds what waits for its worker (core/events.py): a publisher past the bound waits until the worker
has delivered half of it, so a client that never pauses cannot grow the queue, the server's memory and recording's
lag for as long as it lasts. Driven directly, with subscribers that hold the worker on purpose."""
from __future__ import annotations

import threading
import time

import pytest

from nimbus.core import events as bus_module
from nimbus.core.clock import Clock
from nimbus.core.events import API_CALL, BACKLOG_HIGH, BACKLOG_LOW, EventBus
from nimbus.core.scheduler import Scheduler


@pytest.fixture
def bus():
    scheduler = Scheduler(Clock())
    events = EventBus(scheduler)
    yield events
    scheduler.stop()


def _publish_in_background(bus: EventBus, count: int) -> tuple[threading.Thread, list[int]]:
    published: list[int] = []

    def publish() -> None:
        for n in range(count):
            bus.publish(API_CALL, n)
            published.append(n)

    thread = threading.Thread(target=publish, daemon=True)
    thread.start()
    return thread, published


def test_a_publisher_past_the_bound_waits_until_the_worker_has_caught_up(bus):
    held = threading.Event()
    delivered: list[int] = []

    def slow_subscriber(record: int) -> None:
        held.wait()
        delivered.append(record)

    bus.subscribe(API_CALL, slow_subscriber)
    thread, published = _publish_in_background(bus, 3 * BACKLOG_HIGH)
    time.sleep(0.3)
    # The worker holds its first record: the call that passed the bound has queued its record and waits.
    assert len(published) == BACKLOG_HIGH
    assert bus.backlog() == BACKLOG_HIGH + 1
    held.set()
    thread.join(10)
    assert not thread.is_alive()
    bus.flush()
    assert delivered == list(range(3 * BACKLOG_HIGH))
    assert bus.backlog() == 0


def test_the_publisher_goes_on_once_half_the_bound_is_left(bus):
    gate = threading.Semaphore(0)
    delivered: list[int] = []

    def metered_subscriber(record: int) -> None:
        gate.acquire()
        delivered.append(record)

    bus.subscribe(API_CALL, metered_subscriber)
    thread, published = _publish_in_background(bus, BACKLOG_HIGH + 10)
    time.sleep(0.2)
    assert len(published) == BACKLOG_HIGH
    for _ in range(BACKLOG_LOW):  # not yet: the backlog is just above half the bound
        gate.release()
    time.sleep(0.2)
    assert len(published) == BACKLOG_HIGH
    gate.release()  # now half the bound is left
    deadline = time.monotonic() + 5
    while len(published) < BACKLOG_HIGH + 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(published) == BACKLOG_HIGH + 10
    for _ in range(BACKLOG_HIGH):
        gate.release()
    thread.join(5)
    bus.flush()
    assert delivered == list(range(BACKLOG_HIGH + 10))


def test_a_subscriber_that_hangs_slows_publishers_once_without_stopping_them(bus, monkeypatch):
    """It may be waiting for a lock the publisher holds: after one wait has run out, nobody waits again until the
    worker is back under half the bound."""
    monkeypatch.setattr(bus_module, "BACKLOG_WAIT_SECONDS", 0.5)
    stuck = threading.Event()
    bus.subscribe(API_CALL, lambda record: stuck.wait())
    started = time.monotonic()
    thread, published = _publish_in_background(bus, BACKLOG_HIGH + 5)
    thread.join(5)
    assert len(published) == BACKLOG_HIGH + 5
    assert 0.5 <= time.monotonic() - started < 1.0  # one wait, not one per record past the bound
    stuck.set()
    bus.flush()
    assert bus.backlog() == 0
    # Caught up: the bound holds again.
    held = threading.Event()
    bus.subscribe(API_CALL, lambda record: held.wait())
    thread, published = _publish_in_background(bus, BACKLOG_HIGH + 5)
    time.sleep(0.2)
    assert len(published) == BACKLOG_HIGH
    held.set()
    thread.join(5)


def test_a_subscriber_publishing_on_the_worker_never_waits_for_itself(bus):
    delivered: list[str] = []
    released = threading.Event()

    def echo(record) -> None:
        if record == "first":
            # On the worker's own thread, past the bound: waiting here would wait for itself.
            for n in range(BACKLOG_HIGH + 50):
                bus.publish(API_CALL, n)
            released.set()
        delivered.append(record)

    bus.subscribe(API_CALL, echo)
    bus.publish(API_CALL, "first")
    assert released.wait(5)
    bus.flush()
    assert len(delivered) == BACKLOG_HIGH + 51


def test_a_batch_counts_each_record_it_holds(bus):
    held = threading.Event()
    bus.subscribe(API_CALL, lambda record: held.wait())
    bus.publish_many([(API_CALL, n) for n in range(10)])
    assert bus.backlog() == 10
    held.set()
    bus.flush()
    assert bus.backlog() == 0


def test_a_front_workers_outbox_is_bounded_while_the_primary_holds_its_batches(tmp_path):
    """A worker ships to the primary, whose bus makes the link wait past its bound: the worker's own outbox then
    stops growing too, and every record arrives once the primary takes them again."""
    from nimbus.core.usage import USAGE, UsageRecord
    from nimbus.workers.event_link import EventLinkServer, events_socket
    from nimbus.workers.shared import SharedCounters
    from nimbus.workers.shipping import ShippingBus, read_batch

    held = threading.Event()
    arrived: list[str] = []

    def primary_publishes(batch) -> None:
        held.wait(10)
        arrived.extend(record.resource for _, record in batch)

    server = EventLinkServer(events_socket(str(tmp_path)), read_batch, primary_publishes)
    counters = SharedCounters(str(tmp_path), create=True)
    scheduler = Scheduler(Clock())
    worker_bus = ShippingBus(scheduler, events_socket(str(tmp_path)), counters, slot=0)
    total = 3 * BACKLOG_HIGH
    published: list[int] = []

    def publish() -> None:
        for n in range(total):  # a use of a key of its own each: a batch keeps only a key's last use
            worker_bus.publish(USAGE, UsageRecord("kms", "123456789012", "us-east-1", f"key-{n}", "Encrypt",
                                                  0.0, f"request-{n}"))
            published.append(n)

    thread = threading.Thread(target=publish, daemon=True)
    try:
        thread.start()
        time.sleep(0.5)
        # One batch is held by the primary (at most the bound and one); the calls after it filled the outbox to its
        # bound and wait.
        stopped_at = len(published)
        assert stopped_at <= 2 * (BACKLOG_HIGH + 1)
        time.sleep(0.3)
        assert len(published) == stopped_at
        held.set()
        thread.join(10)
        assert len(published) == total
        worker_bus.flush(10)
        assert sorted(arrived) == sorted(f"key-{n}" for n in range(total))
    finally:
        held.set()
        worker_bus.close()
        server.close()
        scheduler.stop()
        counters.close()
