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
