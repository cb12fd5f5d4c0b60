"""Firehose to S3: buffering on the virtual clock, concatenation, prefixes, object names, compression."""
from __future__ import annotations

import gzip
import io
import re
import struct
import time
import zipfile

import cramjam
import pytest

from tests.support import active_delivery_stream, flush, new_bucket, objects, s3_config, virtual_now

NAME = re.compile(r"^(?P<prefix>.*/)?(?P<stream>[\w.-]+)-(?P<version>\d+)-(?P<ts>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)-"
                  r"(?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?P<ext>\.\w+)?$")


def hadoop_snappy_decode(data: bytes) -> bytes:
    out, at = bytearray(), 0
    while at < len(data):
        total, at = struct.unpack(">I", data[at:at + 4])[0], at + 4
        block = bytearray()
        while len(block) < total:
            size, at = struct.unpack(">I", data[at:at + 4])[0], at + 4
            block += bytes(cramjam.snappy.decompress_raw(data[at:at + size]))
            at += size
        out += block
    return bytes(out)


DECODERS = {
    "UNCOMPRESSED": (lambda b: b, ""),
    "GZIP": (gzip.decompress, ".gz"),
    "ZIP": (lambda b: zipfile.ZipFile(io.BytesIO(b)).read(zipfile.ZipFile(io.BytesIO(b)).namelist()[0]), ".zip"),
    "Snappy": (lambda b: bytes(cramjam.snappy.decompress(b)), ".snappy"),
    "HADOOP_SNAPPY": (hadoop_snappy_decode, ".snappy"),
}


def test_records_are_concatenated_under_the_default_prefix(firehose, s3, endpoint):
    target = new_bucket(s3)
    name = active_delivery_stream(firehose, endpoint, ExtendedS3DestinationConfiguration=s3_config(
        target, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60}))
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b'{"a":1}'})
    firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": b'{"a":2}'}, {"Data": b"raw"}])
    assert objects(s3, target) == {}, "nothing is delivered before the interval"
    flush(endpoint, 61)
    found = objects(s3, target)
    assert len(found) == 1
    key, body = next(iter(found.items()))
    assert body == b'{"a":1}{"a":2}raw', "Firehose adds no delimiter"
    match = NAME.match(key)
    assert match and match["stream"] == name and match["version"] == "1" and not match["ext"]
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\d\d/", match["prefix"])
    assert match["prefix"].replace("/", "-") == match["ts"][:14], "the prefix is the object's own hour (UTC)"


def test_size_hint_delivers_without_waiting(firehose, s3, endpoint):
    target = new_bucket(s3)
    name = active_delivery_stream(firehose, endpoint, ExtendedS3DestinationConfiguration=s3_config(
        target, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 900}))
    chunk = b"z" * 1000 * 1024
    firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": chunk}, {"Data": chunk}])
    found = wait_objects(s3, target, 1)
    assert sum(len(b) for b in found.values()) == 2 * len(chunk)


@pytest.mark.parametrize("fmt", list(DECODERS))
def test_compression_formats_decode(firehose, s3, endpoint, fmt):
    target = new_bucket(s3)
    name = active_delivery_stream(firehose, endpoint, ExtendedS3DestinationConfiguration=s3_config(
        target, CompressionFormat=fmt, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60}))
    payload = [f"line {i} ".encode() * 50 + b"\n" for i in range(400)]  # over one Hadoop block
    firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": p} for p in payload])
    flush(endpoint, 61)
    found = objects(s3, target)
    assert len(found) == 1
    key, body = next(iter(found.items()))
    decode, extension = DECODERS[fmt]
    assert key.endswith(extension) if extension else NAME.match(key)["ext"] is None
    assert decode(body) == b"".join(payload)
    if fmt != "UNCOMPRESSED":
        assert len(body) < len(b"".join(payload))


def test_custom_prefixes_timestamp_and_default(firehose, s3, endpoint):
    target = new_bucket(s3)
    name = active_delivery_stream(firehose, endpoint, ExtendedS3DestinationConfiguration=s3_config(
        target, Prefix="logs/year=!{timestamp:yyyy}/month=!{timestamp:MM}/",
        ErrorOutputPrefix="err/!{firehose:error-output-type}/",
        BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0}))
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b"x"})
    now = virtual_now(endpoint)
    found = wait_objects(s3, target, 1)
    key = next(iter(found))
    assert key.startswith(f"logs/year={now:%Y}/month={now:%m}/{name}-1-"), key
    plain = active_delivery_stream(firehose, endpoint, ExtendedS3DestinationConfiguration=s3_config(
        target, Prefix="plain/", BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60}))
    firehose.put_record(DeliveryStreamName=plain, Record={"Data": b"y"})
    flush(endpoint, 61)
    key = next(iter(objects(s3, target, "plain/")))
    assert re.match(r"plain/\d{4}/\d\d/\d\d/\d\d/" + re.escape(plain) + "-1-", key), \
        "a prefix without expressions gets YYYY/MM/DD/HH/ appended"


def test_backup_copy_and_sse_kms(firehose, s3, client, endpoint):
    target, backup = new_bucket(s3), new_bucket(s3)
    key_arn = client("kms").create_key()["KeyMetadata"]["Arn"]
    name = active_delivery_stream(firehose, endpoint, ExtendedS3DestinationConfiguration=s3_config(
        target, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60},
        EncryptionConfiguration={"KMSEncryptionConfig": {"AWSKMSKeyARN": key_arn}},
        S3BackupMode="Enabled", S3BackupConfiguration=s3_config(backup, Prefix="copy/")))
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b"secret"})
    flush(endpoint, 61)
    delivered = objects(s3, target)
    if delivered:  # S3 stores SSE-KMS objects: they carry the key
        head = s3.head_object(Bucket=target, Key=next(iter(delivered)))
        assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == key_arn
        assert list(delivered.values()) == [b"secret"]
    else:  # S3 refuses SSE-KMS: the records stay buffered and the failure is visible, never dropped
        failure = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"][
            "FailureDescription"]
        assert "S3." in failure["Details"]
        assert objects(s3, backup) == {}, "nothing is half-delivered"


def test_s3_backup_gets_the_source_records(firehose, s3, endpoint):
    target, backup = new_bucket(s3), new_bucket(s3)
    name = active_delivery_stream(firehose, endpoint, ExtendedS3DestinationConfiguration=s3_config(
        target, CompressionFormat="GZIP", BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60},
        S3BackupMode="Enabled", S3BackupConfiguration=s3_config(backup, Prefix="copy/")))
    firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": b"a"}, {"Data": b"b"}])
    flush(endpoint, 61)
    assert [gzip.decompress(b) for b in objects(s3, target).values()] == [b"ab"]
    copies = objects(s3, backup, "copy/")
    assert list(copies.values()) == [b"ab"]


def test_missing_bucket_keeps_records_until_it_is_back(firehose, s3, endpoint):
    target = new_bucket(s3)
    name = active_delivery_stream(firehose, endpoint, ExtendedS3DestinationConfiguration=s3_config(
        target, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60}))
    s3.delete_bucket(Bucket=target)
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b"kept"})
    flush(endpoint, 61)
    failure = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"][
        "FailureDescription"]
    assert failure["Type"] == "UNKNOWN_ERROR" and "S3.NoSuchBucket" in failure["Details"]
    s3.create_bucket(Bucket=target)
    flush(endpoint, 5)  # a clock jump retries at once
    assert list(objects(s3, target).values()) == [b"kept"]
    assert "FailureDescription" not in firehose.describe_delivery_stream(DeliveryStreamName=name)[
        "DeliveryStreamDescription"]


def wait_objects(s3, bucket_name: str, count: int = 1, prefix: str = "", timeout: float = 15) -> dict[str, bytes]:
    """Delivery happens on the scheduler thread: poll until ``count`` objects are there."""
    deadline = time.monotonic() + timeout
    while True:
        found = objects(s3, bucket_name, prefix)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)
