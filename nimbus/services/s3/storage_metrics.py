"""S3's daily storage metrics in CloudWatch (``AWS/S3``, by ``BucketName`` and ``StorageType``):
``BucketSizeBytes`` per storage class (``StandardStorage``, ``StandardIAStorage``...) and ``NumberOfObjects``
(``AllStorageTypes``), every version counted and delete markers not, as AWS counts them. Once a day of the
virtual clock (the first run after each midnight UTC, and at start-up for the current day), timestamped at
that midnight; only while CloudWatch listens.

The totals come from one pass over each bucket's versions, in batches, off the request path: a running total
kept on every write and delete would cost each request a store write for a figure read once a day."""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from nimbus.core.metrics import METRIC, publish_metric
from nimbus.services.s3.common import BUCKETS, versions_ns
from nimbus.services.s3.documents import BUCKET, OBJECT_VERSION, Bucket
from nimbus.services.s3.records import scan_prefix
from nimbus.services.s3.state import S3State

NAMESPACE = "AWS/S3"
DAY = 86400.0
STORAGE_TYPES = {"STANDARD": "StandardStorage", "STANDARD_IA": "StandardIAStorage",
                 "ONEZONE_IA": "OneZoneIAStorage", "REDUCED_REDUNDANCY": "ReducedRedundancyStorage",
                 "INTELLIGENT_TIERING": "IntelligentTieringFAStorage", "GLACIER": "GlacierStorage",
                 "DEEP_ARCHIVE": "DeepArchiveStorage", "GLACIER_IR": "GlacierInstantRetrievalStorage",
                 "EXPRESS_ONEZONE": "ExpressOneZoneStorage", "SNOW": "SnowStorage"}
_MARKER = ("s3", "storage-metrics")  # the last day (its midnight, epoch seconds) the metrics were published for


class StorageMetricOps(S3State):
    def __init__(self, runtime):
        super().__init__(runtime)
        self._storage_metrics_job = self.every("s3-storage-metrics", None, self._publish_storage_metrics,
                                               on_advance=self._publish_storage_metrics)
        self._storage_metrics_job.wake()

    def _publish_storage_metrics(self) -> float:
        """Publish today's figures unless done already; returns the next midnight, when they are due again."""
        now = self.clock.time()
        midnight = now // DAY * DAY
        if self.runtime.events.wants(METRIC) and (self.store.get(_MARKER, "day") or {}).get("at", -1.0) < midnight:
            for _, bucket in BUCKET.scan(self.store, BUCKETS):
                self._publish_bucket(bucket, midnight)
            self.store.put(_MARKER, "day", {"at": midnight})
        return midnight + DAY

    def _publish_bucket(self, bucket: Bucket, midnight: float) -> None:
        sizes: dict[str, float] = defaultdict(float)
        count = 0
        for _, version in scan_prefix(self.store, OBJECT_VERSION, versions_ns(bucket["Name"]), batch=1000):
            if version.get("DeleteMarker"):
                continue
            count += 1
            storage_class = version.get("StorageClass") or "STANDARD"
            sizes[STORAGE_TYPES.get(storage_class, storage_class)] += version.get("Size", 0)
        when = datetime.fromtimestamp(midnight, tz=UTC)
        where = (self.runtime.events, when, bucket["Account"], bucket["Region"], NAMESPACE)
        for storage_type, size in sorted(sizes.items()):
            publish_metric(*where, "BucketSizeBytes", {"BucketName": bucket["Name"], "StorageType": storage_type},
                           size, "Bytes")
        publish_metric(*where, "NumberOfObjects", {"BucketName": bucket["Name"], "StorageType": "AllStorageTypes"},
                       count, "Count")
