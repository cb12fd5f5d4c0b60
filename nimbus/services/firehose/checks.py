"""What CreateDeliveryStream and UpdateDestination reject, with Firehose's InvalidArgumentException.

The model's own ranges (SizeInMBs 1-128, IntervalInSeconds 0-900, ...) are checked by the dispatcher
before these run; here are the rules that depend on the rest of the configuration.
"""
from __future__ import annotations

import functools

from nimbus.core.context import CallSource, RequestContext
from nimbus.core.roles import check_pass_role
from nimbus.protocol.errors import ServiceError
from nimbus.services.firehose import prefixes
from nimbus.services.firehose.common import (
    FROM_KINESIS_SESSION,
    SERVICE_PRINCIPAL,
    TO_S3_SESSION,
    as_role,
    bucket_of,
    invalid,
    role_refused,
)
from nimbus.services.firehose.documents import KinesisSource, StreamRef

SUPPORTED = ("S3", "ExtendedS3", "Redshift", "HttpEndpoint")
DYNAMIC_MIN_MB = 64  # dynamic partitioning and format conversion need SizeInMBs >= 64


def roles(ctx: RequestContext, stream: StreamRef, config: dict, source: KinesisSource | None = None) -> None:
    """Every role the configuration names: the caller may pass it (iam:PassRole) and Firehose can assume it."""
    named = [(config.get("RoleARN"), TO_S3_SESSION)]
    named += [((config.get(nested) or {}).get("RoleARN"), TO_S3_SESSION)
              for nested in ("S3Configuration", "S3BackupConfiguration")]
    named.append((source["RoleARN"] if source else None, FROM_KINESIS_SESSION))
    for role_arn, session in dict.fromkeys((r, s) for r, s in named if r):
        check_pass_role(ctx, role_arn, SERVICE_PRINCIPAL, session, functools.partial(_refused, role_arn),
                        source=CallSource(stream["DeliveryStreamARN"], stream["AccountId"]))


def _refused(role_arn: str, _why: str) -> ServiceError:
    return role_refused(role_arn)


def bucket_exists(runtime, stream: StreamRef, config: dict) -> None:
    """The bucket exists. Whether the role may write there shows at delivery, as in AWS (a 403 here passes)."""
    bucket_arn = config.get("BucketARN") or ""
    try:
        as_role(runtime, stream, config["RoleARN"], TO_S3_SESSION, "s3", "HeadBucket",
                {"Bucket": bucket_of(bucket_arn)})
    except ServiceError as exc:
        if exc.code in ("NoSuchBucket", "NotFound", "404", "InvalidBucketName"):
            raise invalid(f"Bucket {bucket_arn} does not exist or is not accessible.") from None
        if exc.code not in ("AccessDenied", "403"):
            raise


def kinesis_stream_exists(runtime, stream: StreamRef, source: KinesisSource) -> None:
    """The source stream exists and the source's role may read it (another account's: its policy grants it)."""
    arn = source["KinesisStreamARN"]
    parts = arn.split(":")
    if len(parts) != 6 or parts[2] != "kinesis" or not parts[5].startswith("stream/"):
        raise invalid(f"KinesisStreamARN {arn} is not a valid Kinesis stream ARN.")
    from nimbus.services.firehose.kinesis_source import caller
    try:
        caller(runtime, stream, source)("DescribeStreamSummary", {})
    except ServiceError as exc:
        if exc.code == "ResourceNotFoundException":
            raise invalid(f"Kinesis stream {arn} does not exist.") from None
        if exc.code == "AccessDeniedException":
            raise invalid(f"Firehose is unable to read Kinesis stream {arn} with role {source['RoleARN']}: "
                          f"{exc.message}") from None
        raise


def _s3_config(runtime, stream: StreamRef, config: dict, *, dynamic=False, converted=False, redshift=False):
    bucket_exists(runtime, stream, config)
    compression = config.get("CompressionFormat", "UNCOMPRESSED")
    if redshift and compression not in ("UNCOMPRESSED", "GZIP"):
        raise invalid(f"Compression format {compression} is not supported for the Redshift destination.")
    if converted and compression != "UNCOMPRESSED":
        raise invalid("CompressionFormat must be UNCOMPRESSED when DataFormatConversion is enabled.")
    size = (config.get("BufferingHints") or {}).get("SizeInMBs", 5)
    if (dynamic or converted) and size < DYNAMIC_MIN_MB:
        feature = "Dynamic Partitioning" if dynamic else "DataFormatConversion"
        raise invalid(f"BufferingHints.SizeInMBs must be at least {DYNAMIC_MIN_MB} when {feature} is enabled.")
    prefixes.validate(config.get("Prefix"), config.get("ErrorOutputPrefix"), dynamic)
    kms = (config.get("EncryptionConfiguration") or {}).get("KMSEncryptionConfig")
    if kms and not str(kms.get("AWSKMSKeyARN", "")).startswith("arn:"):
        raise invalid("AWSKMSKeyARN must be a KMS key ARN.")


def destination(runtime, stream: StreamRef, kind: str, config: dict) -> None:
    if kind not in SUPPORTED:
        raise invalid(f"nimbus does not deliver to {kind} destinations; use S3, ExtendedS3, Redshift or "
                      "HttpEndpoint.")
    if kind in ("S3", "ExtendedS3"):
        dynamic = bool((config.get("DynamicPartitioningConfiguration") or {}).get("Enabled"))
        conversion = config.get("DataFormatConversionConfiguration") or {}
        converted = bool(conversion) and conversion.get("Enabled", True)
        if converted:
            from nimbus.services.firehose import conversion as formats
            formats.check(conversion)
        if dynamic:
            from nimbus.services.firehose import partitioning
            partitioning.check(config)
        _s3_config(runtime, stream, config, dynamic=dynamic, converted=converted)
        if config.get("S3BackupMode") == "Enabled":
            if not config.get("S3BackupConfiguration"):
                raise invalid("S3BackupConfiguration is required when S3BackupMode is Enabled.")
            _s3_config(runtime, stream, config["S3BackupConfiguration"])
        return
    s3 = config.get("S3Configuration")
    if not s3:
        raise invalid(f"S3Configuration is required for the {kind} destination.")
    _s3_config(runtime, stream, s3, redshift=kind == "Redshift")
    if kind == "Redshift":
        from nimbus.services.firehose import redshift
        redshift.check(config)
    if kind == "HttpEndpoint":
        url = (config.get("EndpointConfiguration") or {}).get("Url", "")
        if not url.startswith("https://"):
            raise invalid("EndpointConfiguration.Url must be an HTTPS URL.")
