"""Kinesis's place in the shared request path: a PutRecord appends to its shard's log with one OS write and
answers from memory, so it runs on the event loop (gateway/on_loop.py) rather than waiting for a worker thread."""
from __future__ import annotations

from nimbus.core.traits import ServiceTraits

TRAITS = ServiceTraits(runs_on_event_loop=frozenset({"PutRecord"}))
