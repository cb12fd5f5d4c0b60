"""What the edge decided for a request it answered from memory (the distribution, the response headers
policy and the cache key), kept for the same request again. At a busy edge most requests are the same few,
and making that decision (the behaviour's match, policies, geo and viewer rules, the cache key) costs more
than answering from the cache.

A plan is for one distribution document and for everything of the request the decision may read: its
method, path, query string, scheme, address and every header. A change to the distribution is a new
document (``recent_names.py``), so plans made for the old one are never used again. Used on the event loop
only (``EdgeOps.fresh_hit``)."""
from __future__ import annotations

from dataclasses import dataclass

from nimbus.protocol.http import HttpRequest

from .documents import Distribution

# Past this many plans they are all let go: memory stays bounded whatever viewers send.
MAX_PLANS = 4096


@dataclass(frozen=True)
class HitPlan:
    distribution: Distribution  # held, so that no other document takes its id while the plan lives
    headers_policy: dict | None
    key: str  # the cache key of the object it answers with


class HitPlans:
    def __init__(self):
        self._plans: dict[tuple, HitPlan] = {}
        self.recorded: HitPlan | None = None  # the plan the edge made for the request it is answering

    @staticmethod
    def key_of(distribution: Distribution, request: HttpRequest, path: str) -> tuple:
        return (id(distribution), request.method, path, request.query_string, request.scheme, request.source_ip,
                tuple(request.headers.items()))

    def get(self, key: tuple) -> HitPlan | None:
        return self._plans.get(key)

    def keep(self, key: tuple, plan: HitPlan) -> None:
        if len(self._plans) >= MAX_PLANS:
            self._plans.clear()
        self._plans[key] = plan
