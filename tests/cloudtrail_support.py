"""Test helpers for CloudTrail: clock jumps, delivered files, buckets CloudTrail may write to, the CLI."""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from botocore.exceptions import ClientError

from tests.conftest import advance_clock
from tests.support import unique  # noqa: F401 (re-exported)

AWS_CLI = Path(sys.executable).with_name("aws")


def account_key() -> str:
    """A fresh 12-digit access key id: nimbus treats it as its own account, so tests never see each
    other's history."""
    return str(uuid.uuid4().int)[:12].rjust(12, "1")


@pytest.fixture(scope="module")
def account():
    """A fresh account for a test module (import this fixture)."""
    return account_key()


@pytest.fixture(scope="module")
def aws(client, account):
    """``aws("kms")``: a client of the shared server, as the module's account."""
    return lambda service, **kw: client(service, key=account, **kw)


def advance(endpoint: str, seconds: float) -> datetime:
    return datetime.fromtimestamp(advance_clock(endpoint, seconds)["epoch"], tz=UTC)


def now(endpoint: str) -> datetime:
    return datetime.fromtimestamp(requests.get(f"{endpoint}/_nimbus/clock", timeout=10).json()["epoch"],
                                  tz=UTC)


def bucket_policy(bucket: str, account: str, prefix: str = "") -> str:
    objects = f"arn:aws:s3:::{bucket}/{prefix + '/' if prefix else ''}AWSLogs/{account}/*"
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{bucket}"},
        {"Sid": "AWSCloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": objects,
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
    ]})


def trail_bucket(s3, account: str, prefix: str = "") -> str:
    """A bucket whose policy lets CloudTrail write (where this S3 stores bucket policies)."""
    name = unique("ct-logs")
    s3.create_bucket(Bucket=name)
    try:
        s3.put_bucket_policy(Bucket=name, Policy=bucket_policy(name, account, prefix))
    except ClientError as error:
        if error.response["Error"]["Code"] != "NotImplemented":
            raise
    return name


def log_files(s3, bucket: str, prefix: str = "") -> list[str]:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(o["Key"] for o in page.get("Contents", []))
    return [k for k in keys if "/CloudTrail/" in k]


def read_records(s3, bucket: str, key: str) -> list[dict]:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return json.loads(gzip.decompress(body))["Records"]


def all_records(s3, bucket: str) -> list[dict]:
    return [r for key in log_files(s3, bucket) for r in read_records(s3, bucket, key)]


def validate_logs(endpoint: str, trail_arn: str, start: datetime, end: datetime,
                  region: str = "us-east-1", key: str = "test") -> subprocess.CompletedProcess:
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": key,
           "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": region}
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return subprocess.run(
        [str(AWS_CLI), "cloudtrail", "validate-logs", "--trail-arn", trail_arn,
         "--start-time", (start - timedelta(minutes=5)).strftime(fmt),
         "--end-time", (end + timedelta(minutes=5)).strftime(fmt), "--verbose"],
        env=env, capture_output=True, text=True, timeout=120)


# One harmless call per nimbus service, so tests can check that every service's calls are on record.
ONE_CALL_PER_SERVICE = {
    "cloudtrail": lambda aws: aws("cloudtrail").list_trails(),
    "firehose": lambda aws: aws("firehose").list_delivery_streams(),
    "iam": lambda aws: aws("iam").list_users(),
    "kinesis": lambda aws: aws("kinesis").list_streams(),
    "kms": lambda aws: aws("kms").list_keys(),
    "logs": lambda aws: aws("logs").describe_log_groups(),
    "s3": lambda aws: aws("s3").list_buckets(),
    "sns": lambda aws: aws("sns").list_topics(),
    "sts": lambda aws: aws("sts").get_caller_identity(),
}


def call_every_service(aws) -> set[str]:
    """Make one call to each service nimbus serves; the event sources their records must carry."""
    from nimbus.core.registry import implemented_service_names
    served = set(implemented_service_names())
    assert served <= set(ONE_CALL_PER_SERVICE), f"add a call for {served - set(ONE_CALL_PER_SERVICE)}"
    for service in sorted(served):
        ONE_CALL_PER_SERVICE[service](aws)
    return {f"{service}.amazonaws.com" for service in served}
