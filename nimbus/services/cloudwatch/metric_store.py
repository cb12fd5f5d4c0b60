"""Where datapoints land, from PutMetricData and from the metrics nimbus services publish: the metric's
document (created on first use, its last put time kept for RecentlyActive) and its bucket."""
from __future__ import annotations

from dataclasses import dataclass

from nimbus.services.cloudwatch.common import Dimensions, metric_key, metrics_ns, points_ns, series_id
from nimbus.services.cloudwatch.documents import METRIC, Metric
from nimbus.services.cloudwatch.series import Bucket, add
from nimbus.store.base import Store

# RecentlyActive is "within the last 3 hours": a metric's last put time need only be this fresh.
_LAST_PUT_GRAIN = 60.0


@dataclass(frozen=True)
class Datapoint:
    namespace: str
    name: str
    dimensions: Dimensions
    when: float
    resolution: int  # 1 (high resolution) or 60
    unit: str
    bucket: Bucket


def record(store: Store, account: str, region: str, points: list[Datapoint], now: float) -> None:
    """Store datapoints of one account and region, together."""
    metrics, buckets = metrics_ns(account, region), points_ns(account, region)
    with store.transaction():
        for point in points:
            key = metric_key(point.namespace, point.name, point.dimensions)
            metric = METRIC.get(store, metrics, key)
            if metric is None:
                dims = sorted(point.dimensions, key=lambda d: d["Name"])
                metric = Metric(Namespace=point.namespace, MetricName=point.name, Dimensions=dims,
                                LastPut=now, Series=series_id(key))
                METRIC.put(store, metrics, key, metric)
            elif now - metric["LastPut"] >= _LAST_PUT_GRAIN:
                metric["LastPut"] = now
                METRIC.put(store, metrics, key, metric)
            add(store, buckets, metric["Series"], point.when, point.resolution, point.unit, point.bucket)
