"""The CloudWatch metrics a stream publishes (``AWS/Kinesis``), as AWS names them: stream-level ones by
``StreamName`` always, shard-level ones by ``StreamName`` and ``ShardId`` for the metrics enhanced
monitoring enables. Nothing is built when CloudWatch does not listen."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.metrics import METRIC, publish_metric
from nimbus.services.kinesis.documents import Stream

NAMESPACE = "AWS/Kinesis"


def _publish(ctx: RequestContext, stream: Stream, values: list[tuple[str, float, str]]) -> None:
    when = ctx.clock.now()
    dimensions = {"StreamName": stream["StreamName"]}
    for name, value, unit in values:
        publish_metric(ctx.runtime.events, when, ctx.account_id, ctx.region, NAMESPACE, name, dimensions, value, unit)


def records_put(ctx: RequestContext, stream: Stream, entries: list[dict], results: list[dict],
                operation: str) -> None:
    """PutRecord or PutRecords answered: what was accepted and what was throttled."""
    if not ctx.runtime.events.wants(METRIC):
        return
    accepted = [len(e["Data"]) for e, r in zip(entries, results, strict=True) if "ErrorCode" not in r]
    size, count = float(sum(accepted)), float(len(accepted))
    values = [("IncomingRecords", count, "Count"), ("IncomingBytes", size, "Bytes")]
    if operation == "PutRecord":
        values += [("PutRecord.Success", float(bool(accepted)), "Count"), ("PutRecord.Bytes", size, "Bytes")]
    else:
        throttled = float(len(entries) - len(accepted))
        values += [("PutRecords.TotalRecords", float(len(entries)), "Count"),
                   ("PutRecords.SuccessfulRecords", count, "Count"), ("PutRecords.Records", count, "Count"),
                   ("PutRecords.Bytes", size, "Bytes"), ("PutRecords.ThrottledRecords", throttled, "Count"),
                   ("PutRecords.Success", 1.0, "Count")]
    _publish(ctx, stream, values)
    shards: dict[str, tuple[float, float]] = {}
    for entry, result in zip(entries, results, strict=True):
        if "ShardId" in result:
            count_so_far, bytes_so_far = shards.get(result["ShardId"], (0.0, 0.0))
            shards[result["ShardId"]] = (count_so_far + 1, bytes_so_far + len(entry["Data"]))
    if stream["ShardLevelMetrics"]:
        for shard, (shard_count, shard_bytes) in shards.items():
            _publish_shard_only(ctx, stream, shard, [("IncomingRecords", shard_count, "Count"),
                                                     ("IncomingBytes", shard_bytes, "Bytes")])


def records_read(ctx: RequestContext, stream: Stream, shard: str, count: int, size: int, behind_ms: int) -> None:
    """GetRecords answered: what it returned, and how far behind the reader is."""
    if not ctx.runtime.events.wants(METRIC):
        return
    _publish(ctx, stream, [("GetRecords.Records", float(count), "Count"), ("GetRecords.Bytes", float(size), "Bytes"),
                           ("GetRecords.Success", 1.0, "Count"),
                           ("GetRecords.IteratorAgeMilliseconds", float(behind_ms), "Milliseconds")])
    if stream["ShardLevelMetrics"]:
        _publish_shard_only(ctx, stream, shard, [("OutgoingRecords", float(count), "Count"),
                                                 ("OutgoingBytes", float(size), "Bytes"),
                                                 ("IteratorAgeMilliseconds", float(behind_ms), "Milliseconds")])


def _publish_shard_only(ctx: RequestContext, stream: Stream, shard: str, values: list[tuple[str, float, str]]) -> None:
    enabled = set(stream["ShardLevelMetrics"])
    when = ctx.clock.now()
    for name, value, unit in values:
        if name in enabled:
            publish_metric(ctx.runtime.events, when, ctx.account_id, ctx.region, NAMESPACE, name,
                           {"StreamName": stream["StreamName"], "ShardId": shard}, value, unit)
