"""STS's place in the shared request path: who is calling is answered by any front worker (``--workers N``)."""
from __future__ import annotations

from nimbus.core.traits import ServiceTraits

TRAITS = ServiceTraits(answers_in_any_worker=frozenset({"GetCallerIdentity"}))
