"""Stale objects when the origin fails, as CloudFront documents ``stale-if-error`` ("Manage how long content
stays in the cache"): an expired object whose ``Cache-Control`` names ``stale-if-error=<seconds>`` is served
for that long past its expiry when the origin answers 500, 502, 503 or 504, cannot be reached, or does not
answer within the origin's read timeout."""
from __future__ import annotations

from .cache import CachedObject
from .expiration import _directives as directives
from .expiration import _seconds as seconds

ORIGIN_ERRORS = frozenset((500, 502, 503, 504))


def serves_stale(entry: CachedObject | None, now: float) -> bool:
    if entry is None or entry.status >= 400:
        return False
    grace = seconds(directives(entry.header("cache-control") or "").get("stale-if-error"))
    return grace is not None and now <= entry.stored_at + entry.ttl + grace
