"""Store writes no front worker's cache depends on: they do not move the change counter.

A worker caches, across requests, only IAM's compiled policies, the clock's history, the documents
``store/decoded_cache.py`` keeps (S3 buckets and objects, KMS keys) and (until a reset) its providers; every other
read goes to the store as it is. The records below are written for the calls themselves
(CloudTrail's event history, CloudWatch's metric points, IAM's last uses), so with the counter
moving on them every worker dropped its caches on nearly every request, for nothing. A worker that reads them
(LookupEvents, GetMetricStatistics: all answered by the primary today) reads the store, which has them.

A namespace is ``(service, account, region, kind, ...)`` (``core/namespaces.py``) or IAM's global
``("iam", account, kind)``. A kind added here must be one no worker caches.
"""
from __future__ import annotations

from nimbus.store.base import Namespace

_REGIONAL = frozenset({
    # CloudTrail's event history, its index and what waits to be indexed, Insights' counts per minute.
    ("cloudtrail", "events"), ("cloudtrail", "data-events"), ("cloudtrail", "insights"),
    ("cloudtrail", "events-by"), ("cloudtrail", "events-unindexed"), ("cloudtrail", "insight-minutes"),
    # Metric data (services' own metrics, S3's request metrics) and the metrics' names.
    ("cloudwatch", "points"), ("cloudwatch", "metrics"),
})
_GLOBAL = frozenset({("iam", "key_last_used"), ("iam", "service_use")})


def moves_caches(ns: Namespace) -> bool:
    """Whether a write to ``ns`` may change what a worker caches (so the change counter must move)."""
    if len(ns) >= 4 and (ns[0], ns[3]) in _REGIONAL:
        return False
    return not (len(ns) >= 3 and (ns[0], ns[2]) in _GLOBAL)
