"""The background scheduler every service's timers run on (core/scheduler.py), driven directly."""
from __future__ import annotations

import logging
import threading
import time

from nimbus.core.clock import Clock
from nimbus.core.scheduler import Scheduler


def wait_for(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_a_failing_job_is_logged_at_error_with_its_traceback_and_runs_again(caplog):
    scheduler = Scheduler(Clock())
    runs = []

    def flaky():
        runs.append(time.monotonic())
        if len(runs) == 1:
            raise RuntimeError("the first tick breaks")

    with caplog.at_level(logging.ERROR, logger="nimbus.core.scheduler"):
        scheduler.every("flaky", 0.02, flaky)
        assert wait_for(lambda: len(runs) >= 3)
    scheduler.stop()
    failures = [r for r in caplog.records if r.levelno == logging.ERROR and "flaky" in r.getMessage()]
    assert len(failures) == 1
    assert failures[0].exc_info and "the first tick breaks" in str(failures[0].exc_info[1])


def test_stop_ends_every_job_and_waits_for_the_run_under_way():
    scheduler = Scheduler(Clock())
    inside, release, finished = threading.Event(), threading.Event(), []

    def slow():
        inside.set()
        release.wait(5)
        finished.append(True)

    job = scheduler.every("slow", 0.01, slow)
    assert inside.wait(5)
    threading.Timer(0.1, release.set).start()
    scheduler.stop()
    assert finished and not job.thread.is_alive()
    assert scheduler.jobs() == []


def test_a_cancelled_job_runs_no_more():
    scheduler = Scheduler(Clock())
    runs = []
    job = scheduler.every("counted", 0.01, lambda: runs.append(1))
    assert wait_for(lambda: runs)
    job.cancel(wait=True)
    count = len(runs)
    time.sleep(0.1)
    assert len(runs) == count and not job.thread.is_alive()
    scheduler.stop()


def test_a_clock_jump_fires_a_job_due_in_the_skipped_span():
    clock = Clock()
    scheduler = Scheduler(clock)
    due_at = clock.time() + 3600
    fired = threading.Event()

    def hourly():
        if clock.time() >= due_at:
            fired.set()
            return None
        return due_at  # the next run is due in an hour of virtual time

    scheduler.every("hourly", 600.0, hourly)
    time.sleep(0.1)
    assert not fired.is_set()
    clock.advance(3600)
    assert fired.wait(2)
    scheduler.stop()


def test_a_clock_jump_runs_on_advance_before_the_jump_returns():
    clock = Clock()
    scheduler = Scheduler(clock)
    seen = []
    scheduler.every("synchronous", None, lambda: None, on_advance=lambda: seen.append(clock.time()))
    clock.advance(60)
    assert len(seen) == 1  # already run: the call that moved the clock finds the work done
    scheduler.stop()
    clock.advance(60)
    assert len(seen) == 1  # a stopped job no longer follows the clock


def test_a_job_that_waits_to_be_woken_runs_when_woken():
    scheduler = Scheduler(Clock())
    runs = []
    job = scheduler.every("on-demand", None, lambda: runs.append(1))
    time.sleep(0.1)
    assert runs == []
    job.wake()
    assert wait_for(lambda: runs == [1])
    scheduler.stop()


def test_a_job_started_after_stop_never_runs():
    scheduler = Scheduler(Clock())
    scheduler.stop()
    runs = []
    job = scheduler.every("late", 0.01, lambda: runs.append(1))
    job.wake()
    time.sleep(0.05)
    assert job.stopped and runs == [] and not job.thread.is_alive()
