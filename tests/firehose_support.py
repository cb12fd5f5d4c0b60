"""Helpers the Firehose tests share: buckets, active delivery streams, delivered objects."""
from __future__ import annotations

import time

import pytest

from tests.kinesis_support import advance
from tests.support import unique  # noqa: F401 (re-exported)

ROLE = "arn:aws:iam::000000000000:role/firehose"


@pytest.fixture
def firehose(client):
    return client("firehose")


@pytest.fixture
def s3(client):
    return client("s3")


def bucket(s3) -> str:
    name = unique("fh-bucket")
    s3.create_bucket(Bucket=name)
    return name


def s3_config(bucket_name: str, **extra) -> dict:
    return {"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket_name}", **extra}


def active(firehose, endpoint: str, **create) -> str:
    """Create a delivery stream and move the virtual clock past CREATING."""
    name = create.pop("DeliveryStreamName", None) or unique("stream")
    firehose.create_delivery_stream(DeliveryStreamName=name, **create)
    advance(endpoint, 1)
    status = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    assert status["DeliveryStreamStatus"] == "ACTIVE"
    return name


def objects(s3, bucket_name: str, prefix: str = "") -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=bucket_name, Prefix=prefix).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket_name, Key=o["Key"])["Body"].read() for o in listed}


def wait_objects(s3, bucket_name: str, count: int = 1, prefix: str = "", timeout: float = 15) -> dict[str, bytes]:
    """Delivery happens on the scheduler thread: poll until ``count`` objects are there."""
    deadline = time.monotonic() + timeout
    while True:
        found = objects(s3, bucket_name, prefix)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def flush(endpoint: str, seconds: float = 901) -> None:
    """Jump past any buffering interval: the scheduler delivers before the clock call returns."""
    advance(endpoint, seconds)
