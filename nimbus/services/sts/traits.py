"""STS's place in the shared request path: who is calling is answered by any front worker (``--workers N``), and
on the event loop (gateway/on_loop.py) rather than by a worker thread."""
from __future__ import annotations

from nimbus.core.traits import ServiceTraits

TRAITS = ServiceTraits(answers_in_any_worker=frozenset({"GetCallerIdentity"}),
                       runs_on_event_loop=frozenset({"GetCallerIdentity"}))
