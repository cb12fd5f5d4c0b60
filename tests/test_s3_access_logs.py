"""Server access logging: records in S3's format, delivered to the target bucket and prefix on the virtual
clock, only where the target's bucket policy lets logging.s3.amazonaws.com write."""
from __future__ import annotations

import json
import time

from tests.support import advance_clock, error_of, make_client, new_bucket, start_server


def logging_policy(target: str, source: str, account: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{target}/*",
        "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{source}"},
                      "StringEquals": {"aws:SourceAccount": account}}}]})


def delivered(s3, endpoint: str, bucket: str, prefix: str) -> list[str]:
    """Log lines in the target once the delivery interval has passed (polled with a deadline)."""
    advance_clock(endpoint, 301)
    deadline = time.monotonic() + 15
    while True:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents") or []]
        if keys or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return [line for key in keys for line in s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines()]


def test_logging_configuration(aws, client):
    s3 = aws("s3")
    source, target = new_bucket(s3, "logged"), new_bucket(s3, "logs")
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=source)
    assert error_of(s3.put_bucket_logging, Bucket=source, BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": "no-such-bucket-anywhere", "TargetPrefix": "x/"}}).code == "InvalidTargetBucketForLogging"
    other = new_bucket(client("s3", key="210987654321"), "theirs")
    assert error_of(s3.put_bucket_logging, Bucket=source, BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": other, "TargetPrefix": "x/"}}).code == "InvalidTargetBucketForLogging"
    s3.put_bucket_logging(Bucket=source, BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": target, "TargetPrefix": "logs/"}})
    assert s3.get_bucket_logging(Bucket=source)["LoggingEnabled"] == {"TargetBucket": target, "TargetPrefix": "logs/"}
    s3.put_bucket_logging(Bucket=source, BucketLoggingStatus={})
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=source)


def test_records_are_delivered_in_s3s_format(aws, account, endpoint):
    s3 = aws("s3")
    source, target = new_bucket(s3, "logged"), new_bucket(s3, "logs")
    s3.put_bucket_policy(Bucket=target, Policy=logging_policy(target, source, account))
    s3.put_bucket_logging(Bucket=source, BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": target, "TargetPrefix": "logs/"}})
    s3.put_object(Bucket=source, Key="photos/cat one.jpg", Body=b"meow")
    s3.get_object(Bucket=source, Key="photos/cat one.jpg")["Body"].read()
    assert error_of(s3.get_object, Bucket=source, Key="missing").code == "NoSuchKey"
    lines = delivered(s3, endpoint, target, "logs/")
    put = next(line for line in lines if " REST.PUT.OBJECT " in line)
    get = next(line for line in lines if " REST.GET.OBJECT photos/cat%20one.jpg " in line)
    missing = next(line for line in lines if " REST.GET.OBJECT missing " in line)
    assert put.split(" ")[1] == source and '"PUT /' + source + '/photos/cat%20one.jpg HTTP/1.1" 200 - ' in put
    assert ' 200 - 4 4 ' in get and f"arn:aws:iam::{account}:root" in get
    assert ' 404 NoSuchKey ' in missing
    # The delivery itself is not logged, and the target's key follows S3's simple prefix format.
    key = s3.list_objects_v2(Bucket=target, Prefix="logs/")["Contents"][0]["Key"]
    assert len(key.split("/")[1]) == len("2026-12-06-16-00-00-") + 16


def test_partitioned_prefix(aws, account, endpoint):
    s3 = aws("s3")
    source, target = new_bucket(s3, "logged"), new_bucket(s3, "logs")
    s3.put_bucket_policy(Bucket=target, Policy=logging_policy(target, source, account))
    s3.put_bucket_logging(Bucket=source, BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": target, "TargetPrefix": "p/",
        "TargetObjectKeyFormat": {"PartitionedPrefix": {"PartitionDateSource": "EventTime"}}}})
    s3.head_bucket(Bucket=source)
    assert any(" REST.HEAD.BUCKET " in line for line in delivered(s3, endpoint, target, f"p/{account}/us-east-1/{source}/"))


def test_no_delivery_without_the_targets_grant(aws, endpoint):
    s3 = aws("s3")
    source, target = new_bucket(s3, "logged"), new_bucket(s3, "logs")
    s3.put_bucket_logging(Bucket=source, BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": target, "TargetPrefix": "logs/"}})
    s3.put_object(Bucket=source, Key="k", Body=b"x")
    advance_clock(endpoint, 301)
    time.sleep(0.5)
    assert "Contents" not in s3.list_objects_v2(Bucket=target)


def test_waiting_records_survive_a_restart(tmp_path):
    with start_server(tmp_path) as first:
        s3 = make_client(first.endpoint, "s3")
        source, target = new_bucket(s3, "logged"), new_bucket(s3, "logs")
        s3.put_bucket_policy(Bucket=target, Policy=logging_policy(target, source, "000000000000"))
        s3.put_bucket_logging(Bucket=source, BucketLoggingStatus={"LoggingEnabled": {
            "TargetBucket": target, "TargetPrefix": "logs/"}})
        s3.put_object(Bucket=source, Key="before-restart", Body=b"x")
    with start_server(tmp_path) as second:
        s3 = make_client(second.endpoint, "s3")
        lines = delivered(s3, second.endpoint, target, "logs/")
        assert any(" REST.PUT.OBJECT before-restart " in line for line in lines)
