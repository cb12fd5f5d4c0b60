"""Names, namespaces and small helpers every Firehose module shares."""
from __future__ import annotations

from nimbus.core.context import CallSource
from nimbus.core.namespaces import Namespace
from nimbus.protocol.errors import ServiceError
from nimbus.services.firehose.documents import DeliveryStream, StreamRef

SERVICE_PRINCIPAL = "firehose.amazonaws.com"
# The session names Firehose gives its role sessions (CloudTrail shows them in the assumed-role ARN).
TO_S3_SESSION = "AWSFirehoseToS3"
FROM_KINESIS_SESSION = "AWSFirehoseFromKinesis"
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


def stream_ident(stream: DeliveryStream) -> tuple[str, str, str]:
    """How buffers, checkpoints, error logs and retries know a stream: (account, region, name)."""
    return stream["AccountId"], stream["Region"], stream["DeliveryStreamName"]


def as_role(runtime, stream: StreamRef, role_arn: str, session_name: str, service: str, operation: str,
            params: dict, region: str | None = None) -> dict:
    """Call as the stream's role: Firehose assumes it (the role must still trust Firehose), and the
    session's permissions, the resource's policy and, across accounts, both sides decide."""
    return runtime.client.call_as_role(role_arn, service, operation, params, invoked_by=SERVICE_PRINCIPAL,
                                       session_name=session_name, region=region or stream["Region"],
                                       source=CallSource(stream["DeliveryStreamARN"], stream["AccountId"]))


def role_refused(role_arn: str) -> ServiceError:
    """CreateDeliveryStream's answer for a role Firehose cannot assume."""
    return invalid(f"Firehose is unable to assume role {role_arn}. Please check the role provided.")
