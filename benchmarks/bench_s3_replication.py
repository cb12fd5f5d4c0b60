"""S3 replication lag: from a PutObject's answer to its source version reading COMPLETED (the replica
readable in the destination bucket), for 4 KiB and 8 MiB objects, nimbus alone (moto does not replicate
in the background)."""
from __future__ import annotations

import json
import os
import statistics
import time

from benchmarks.harness import running

SIZES = {"4KiB": 4 * 1024, "8MiB": 8 * 1024 * 1024}
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _lag(s3, bucket: str, key: str, body: bytes) -> float:
    start = time.perf_counter()
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    while s3.head_object(Bucket=bucket, Key=key).get("ReplicationStatus") == "PENDING":
        time.sleep(0.002)
    return time.perf_counter() - start


def run(seconds: float) -> list[dict]:
    with running("nimbus") as target:
        s3, iam = target.client("s3"), target.client("iam")
        role = iam.create_role(RoleName="replication", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        for bucket in ("bench-source", "bench-replica"):
            s3.create_bucket(Bucket=bucket)
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_replication(Bucket="bench-source", ReplicationConfiguration={"Role": role, "Rules": [{
            "ID": "all", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": ""},
            "DeleteMarkerReplication": {"Status": "Disabled"},
            "Destination": {"Bucket": "arn:aws:s3:::bench-replica"}}]})
        row: dict = {"server": "nimbus"}
        for label, size in SIZES.items():
            body, lags, deadline = os.urandom(size), [], time.perf_counter() + seconds
            while len(lags) < 5 or time.perf_counter() < deadline:
                lags.append(_lag(s3, "bench-source", f"{label}/{len(lags)}", body))
            row[f"replication_lag_{label}_median_s"] = statistics.median(lags)
        return [row]
