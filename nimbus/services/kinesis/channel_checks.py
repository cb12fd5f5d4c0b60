"""What CreateChannel checks before it accepts a channel: formats, freshness, the role, buckets, the key.

Resources of other services are looked up through the internal client, as Kinesis would: the service
execution role (the caller may pass it, Kinesis may assume it: ``core/roles.py``), the buckets in S3 (as
a session of that role, which later writes to them), the KMS key as the caller through Kinesis.
"""
from __future__ import annotations

from nimbus.core.context import CallSource, RequestContext
from nimbus.core.roles import check_pass_role
from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesis import encryption
from nimbus.services.kinesis.channel_objects import validate_template

SERVICE_PRINCIPAL = "kinesis.amazonaws.com"
SESSION_NAME = "KinesisChannelDelivery"  # the session a channel's deliveries run as
MIN_FRESHNESS, MAX_FRESHNESS, DEFAULT_FRESHNESS = 300, 900, 300
FORMATS = {"S3": ("JSON", "STRING", "BYTE_ARRAY"), "S3_TABLES": ("JSON", "GSR_JSON")}


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidArgumentException", message)


def bucket_name(arn: str) -> str:
    return arn.split(":::", 1)[-1]


def freshness(value: int | None) -> int:
    value = DEFAULT_FRESHNESS if value is None else value
    if not MIN_FRESHNESS <= value <= MAX_FRESHNESS:
        raise invalid(f"DataFreshnessInSeconds must be between {MIN_FRESHNESS} and {MAX_FRESHNESS} seconds; "
                      f"{value} was given.")
    return value


def record_format(kind: str, record: dict) -> None:
    fmt = record["RecordFormatType"]
    if fmt not in FORMATS[kind]:
        where = "a general purpose Amazon S3" if kind == "S3" else "an Amazon S3 Tables (streaming table)"
        raise invalid(f"RecordFormatType {fmt} is not supported for {where} destination; use one of "
                      f"{', '.join(FORMATS[kind])}.")
    if kind == "S3" and record.get("GSRSchemaARN"):
        raise invalid("GSRSchemaARN applies only to streaming table (Amazon S3 Tables) destinations.")
    if kind == "S3_TABLES" and fmt == "JSON" and not record.get("GSRSchemaARN"):
        raise invalid("GSRSchemaARN is required for JSON records delivered to a streaming table.")


class ChannelRole:
    """The channel's service execution role, as Kinesis uses it for the channel ``source``."""

    def __init__(self, arn: str, source: CallSource):
        self.arn, self.source = arn, source

    def call(self, ctx: RequestContext, service: str, operation: str, params: dict) -> dict:
        return ctx.runtime.client.call_as_role(self.arn, service, operation, params, invoked_by=SERVICE_PRINCIPAL,
                                               session_name=SESSION_NAME, region=ctx.region, source=self.source)


def role(ctx: RequestContext, channel_role: ChannelRole) -> None:
    """The caller may pass the role (iam:PassRole), and Kinesis may assume it for the channel."""
    def refused(why: str) -> ServiceError:
        return invalid(f"The service execution role {channel_role.arn} cannot be assumed by Kinesis: {why}")
    check_pass_role(ctx, channel_role.arn, SERVICE_PRINCIPAL, SESSION_NAME, refused, channel_role.source)


def bucket(ctx: RequestContext, channel_role: ChannelRole, arn: str, owner: str, what: str) -> None:
    """The bucket exists, the role may reach it, it is in the channel's Region, and belongs to ``owner``
    (ExpectedBucketOwner)."""
    name = bucket_name(arn)
    try:
        head = channel_role.call(ctx, "s3", "HeadBucket", {"Bucket": name})
    except ServiceError as exc:
        if exc.code in ("NoSuchBucket", "NotFound", "404"):
            raise ServiceError("ResourceNotFoundException", f"The {what} bucket {name} does not exist.") from None
        raise invalid(f"The {what} bucket {name} is not accessible: {exc.message}") from None
    if head.get("BucketRegion", ctx.region) != ctx.region:
        raise invalid(f"The {what} bucket {name} is in {head['BucketRegion']}; a channel delivers only within "
                      f"its Region ({ctx.region}).")
    # The owner's own listing names the bucket only if it owns it.
    owned = ctx.runtime.client.call("s3", "ListBuckets", {"Prefix": name}, account_id=owner, region=ctx.region,
                                    invoked_by=SERVICE_PRINCIPAL)
    if not any(b["Name"] == name for b in owned.get("Buckets", [])):
        raise ServiceError("AccessDeniedException",
                           f"The {what} bucket {name} is not owned by the expected bucket owner {owner}.")


def s3_destination(ctx: RequestContext, config: dict, channel_role: ChannelRole) -> dict:
    """The S3 destination with AWS's defaults filled in (as DescribeChannel shows it)."""
    storage = dict(config["StorageConfiguration"])
    if storage.get("OutputKeyTemplate"):
        validate_template(storage["OutputKeyTemplate"], storage["CompressionType"])
    storage.setdefault("StorageClass", "STANDARD")
    bucket(ctx, channel_role, storage["BucketARN"], storage["ExpectedBucketOwner"], "destination")
    dlq = config.get("DeadLetterQueueS3Configuration")
    if dlq:
        bucket(ctx, channel_role, dlq["BucketARN"], dlq["ExpectedBucketOwner"], "dead-letter queue")
    return {"DataFreshnessInSeconds": freshness(config.get("DataFreshnessInSeconds")),
            "StorageConfiguration": storage, "DeadLetterQueueS3Configuration": dict(dlq) if dlq else None}


def s3_tables_destination(ctx: RequestContext, config: dict, channel_role: ChannelRole) -> dict:
    tables = config["S3TablesConfigurationList"]
    if len(tables) != 1:
        raise invalid("A channel delivers to exactly one table; S3TablesConfigurationList must have one entry.")
    table_arn = tables[0]["TableBucketARN"]
    region, account = table_arn.split(":")[3:5]
    if region != ctx.region:
        raise invalid(f"The table bucket {table_arn} is not in the channel's Region ({ctx.region}).")
    if account != ctx.account_id:
        raise invalid(f"The table bucket {table_arn} must belong to account {ctx.account_id}.")
    dlq = config["DeadLetterQueueS3Configuration"]
    bucket(ctx, channel_role, dlq["BucketARN"], dlq["ExpectedBucketOwner"], "dead-letter queue")
    return {"DataFreshnessInSeconds": freshness(config.get("DataFreshnessInSeconds")),
            "DeadLetterQueueS3Configuration": dict(dlq), "S3TablesConfigurationList": [dict(t) for t in tables]}


def kms_key(ctx: RequestContext, key_id: str) -> str:
    """A customer managed key that is usable; returns its ARN (what S3 encrypts objects with)."""
    if key_id.endswith("alias/aws/kinesis"):
        raise invalid("The Kinesis service key (alias/aws/kinesis) cannot encrypt channel deliveries; use a "
                      "customer managed KMS key.")
    metadata = encryption.check_key(ctx, key_id) or {"Arn": key_id}
    if metadata.get("KeyManager") == "AWS":
        raise invalid(f"The KMS key {key_id} is an AWS managed key; channels need a customer managed key.")
    return metadata["Arn"]
