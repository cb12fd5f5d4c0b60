"""Records published on an event loop are handed to subscribers by that loop, after the call, and in the order
published alongside records from other threads (core/events.py). Driven directly: a loop in a thread of its own,
as the server's."""
from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from nimbus.core.clock import Clock
from nimbus.core.events import API_CALL, EventBus
from nimbus.core.scheduler import Scheduler


@pytest.fixture
def bus() -> Iterator[EventBus]:
    scheduler = Scheduler(Clock())
    events = EventBus(scheduler)
    yield events
    scheduler.stop()


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    running = asyncio.new_event_loop()
    thread = threading.Thread(target=running.run_forever, name="test-loop", daemon=True)
    thread.start()
    yield running
    running.call_soon_threadsafe(running.stop)
    thread.join(5)
    running.close()


def on_loop(loop: asyncio.AbstractEventLoop, work: Callable[[], Any]) -> Any:
    """``work()`` run on the loop, as a call answered there runs."""
    async def call() -> Any:
        return work()
    return asyncio.run_coroutine_threadsafe(call(), loop).result(5)


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)


def test_a_loop_hands_over_its_records_itself_after_the_call(bus, loop):
    seen: list[tuple[int, str]] = []
    bus.subscribe(API_CALL, lambda record: seen.append((threading.get_ident(), threading.current_thread().name)))

    def call() -> int:
        bus.publish(API_CALL, "answered on the loop")
        assert seen == []  # never while the call that published it is answering
        return threading.get_ident()

    loop_thread = on_loop(loop, call)
    wait_for(lambda: bool(seen))
    assert seen == [(loop_thread, "test-loop")]


def test_records_of_a_loop_and_of_other_threads_arrive_in_the_order_published(bus, loop):
    seen: list[int] = []
    bus.subscribe(API_CALL, seen.append)
    for n in range(300):
        if n % 3:
            on_loop(loop, lambda n=n: bus.publish(API_CALL, n))
        else:
            bus.publish(API_CALL, n)
        if n % 50 == 0:
            time.sleep(0.01)  # let hand-overs happen on both sides
    bus.flush()
    wait_for(lambda: len(seen) == 300)
    assert seen == list(range(300))


def test_a_flush_from_another_thread_delivers_what_a_busy_loop_published(bus, loop):
    seen: list[str] = []
    bus.subscribe(API_CALL, seen.append)
    published, release = threading.Event(), threading.Event()

    def call() -> None:
        bus.publish(API_CALL, "published on the loop")
        published.set()
        release.wait(5)  # the loop stays busy: its own hand-over cannot run

    loop.call_soon_threadsafe(call)
    assert published.wait(5)
    bus.flush()
    assert seen == ["published on the loop"]
    release.set()


def test_a_subscriber_flushing_during_the_loops_hand_over_does_not_wait_for_itself(bus, loop):
    flushed: list[float] = []

    def subscriber(record: Any) -> None:
        started = time.monotonic()
        bus.flush()
        flushed.append(time.monotonic() - started)

    bus.subscribe(API_CALL, subscriber)
    on_loop(loop, lambda: bus.publish(API_CALL, "flushes while handed over"))
    wait_for(lambda: bool(flushed))
    assert flushed and flushed[0] < 1.0


def test_records_published_while_the_loop_hands_over_follow_on_its_next_turn(bus, loop):
    seen: list[str] = []

    def subscriber(record: str) -> None:
        seen.append(record)
        if record == "first":
            bus.publish(API_CALL, "published by a subscriber")

    bus.subscribe(API_CALL, subscriber)
    on_loop(loop, lambda: bus.publish(API_CALL, "first"))
    wait_for(lambda: len(seen) == 2)
    assert seen == ["first", "published by a subscriber"]


def test_a_worker_woken_while_a_loops_turn_is_due_leaves_that_loops_records_to_it(bus, loop):
    """Records queued behind a loop's coming turn are that loop's to hand over: a worker that took them (woken by a
    record from another thread) fought the busy loop for the GIL about once a call."""
    seen: list[tuple[int, str]] = []
    bus.subscribe(API_CALL, lambda record: seen.append((record, threading.current_thread().name)))
    busy, release = threading.Event(), threading.Event()

    def call() -> None:
        for n in range(10):
            bus.publish(API_CALL, n)
        busy.set()
        release.wait(5)  # answering: the loop's turn cannot run yet

    loop.call_soon_threadsafe(call)
    assert busy.wait(5)
    bus.publish(API_CALL, 10)  # from this thread: wakes the worker
    time.sleep(0.2)
    assert seen == []
    release.set()
    wait_for(lambda: len(seen) == 11)
    assert seen == [(n, "test-loop") for n in range(11)]


def test_a_loop_past_the_bound_waits_for_room_only_and_hands_over_the_rest_itself(bus, loop):
    from nimbus.core.events import BACKLOG_HIGH, BACKLOG_LOW
    seen: list[tuple[int, str]] = []
    bus.subscribe(API_CALL, lambda record: seen.append((record, threading.current_thread().name)))
    total = BACKLOG_HIGH + 10
    on_loop(loop, lambda: [bus.publish(API_CALL, n) for n in range(total)])  # waits for room once, past the bound
    wait_for(lambda: len(seen) == total)
    assert [record for record, _ in seen] == list(range(total))
    by_worker = sum(1 for _, thread in seen if thread != "test-loop")
    assert by_worker == BACKLOG_HIGH + 1 - BACKLOG_LOW  # what brought the backlog down to half the bound
