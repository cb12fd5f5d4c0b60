"""The CloudWatch metrics a delivery stream publishes (``AWS/Firehose``, by ``DeliveryStreamName``), as AWS
names them: what producers put, and what reached S3. Nothing is built when CloudWatch does not listen."""
from __future__ import annotations

from typing import TYPE_CHECKING

from nimbus.core.metrics import METRIC, publish_metric
from nimbus.core.times import timestamp
from nimbus.services.firehose.common import stream_ident
from nimbus.services.firehose.documents import DeliveryStream

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

NAMESPACE = "AWS/Firehose"
S3_KINDS = ("S3", "ExtendedS3")


def _publish(runtime: Runtime, stream: DeliveryStream, values: list[tuple[str, float, str]]) -> None:
    if not runtime.events.wants(METRIC):
        return
    account, region, name = stream_ident(stream)
    when = timestamp(runtime.clock.time())
    for metric, value, unit in values:
        publish_metric(runtime.events, when, account, region, NAMESPACE, metric, {"DeliveryStreamName": name},
                       value, unit)


def records_put(runtime: Runtime, stream: DeliveryStream, records: list[bytes], operation: str) -> None:
    """PutRecord or PutRecordBatch accepted ``records``."""
    size, count = float(sum(len(r) for r in records)), float(len(records))
    values = [("IncomingRecords", count, "Count"), ("IncomingBytes", size, "Bytes"),
              ("IncomingPutRequests", 1.0, "Count")]
    if operation == "PutRecord":
        values += [("PutRecord.Records", count, "Count"), ("PutRecord.Bytes", size, "Bytes")]
    else:
        values += [("PutRecordBatch.Records", count, "Count"), ("PutRecordBatch.Bytes", size, "Bytes")]
    _publish(runtime, stream, values)


def delivered(runtime: Runtime, stream: DeliveryStream, records: list[bytes], arrivals: list[float]) -> None:
    """A batch reached its destination: for S3, its records, bytes and the age of its oldest record."""
    if stream["DestinationType"] not in S3_KINDS:
        return
    freshness = runtime.clock.time() - min(arrivals) if arrivals else 0.0
    _publish(runtime, stream, [("DeliveryToS3.Success", 1.0, "None"),
                               ("DeliveryToS3.Records", float(len(records)), "Count"),
                               ("DeliveryToS3.Bytes", float(sum(len(r) for r in records)), "Bytes"),
                               ("DeliveryToS3.DataFreshness", freshness, "Seconds")])


def delivery_failed(runtime: Runtime, stream: DeliveryStream) -> None:
    if stream["DestinationType"] in S3_KINDS:
        _publish(runtime, stream, [("DeliveryToS3.Success", 0.0, "None")])
