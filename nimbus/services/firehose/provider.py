"""Amazon Data Firehose: the provider. Every operation of the botocore model.

state.py (what the topics share), stream_ops.py and record_ops.py (the operations),
delivery_streams.py (documents, status, descriptions), checks.py (what create/update reject),
buffer.py (the durable buffer), delivery.py (the scheduler), s3_destination.py, http_destination.py,
redshift.py (destinations), kinesis_source.py, prefixes.py, compression.py, conversion.py,
partitioning.py, tags.py.
"""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.services.firehose.encryption import EncryptionOps
from nimbus.services.firehose.record_ops import RecordOps
from nimbus.services.firehose.stream_ops import StreamOps
from nimbus.services.firehose.tags import TagOps


class Provider(StreamOps, RecordOps, TagOps, EncryptionOps):
    def resource_arns(self, ctx: RequestContext, operation: str, params: dict) -> list[str] | None:
        name = params.get("DeliveryStreamName")
        return [ctx.arn(f"deliverystream/{name}")] if name else None
