"""Replication metrics in CloudWatch (``AWS/S3``, by ``SourceBucket``, ``DestinationBucket`` and ``RuleId``),
for the rules whose destination turns them on (``Metrics``, or ``ReplicationTime``, which implies them):
each replicated object's latency, each failed operation, and after each pass of the replication job the
operations and bytes still pending, as S3 Replication Time Control reports them."""
from __future__ import annotations

from nimbus.core.metrics import publish_metric
from nimbus.services.s3.documents import Bucket, ObjectVersion
from nimbus.services.s3.replication_rules import destination_bucket

NAMESPACE = "AWS/S3"


def reports_metrics(rule: dict) -> bool:
    destination = rule.get("Destination") or {}
    return any((destination.get(member) or {}).get("Status") == "Enabled" for member in ("Metrics", "ReplicationTime"))


def _dimensions(source: Bucket, rule: dict) -> dict[str, str]:
    return {"SourceBucket": source["Name"], "DestinationBucket": destination_bucket(rule),
            "RuleId": rule.get("ID") or ""}


def replicated(runtime, source: Bucket, rule: dict, record: ObjectVersion, failed: bool) -> None:
    """One object's replication ended: its latency, or a failed operation."""
    if not reports_metrics(rule):
        return
    now = runtime.clock.time()
    where = (runtime.events, runtime.clock.now(), source["Account"], source["Region"], NAMESPACE)
    dimensions = _dimensions(source, rule)
    if failed:
        publish_metric(*where, "OperationsFailedReplication", dimensions, 1, "Count")
    else:
        publish_metric(*where, "ReplicationLatency", dimensions, max(0.0, now - record["LastModified"]), "Seconds")


def pending(runtime, source: Bucket, rule: dict, operations: int, size: int) -> None:
    """What is still to replicate under a rule, once a pass of the replication job is over."""
    if not reports_metrics(rule):
        return
    where = (runtime.events, runtime.clock.now(), source["Account"], source["Region"], NAMESPACE)
    dimensions = _dimensions(source, rule)
    publish_metric(*where, "OperationsPendingReplication", dimensions, operations, "Count")
    publish_metric(*where, "BytesPendingReplication", dimensions, size, "Bytes")
