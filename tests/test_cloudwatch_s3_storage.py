"""S3's daily storage metrics in CloudWatch: after a midnight of the virtual clock, AWS/S3 BucketSizeBytes by
storage class and NumberOfObjects (AllStorageTypes) of a bucket, every version counted and delete markers not."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest

from tests.support import advance_clock, new_bucket, virtual_now


@pytest.fixture(scope="module")
def cw(aws):
    return aws("cloudwatch")


def daily(cw, endpoint, bucket, name, storage_type, deadline=20.0):
    """The latest daily value, once the event bus has handed it to CloudWatch (off the request path)."""
    now, limit = virtual_now(endpoint), time.monotonic() + deadline
    while True:
        points = cw.get_metric_statistics(
            Namespace="AWS/S3", MetricName=name, StartTime=now - timedelta(days=2), EndTime=now, Period=86400,
            Dimensions=[{"Name": "BucketName", "Value": bucket}, {"Name": "StorageType", "Value": storage_type}],
            Statistics=["Maximum"])["Datapoints"]
        if points or time.monotonic() > limit:
            return max(points, key=lambda p: p["Timestamp"])["Maximum"] if points else None
        time.sleep(0.2)


def next_midnight(endpoint) -> None:
    now = virtual_now(endpoint)
    advance_clock(endpoint, 86400 - (now.hour * 3600 + now.minute * 60 + now.second) + 5)


def test_daily_bucket_size_and_object_count(aws, cw, endpoint):
    s3 = aws("s3")
    bucket = new_bucket(s3, "sized")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="a", Body=b"x" * 10)
    s3.put_object(Bucket=bucket, Key="a", Body=b"x" * 20)  # a second version of a: both are stored
    s3.put_object(Bucket=bucket, Key="cold", Body=b"y" * 5, StorageClass="STANDARD_IA")
    s3.put_object(Bucket=bucket, Key="gone", Body=b"z" * 7)
    s3.delete_object(Bucket=bucket, Key="gone")  # a delete marker, not an object
    next_midnight(endpoint)
    assert daily(cw, endpoint, bucket, "BucketSizeBytes", "StandardStorage") == 37
    assert daily(cw, endpoint, bucket, "BucketSizeBytes", "StandardIAStorage") == 5
    assert daily(cw, endpoint, bucket, "NumberOfObjects", "AllStorageTypes") == 4
    listed = cw.list_metrics(Namespace="AWS/S3", MetricName="BucketSizeBytes",
                             Dimensions=[{"Name": "BucketName", "Value": bucket}])["Metrics"]
    assert sorted(d["Value"] for m in listed for d in m["Dimensions"] if d["Name"] == "StorageType") == [
        "StandardIAStorage", "StandardStorage"]
