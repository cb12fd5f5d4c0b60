"""Names, namespaces and small helpers every Firehose module shares."""
from __future__ import annotations

from nimbus.core.namespaces import Namespace
from nimbus.protocol.errors import ServiceError

SERVICE_PRINCIPAL = "firehose.amazonaws.com"
MIB = 1024 * 1024
MAX_BATCH_BYTES = 4 * MIB  # PutRecordBatch: 4 MiB for the entire request

DESTINATION_KEYS = ("S3DestinationConfiguration", "ExtendedS3DestinationConfiguration",
                    "RedshiftDestinationConfiguration", "HttpEndpointDestinationConfiguration",
                    "ElasticsearchDestinationConfiguration", "AmazonopensearchserviceDestinationConfiguration",
                    "SplunkDestinationConfiguration", "AmazonOpenSearchServerlessDestinationConfiguration",
                    "SnowflakeDestinationConfiguration", "IcebergDestinationConfiguration")


streams_ns = Namespace("firehose", "streams")
buffer_ns = Namespace("firehose", "buffer")
checkpoints_ns = Namespace("firehose", "checkpoints")
errors_ns = Namespace("firehose", "errors")


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidArgumentException", message)


def bucket_of(arn: str) -> str:
    """arn:aws:s3:::bucket -> bucket."""
    return arn.split(":::", 1)[-1] if arn.startswith("arn:") else arn
