"""Pausing Python's cyclic garbage collector around work that makes many short-lived containers at once.

A CloudTrail delivery rebuilds every record of its interval (tens of thousands of objects the collector tracks)
and drops them all when its file is written. With the collector running, they filled the young generation over and
over, were promoted, and made the middle and full collections run two to four times as often, each walking every
object the process tracks. Paused, they are freed by their reference counts, unseen. Objects that form cycles
meanwhile (on any thread) wait for the next collection after the pause.
"""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector is off inside (on every thread, as it is process-wide), as it was before once the last of
    overlapping pauses ends."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
