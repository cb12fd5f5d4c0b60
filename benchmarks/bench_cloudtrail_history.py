"""CloudTrail history at scale: a fresh nimbus against one holding a million events in its history, with
moto's rate for reference (moto keeps no real history).

Metrics: KMS Encrypt calls/s from one client (every call is recorded and indexed) and under concurrent
load (bench_kms's capacity), and the median time of a LookupEvents that matches nothing and of one that
returns a full page of 50. The history is filled before the server starts, in-process through the
recorder's own code (history_loader.py), because a million calls over HTTP would take hours.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

from botocore.exceptions import ClientError

from benchmarks.bench_kms import encrypt_capacity
from benchmarks.harness import rate, running
from benchmarks.history_loader import fill

EVENTS = 1_000_000
LOOKUP_SAMPLES = 21
PLAINTEXT = b"x" * 1024


def lookup_ms(ct, name: str, expected: int) -> float:
    """Median milliseconds of a LookupEvents by event name; nan if the server cannot answer it."""
    samples = []
    for _ in range(LOOKUP_SAMPLES):
        start = time.perf_counter()
        try:
            events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}],
                                      MaxResults=50)["Events"]
        except ClientError:
            return float("nan")
        samples.append((time.perf_counter() - start) * 1000)
        if len(events) != expected:
            return float("nan")  # an answer that is wrong has no speed worth reporting
    return statistics.median(samples)


def measure(target, seconds: float) -> dict:
    kms, ct = target.client("kms"), target.client("cloudtrail")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    row = {"server": target.name, "startup_s": target.startup_seconds,
           "Encrypt_per_s": rate(lambda: kms.encrypt(KeyId=key, Plaintext=PLAINTEXT), seconds),
           "Encrypt_capacity_per_s": encrypt_capacity(target, key, seconds)}
    row["lookup_nothing_ms"] = lookup_ms(ct, "NoSuchOperation", 0)
    row["lookup_page_of_50_ms"] = lookup_ms(ct, "Encrypt", 50)
    return row


def run(seconds: float) -> list[dict]:
    rows = []
    with running("nimbus") as target:
        rows.append(measure(target, seconds))
    with tempfile.TemporaryDirectory() as data_dir:
        seconds_to_fill = fill(data_dir, EVENTS)
        size = sum(os.path.getsize(os.path.join(data_dir, f)) for f in os.listdir(data_dir)) / 2 ** 20
        print(f"history: {EVENTS} events written in {seconds_to_fill:.0f} s, {size:.0f} MiB", file=sys.stderr)
        with running("nimbus", data_dir) as target:
            target.name = f"nimbus_{EVENTS // 1000}k_events"
            rows.append(measure(target, seconds))
    with running("moto") as target:
        rows.append(measure(target, seconds))
    return rows
