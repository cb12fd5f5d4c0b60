"""Writing objects to S3 as Firehose does: through the S3 API, as a session of the destination's role.

``deliver`` turns one buffered batch into objects: dynamic partitions (if enabled), format conversion
(if enabled) or plain concatenation (Firehose adds no delimiter), compression, then the key from the
prefix and Firehose's object name. Object names are derived from the batch's first buffer key, so a
delivery repeated after a crash rewrites the same objects rather than adding duplicates.
"""
from __future__ import annotations

import base64
import json
import uuid

from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.firehose import compression, prefixes
from nimbus.services.firehose.buffer import Batch
from nimbus.services.firehose.common import TO_S3_SESSION, as_role, bucket_of
from nimbus.services.firehose.documents import DeliveryStream


class DeliveryError(Exception):
    """The destination refused a delivery; the records stay buffered and are retried."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def put_object(runtime, stream: DeliveryStream, s3: dict, key: str, body: bytes) -> None:
    params = {"Bucket": bucket_of(s3["BucketARN"]), "Key": key, "Body": body}
    kms = (s3.get("EncryptionConfiguration") or {}).get("KMSEncryptionConfig")
    if kms:
        params.update(ServerSideEncryption="aws:kms", SSEKMSKeyId=kms["AWSKMSKeyARN"])
    try:
        as_role(runtime, stream, s3["RoleARN"], TO_S3_SESSION, "s3", "PutObject", params)
    except ServiceError as exc:
        raise DeliveryError(f"S3.{exc.code}", exc.message) from None


def unique(stream: DeliveryStream, batch: Batch, part: str = "") -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{stream['DeliveryStreamARN']}/{batch.first_key}/{part}"))


def object_key(stream: DeliveryStream, s3: dict, batch: Batch, moment_ts: float, *, part: str = "", keys=None,
               error_type: str | None = None, extension: str = "") -> str:
    moment = timestamp(moment_ts)
    prefix_template = s3.get("ErrorOutputPrefix") if error_type else s3.get("Prefix")
    prefix = prefixes.evaluate(prefix_template, moment, keys, error_type)
    return prefix + prefixes.object_name(stream["DeliveryStreamName"], str(stream["VersionId"]), moment,
                                         unique(stream, batch, f"{error_type or ''}/{part}"), extension)


def error_records(records: list[bytes], arrivals: list[float], code: str, message: str, now: float,
                  attempts: int = 1) -> bytes:
    """Failed records as Firehose writes them to the error prefix: one JSON document per line."""
    lines = [json.dumps({"attemptsMade": attempts, "arrivalTimestamp": int(arrival * 1000),
                         "errorCode": code, "errorMessage": message, "attemptEndingTimestamp": int(now * 1000),
                         "rawData": base64.b64encode(record).decode()})
             for record, arrival in zip(records, arrivals)]
    return ("\n".join(lines) + "\n").encode()


def write_errors(runtime, stream: DeliveryStream, s3: dict, batch: Batch, error_type: str, records: list[bytes],
                 arrivals: list[float], code: str, message: str, *, part: str = "", attempts: int = 1) -> None:
    if not records:
        return
    now = runtime.clock.time()
    key = object_key(stream, s3, batch, min(arrivals), part=part, error_type=error_type)
    put_object(runtime, stream, s3, key, error_records(records, arrivals, code, message, now, attempts))


def plain(runtime, stream: DeliveryStream, s3: dict, batch: Batch, records: list[bytes], arrivals: list[float], *,
          part: str = "", keys=None, prefix_override: str | None = None) -> str:
    """Concatenate, compress and write one object; returns its key."""
    fmt = s3.get("CompressionFormat", "UNCOMPRESSED")
    extension = s3.get("FileExtension") or compression.EXTENSIONS.get(fmt, "")
    target = dict(s3, Prefix=prefix_override) if prefix_override is not None else s3
    key = object_key(stream, target, batch, min(arrivals), part=part, keys=keys, extension=extension)
    body = compression.compress(b"".join(records), fmt, entry_name=key.rsplit("/", 1)[-1].removesuffix(".zip"))
    put_object(runtime, stream, s3, key, body)
    return key


def deliver(runtime, stream: DeliveryStream, s3: dict, batch: Batch) -> None:
    """Deliver one batch to an S3/ExtendedS3 destination (and its backup when S3BackupMode is Enabled)."""
    conversion = s3.get("DataFormatConversionConfiguration") or {}
    converting = bool(conversion) and conversion.get("Enabled", True)
    dynamic = bool((s3.get("DynamicPartitioningConfiguration") or {}).get("Enabled"))
    from nimbus.services.firehose import partitioning
    groups = [("", None, partitioning.delimited(s3, batch.records), batch.arrivals)]
    if dynamic:
        groups, failed = partitioning.group(s3, batch.records, batch.arrivals)
        write_errors(runtime, stream, s3, batch, "partitioning-failed", [r for r, _, _ in failed],
                     [a for _, a, _ in failed], "DynamicPartitioning.MetadataExtractionFailed",
                     failed[0][2] if failed else "")
    for part, keys, records, arrivals in groups:
        if converting:
            from nimbus.services.firehose import conversion as formats
            body, extension, bad = formats.convert(conversion, records, arrivals)
            if bad:
                write_errors(runtime, stream, s3, batch, "format-conversion-failed", [r for r, _, _ in bad],
                             [a for _, a, _ in bad], "DataFormatConversion.MalformedData", bad[0][2], part=part)
            if body is not None:
                key = object_key(stream, s3, batch, min(arrivals), part=part, keys=keys,
                                 extension=s3.get("FileExtension") or extension)
                put_object(runtime, stream, s3, key, body)
        else:
            plain(runtime, stream, s3, batch, records, arrivals, part=part, keys=keys)
    if s3.get("S3BackupMode") == "Enabled" and s3.get("S3BackupConfiguration"):
        backup = s3["S3BackupConfiguration"]
        plain(runtime, stream, backup, batch, batch.records, batch.arrivals, part="backup")
