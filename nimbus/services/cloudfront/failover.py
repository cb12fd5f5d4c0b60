"""Origin groups ("Optimizing high availability with CloudFront origin failover"): a behaviour that targets
a group gets the primary origin's answer unless it is one of the group's failover status codes or the
primary cannot be reached or does not answer in time; then the secondary's. Only GET, HEAD and OPTIONS
fail over; other methods go to the primary alone."""
from __future__ import annotations

from collections.abc import Callable

from .origin_reader import OriginAccess
from .origins import OriginFailed, OriginResponse, fetch
from .viewer_rules import IDEMPOTENT_READS


def origin_group(config: dict, target_id: str) -> dict | None:
    return next((g for g in config.get("OriginGroups", {}).get("Items", []) if g["Id"] == target_id), None)


def members(config: dict, target_id: str) -> tuple[list[dict], frozenset[int]]:
    """The origins a behaviour's target names, in failover order, and the statuses that fail over."""
    origins = {o["Id"]: o for o in config["Origins"]["Items"]}
    group = origin_group(config, target_id)
    if group is None:
        return [origins[target_id]], frozenset()
    chain = [origins[m["OriginId"]] for m in group["Members"]["Items"]]
    return chain, frozenset(int(c) for c in group["FailoverCriteria"]["StatusCodes"].get("Items", []))


def fetch_with_failover(runtime, access_for: Callable[[dict], OriginAccess], config: dict, target_id: str,
                        method: str, path: str, query: str, headers: dict[str, str],
                        body: bytes = b"") -> OriginResponse:
    """The answer of the target origin, or of its group's secondary; ``access_for(origin)`` is who the edge
    is at that origin (``origin_reader``)."""
    chain, failover_codes = members(config, target_id)
    if method not in IDEMPOTENT_READS:
        chain = chain[:1]
    for position, origin in enumerate(chain):
        last = position == len(chain) - 1
        try:
            answer = fetch(runtime, access_for(origin), origin, method, path, query, headers, body)
        except OriginFailed:
            if last:
                raise
            continue
        if last or answer.status not in failover_codes:
            return answer
    raise AssertionError("unreachable: the last member always answers or raises")
