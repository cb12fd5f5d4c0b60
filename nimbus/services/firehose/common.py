"""Names, namespaces and small helpers every Firehose module shares."""
from __future__ import annotations

from datetime import UTC, datetime

from nimbus.protocol.errors import ServiceError

SERVICE_PRINCIPAL = "firehose.amazonaws.com"
MIB = 1024 * 1024
MAX_BATCH_BYTES = 4 * MIB  # PutRecordBatch: 4 MiB for the entire request
MAX_RECORD_BYTES = 1000 * 1024  # 1,000 KiB before base64
MAX_TAGS = 50

DESTINATION_KEYS = ("S3DestinationConfiguration", "ExtendedS3DestinationConfiguration",
                    "RedshiftDestinationConfiguration", "HttpEndpointDestinationConfiguration",
                    "ElasticsearchDestinationConfiguration", "AmazonopensearchserviceDestinationConfiguration",
                    "SplunkDestinationConfiguration", "AmazonOpenSearchServerlessDestinationConfiguration",
                    "SnowflakeDestinationConfiguration", "IcebergDestinationConfiguration")
DELIVERED = ("ExtendedS3", "Redshift", "HttpEndpoint")  # destinations nimbus delivers to


def streams_ns(account: str, region: str) -> tuple[str, ...]:
    return ("firehose", account, region, "streams")


def buffer_ns(account: str, region: str, name: str) -> tuple[str, ...]:
    return ("firehose", account, region, "buffer", name)


def checkpoints_ns(account: str, region: str, name: str) -> tuple[str, ...]:
    return ("firehose", account, region, "checkpoints", name)


def errors_ns(account: str, region: str, name: str) -> tuple[str, ...]:
    return ("firehose", account, region, "errors", name)


def not_found(name: str, account: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException",
                        f"Firehose {name} under account {account} not found.")


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidArgumentException", message)


def utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def bucket_of(arn: str) -> str:
    """arn:aws:s3:::bucket -> bucket."""
    return arn.split(":::", 1)[-1] if arn.startswith("arn:") else arn
