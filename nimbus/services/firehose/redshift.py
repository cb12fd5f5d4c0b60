"""Redshift destination: stage the batch in S3, then run the COPY on PostgreSQL at the JDBC URL
(``core/redshift_copy.py``: the staged object is read back through the S3 API and loaded). A failed COPY
is retried for RetryOptions.DurationInSeconds, then a manifest of the staged objects goes to the
ErrorOutputPrefix (``redshift-failed``), or to ``errors/manifests/`` without one, in the S3 bucket.
"""
from __future__ import annotations

import json

from nimbus.core.redshift_copy import JDBC, TABLE, copy, parse_options
from nimbus.protocol.errors import ServiceError
from nimbus.services.firehose import s3_destination
from nimbus.services.firehose.buffer import Batch
from nimbus.services.firehose.common import TO_S3_SESSION, as_role, bucket_of, invalid
from nimbus.services.firehose.documents import DeliveryStream
from nimbus.services.firehose.s3_destination import DeliveryError


def check(config: dict) -> None:
    if not JDBC.match(config.get("ClusterJDBCURL", "")):
        raise invalid("ClusterJDBCURL must look like jdbc:redshift://host:port/database.")
    command = config.get("CopyCommand") or {}
    if not TABLE.match(command.get("DataTableName", "")):
        raise invalid("CopyCommand.DataTableName is not a valid table name.")
    try:
        parse_options(command.get("CopyOptions"))
    except ValueError as exc:
        raise invalid(f"CopyCommand.CopyOptions: {exc}.") from None


def deliver(runtime, stream: DeliveryStream, config: dict, batch: Batch) -> None:
    s3 = config["S3Configuration"]
    key = s3_destination.plain(runtime, stream, s3, batch, batch.records, batch.arrivals)
    try:
        body = as_role(runtime, stream, s3["RoleARN"], TO_S3_SESSION, "s3", "GetObject",
                       {"Bucket": bucket_of(s3["BucketARN"]), "Key": key})["Body"]
    except ServiceError as exc:
        raise DeliveryError(f"S3.{exc.code}", exc.message) from None
    data = body if isinstance(body, (bytes, bytearray)) else b"".join(body)
    if s3.get("CompressionFormat") == "GZIP" and not parse_options(config["CopyCommand"].get("CopyOptions"))["gzip"]:
        raise DeliveryError("Redshift.CopyFailed", "The staged data is GZIP-compressed but COPY has no GZIP option.")
    try:
        copy(config, bytes(data))
    except Exception as exc:  # connection refused, bad SQL, bad data: Redshift.* errors in Firehose's words
        code = "Redshift.ConnectionFailed" if type(exc).__name__ == "OperationalError" else "Redshift.CopyFailed"
        text = str(exc).strip()
        raise DeliveryError(code, text.splitlines()[0] if text else type(exc).__name__) from None


def give_up(runtime, stream: DeliveryStream, config: dict, batch: Batch, exc: DeliveryError) -> None:
    """The staged objects the COPY never loaded, as a manifest under errors/ (Firehose's own layout)."""
    s3 = config["S3Configuration"]
    key = s3_destination.object_key(stream, s3, batch, min(batch.arrivals),
                                    extension=s3_destination.compression.EXTENSIONS.get(
                                        s3.get("CompressionFormat", "UNCOMPRESSED"), ""))
    manifest = {"entries": [{"url": f"s3://{bucket_of(s3['BucketARN'])}/{key}", "mandatory": True}],
                "errorCode": exc.code, "errorMessage": exc.message}
    name = key.rsplit("/", 1)[-1]
    if s3.get("ErrorOutputPrefix"):  # the configured error prefix, with error-output-type redshift-failed
        target = s3_destination.object_key(stream, s3, batch, min(batch.arrivals), error_type="redshift-failed")
    else:
        target = f"errors/manifests/{name}"
    s3_destination.put_object(runtime, stream, s3, target, json.dumps(manifest).encode())
