"""CloudTrail: KMS Encrypt calls/s with no trail, one trail and three trails (recording must not slow
the request path; one boto3 client, and server capacity under concurrent load as in bench_kms), and the median time from an API call to its record in S3 at the default interval.

moto accepts trails but records and delivers nothing: its Encrypt rates are the reference for "no
recording cost", and its delivery latency is reported as nan (never).
"""
from __future__ import annotations

import gzip
import json
import random
import statistics
import time
import uuid

from botocore.exceptions import ClientError

from benchmarks.bench_kms import encrypt_capacity
from benchmarks.harness import rate, running

PLAINTEXT = b"x" * 1024
LATENCY_SAMPLES = 7
DEFAULT_INTERVAL_S = 5.0


def _policy(bucket: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
         "Resource": f"arn:aws:s3:::{bucket}"},
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/*"}]})


def _trail(target) -> str:
    s3, ct = target.client("s3"), target.client("cloudtrail")
    bucket = f"bench-trail-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    try:
        s3.put_bucket_policy(Bucket=bucket, Policy=_policy(bucket))
    except ClientError:
        pass  # an S3 without bucket policies lets CloudTrail write anyway
    name = f"bench-{uuid.uuid4().hex[:8]}"
    ct.create_trail(Name=name, S3BucketName=bucket)
    ct.start_logging(Name=name)
    return bucket


def _records(s3, bucket: str, seen: set[str]) -> list[dict]:
    found = []
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        if item["Key"] in seen:
            continue
        seen.add(item["Key"])
        body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        found.extend(json.loads(gzip.decompress(body))["Records"])
    return found


def delivery_latency(target, bucket: str) -> float:
    """Median seconds from a call's answer to its record being readable in S3, for calls made at random
    moments of the delivery interval (not right after a delivery, which would always wait a full one)."""
    s3, sns = target.client("s3"), target.client("sns")
    seen: set[str] = set()
    samples = []
    for _ in range(LATENCY_SAMPLES):
        time.sleep(random.uniform(0, DEFAULT_INTERVAL_S))
        marker = f"bench-{uuid.uuid4().hex[:8]}"
        sns.create_topic(Name=marker)
        start = time.perf_counter()
        deadline = start + 30
        while time.perf_counter() < deadline:
            if any((r.get("requestParameters") or {}).get("name") == marker for r in _records(s3, bucket, seen)):
                samples.append(time.perf_counter() - start)
                break
            time.sleep(0.05)
        else:
            return float("nan")
    return statistics.median(samples)


def run(seconds: float) -> list[dict]:
    rows = []
    for name in ("nimbus", "moto"):
        with running(name) as target:
            kms = target.client("kms")
            key = kms.create_key()["KeyMetadata"]["KeyId"]
            encrypt = lambda: kms.encrypt(KeyId=key, Plaintext=PLAINTEXT)  # noqa: E731
            row = {"server": name, "Encrypt_no_trail_per_s": rate(encrypt, seconds),
                   "Encrypt_capacity_no_trail_per_s": encrypt_capacity(target, key, seconds)}
            first = _trail(target)
            row["Encrypt_1_trail_per_s"] = rate(encrypt, seconds)
            _trail(target)
            _trail(target)
            row["Encrypt_3_trails_per_s"] = rate(encrypt, seconds)
            # Many concurrent connections: the server, not the client, is the bottleneck here.
            row["Encrypt_capacity_3_trails_per_s"] = encrypt_capacity(target, key, seconds)
            row["call_to_s3_median_s"] = delivery_latency(target, first) if name == "nimbus" else float("nan")
            rows.append(row)
    return rows
