"""The metrics nimbus services publish (``core/metrics.py``), gathered in memory per metric, minute and
unit, and written to the store in one transaction per account and Region at most once a second (and before
alarms are evaluated), so a busy stream's hundreds of datapoints a second cost the store a few writes
rather than one each, and never hold up the requests that publish them."""
from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

from nimbus.core.metrics import MetricDatum
from nimbus.services.cloudwatch.metric_store import Datapoint, record
from nimbus.services.cloudwatch.series import Bucket, bucket_of, merge

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

FLUSH_SECONDS = 1.0
MINUTE = 60

# (account, region, namespace, name, dimensions, minute, unit)
_Key = tuple[str, str, str, str, tuple[tuple[str, str], ...], int, str]


_gatherers: weakref.WeakKeyDictionary[Runtime, PublishedMetrics] = weakref.WeakKeyDictionary()


def flush_published(runtime: Runtime) -> None:
    """Store what services published so far, so a read sees every metric published before it."""
    gatherer = _gatherers.get(runtime)
    if gatherer is not None:
        gatherer.flush()


class PublishedMetrics:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        _gatherers[runtime] = self
        self._lock = threading.Lock()
        self._flushing = threading.Lock()  # one flush at a time, so a flush that returns has written all before it
        self._pending: dict[_Key, Bucket] = {}

    def add(self, datum: MetricDatum) -> None:
        minute = int(datum.time.timestamp()) // MINUTE * MINUTE
        key = (datum.account_id, datum.region, datum.namespace, datum.name, datum.dimensions, minute, datum.unit)
        point = bucket_of([(datum.value, 1.0)])
        with self._lock:
            held = self._pending.get(key)
            self._pending[key] = merge(held, point) if held is not None else point

    def flush(self) -> None:
        # What the calls answered so far published, in whichever process answered them: their records first
        # (a front worker's too), then the metrics a subscriber makes of those records (S3's request metrics).
        for _ in range(2):
            self.runtime.events.flush()
        with self._flushing:
            with self._lock:
                pending, self._pending = self._pending, {}
            by_region: dict[tuple[str, str], list[Datapoint]] = {}
            for (account, region, namespace, name, dims, minute, unit), bucket in pending.items():
                dimensions = [{"Name": n, "Value": v} for n, v in dims]
                by_region.setdefault((account, region), []).append(
                    Datapoint(namespace, name, dimensions, minute, MINUTE, unit, bucket))
            now = self.runtime.clock.time()
            for (account, region), points in by_region.items():
                record(self.runtime.store, account, region, points, now)
