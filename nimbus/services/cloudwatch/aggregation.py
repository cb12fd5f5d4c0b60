"""A metric's datapoints grouped into periods: what GetMetricStatistics, GetMetricData and the alarm
evaluator read."""
from __future__ import annotations

from nimbus.services.cloudwatch.common import Dimensions, metric_key, metrics_ns, points_ns
from nimbus.services.cloudwatch.documents import METRIC, Metric
from nimbus.services.cloudwatch.series import Bucket, merge, read
from nimbus.store.base import Store


def find_metric(store: Store, account: str, region: str, namespace: str, name: str,
                dimensions: Dimensions) -> Metric | None:
    return METRIC.get(store, metrics_ns(account, region), metric_key(namespace, name, dimensions))


def periods(store: Store, account: str, region: str, metric: Metric, start: float, end: float, period: int,
            unit: str | None = None) -> dict[int, Bucket]:
    """The metric's buckets in [start, end) merged per period (keyed by the period's start, counted from
    ``start``); only the given unit's when one is given."""
    grouped: dict[int, Bucket] = {}
    origin = int(start)
    for ts, _resolution, stored_unit, bucket in read(store, points_ns(account, region), metric["Series"],
                                                      start, end):
        if unit is not None and stored_unit != unit:
            continue
        slot = origin + (ts - origin) // period * period
        grouped[slot] = merge(grouped[slot], bucket) if slot in grouped else bucket
    return grouped


def units_of(store: Store, account: str, region: str, metric: Metric, start: float, end: float) -> set[str]:
    return {unit for _, _, unit, _ in read(store, points_ns(account, region), metric["Series"], start,
                                                    end)}
