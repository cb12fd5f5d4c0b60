"""Reading and writing the paths a step names, for the runners that run as step processes (not in nimbus):
``s3://``, ``s3a://`` and ``s3n://`` objects in nimbus S3 through botocore, as the credentials the step was
given (its cluster's instance role), and local paths (``file:``, and HDFS, which the engine maps to the
cluster's directory)."""
from __future__ import annotations

import os
from pathlib import Path

import botocore.session

_SCHEMES = ("s3://", "s3a://", "s3n://")


def is_s3(path: str) -> bool:
    return path.startswith(_SCHEMES)


def split(path: str) -> tuple[str, str]:
    bucket, _, key = path.split("://", 1)[1].partition("/")
    return bucket, key


def client():
    return botocore.session.get_session().create_client(
        "s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ.get("AWS_DEFAULT_REGION"))


def _local(path: str) -> Path:
    return Path(path[len("file://"):] if path.startswith("file://") else path.removeprefix("file:"))


def list_files(path: str) -> list[str]:
    """The files a path names: itself, or every file under it (a prefix or a directory), in name order."""
    if is_s3(path):
        bucket, key = split(path)
        s3 = client()
        head = [f"s3://{bucket}/{key}"] if key and _exists(s3, bucket, key) else []
        if head:
            return head
        prefix = key if not key or key.endswith("/") else key + "/"
        found = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            found += [f"s3://{bucket}/{o['Key']}" for o in page.get("Contents", [])
                      if not o["Key"].endswith("/") and not o["Key"].rsplit("/", 1)[-1].startswith(("_", "."))]
        return found
    local = _local(path)
    if local.is_dir():
        return [str(p) for p in sorted(local.rglob("*")) if p.is_file() and not p.name.startswith(("_", "."))]
    return [str(local)]


def _exists(s3, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError:
        return False
    return True


def read(path: str) -> bytes:
    if is_s3(path):
        bucket, key = split(path)
        return client().get_object(Bucket=bucket, Key=key)["Body"].read()
    return _local(path).read_bytes()


def write(path: str, data: bytes) -> None:
    if is_s3(path):
        bucket, key = split(path)
        client().put_object(Bucket=bucket, Key=key, Body=data)
        return
    local = _local(path)
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_bytes(data)


def join(base: str, name: str) -> str:
    return base.rstrip("/") + "/" + name
