"""What CreateDeliveryStream and UpdateDestination reject, with Firehose's InvalidArgumentException.

The model's own ranges (SizeInMBs 1-128, IntervalInSeconds 0-900, ...) are checked by the dispatcher
before these run; here are the rules that depend on the rest of the configuration.
"""
from __future__ import annotations

from nimbus.protocol.errors import ServiceError
from nimbus.services.firehose import prefixes
from nimbus.services.firehose.common import SERVICE_PRINCIPAL, bucket_of, invalid

SUPPORTED = ("S3", "ExtendedS3", "Redshift", "HttpEndpoint")
DYNAMIC_MIN_MB = 64  # dynamic partitioning and format conversion need SizeInMBs >= 64


def bucket_exists(runtime, account: str, region: str, bucket_arn: str) -> None:
    bucket = bucket_of(bucket_arn or "")
    try:
        runtime.client.call("s3", "HeadBucket", {"Bucket": bucket}, account_id=account, region=region,
                            invoked_by=SERVICE_PRINCIPAL)
    except ServiceError as exc:
        if exc.code in ("NoSuchBucket", "NotFound", "404", "InvalidBucketName"):
            raise invalid(f"Bucket {bucket_arn} does not exist or is not accessible.") from None
        raise


def kinesis_stream_exists(runtime, arn: str) -> None:
    parts = arn.split(":")
    if len(parts) != 6 or parts[2] != "kinesis" or not parts[5].startswith("stream/"):
        raise invalid(f"KinesisStreamARN {arn} is not a valid Kinesis stream ARN.")
    try:
        runtime.client.call("kinesis", "DescribeStreamSummary", {"StreamARN": arn}, account_id=parts[4],
                            region=parts[3], invoked_by=SERVICE_PRINCIPAL)
    except ServiceError as exc:
        if exc.code == "ResourceNotFoundException":
            raise invalid(f"Kinesis stream {arn} does not exist.") from None
        raise


def _s3_config(runtime, account, region, config: dict, *, dynamic=False, converted=False, redshift=False):
    bucket_exists(runtime, account, region, config.get("BucketARN"))
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


def destination(runtime, account: str, region: str, kind: str, config: dict) -> None:
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
        _s3_config(runtime, account, region, config, dynamic=dynamic, converted=converted)
        if config.get("S3BackupMode") == "Enabled":
            if not config.get("S3BackupConfiguration"):
                raise invalid("S3BackupConfiguration is required when S3BackupMode is Enabled.")
            _s3_config(runtime, account, region, config["S3BackupConfiguration"])
        return
    s3 = config.get("S3Configuration")
    if not s3:
        raise invalid(f"S3Configuration is required for the {kind} destination.")
    _s3_config(runtime, account, region, s3, redshift=kind == "Redshift")
    if kind == "Redshift":
        from nimbus.services.firehose import redshift
        redshift.check(config)
    if kind == "HttpEndpoint":
        url = (config.get("EndpointConfiguration") or {}).get("Url", "")
        if not url.startswith("https://"):
            raise invalid("EndpointConfiguration.Url must be an HTTPS URL.")
