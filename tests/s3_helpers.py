"""Shared bits of the S3 tests."""
from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError


def unique(prefix: str = "bkt") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def error_code(call, *args, **kwargs) -> str:
    with pytest.raises(ClientError) as error:
        call(*args, **kwargs)
    return error.value.response["Error"]["Code"]


# Fixtures the S3 test modules import: a client, and a bucket of each module's own.
@pytest.fixture(scope="module")
def s3(client):
    return client("s3")


@pytest.fixture(scope="module")
def bucket(s3):
    name = unique()
    s3.create_bucket(Bucket=name)
    return name


def open_to_anyone(s3, bucket: str, actions=("s3:GetObject",), resource: str = "/*") -> None:
    """Lift the bucket's default Block Public Access and let anyone (anonymous callers too) do ``actions``."""
    import json
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": list(actions),
        "Resource": f"arn:aws:s3:::{bucket}{resource}"}]}))
