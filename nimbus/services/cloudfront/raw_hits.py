"""A fresh hit answered again for the identical request's bytes (gateway/raw_heads.py), without the
request being parsed: what the edge checks at every such answer, and the values made for each.

The plan the gateway keeps holds the answer's header lines; this replay says whether they still hold:
the name still reaches the same distribution document (any change to a distribution, or the second
``recent_names.py`` holds a name, makes a new one), the cache still holds the very object the lines were
made from (an invalidation or a new version is another object, or none), and it is fresh on the virtual
clock. It holds the object weakly, so the edge's cache alone bounds what objects stay in memory.
"""
from __future__ import annotations

import weakref

from nimbus.protocol.http import HttpRequest

from .answers import request_id
from .cache import CachedObject
from .documents import Distribution
from .hit_plans import HitPlan


class RawHit:
    varying = ("age", "x-amz-cf-id")  # in the order _answer writes them
    __slots__ = ("_cache", "_distribution", "_entry", "_head", "_name", "_names", "_time")

    def __init__(self, edge, name: str, distribution: Distribution, plan: HitPlan, entry: CachedObject, head: bool):
        self._names, self._cache, self._time = edge.recent_names, edge.cache, edge.clock.time
        self._name, self._distribution = name, distribution
        self._entry = (plan.distribution["Id"], plan.key, weakref.ref(entry))
        self._head = head

    def __call__(self) -> tuple[tuple[bytes, ...], bytes] | None:
        if self._names.recall(self._name) is not self._distribution:
            return None
        distribution_id, key, entry = self._entry
        cached = self._cache.get(distribution_id, key, from_disk=False)
        if cached is None or cached is not entry():
            return None
        now = self._time()
        if not cached.fresh(now):
            return None
        return (b"%d" % int(now - cached.stored_at), request_id()), b"" if self._head else cached.body


def raw_hit(edge, name: str, distribution: Distribution, plan: HitPlan, request: HttpRequest,
            entry: CachedObject) -> RawHit | None:
    """The replay of a planned hit; None when the answer depends on more than the request's bytes, the
    object and the clock (a byte range of it, standard logs that log each request, sampled timing)."""
    logging = distribution["DistributionConfig"].get("Logging") or {}
    timing = (plan.headers_policy or {}).get("ServerTimingHeadersConfig") or {}
    if logging.get("Enabled") or timing.get("Enabled") or "range" in request.headers:
        return None
    return RawHit(edge, name, distribution, plan, entry, request.method == "HEAD")
