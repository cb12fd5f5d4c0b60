"""The request path under concurrent load: calls/s and server CPU per call for small calls (STS
GetCallerIdentity, KMS Encrypt 64 B, S3 GetObject 4 KiB, Kinesis PutRecord 1 KiB), nimbus vs moto vs the
trivial server (the same web-server layer answering a fixed response: the ceiling of any Python server
here), the latter under uvicorn and under granian.

CPU per call (the server process's user + system time over the calls it answered) is the honest measure
on a shared machine; calls/s moves with whatever else runs.
"""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from benchmarks.harness import Target, free_port, running
from benchmarks.load import RawRequest, capacity, signed

JSON_11 = "application/x-amz-json-1.1"
SERVERS = os.environ.get("REQUEST_PATH_SERVERS", "nimbus,moto,trivial-uvicorn,trivial-granian").split(",")


def _requests(target: Target) -> dict[str, RawRequest]:
    """One signed request per operation, with what it needs created first."""
    kms, s3, kinesis = target.client("kms"), target.client("s3"), target.client("kinesis")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    s3.create_bucket(Bucket="bench")
    s3.put_object(Bucket="bench", Key="small", Body=b"s" * 4096)
    kinesis.create_stream(StreamName="bench", ShardCount=1)
    for _ in range(200):
        if kinesis.describe_stream_summary(StreamName="bench")["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
            break
        time.sleep(0.05)
    batch = [{"Data": b"g" * 1024, "PartitionKey": str(i)} for i in range(500)]
    for _ in range(2):
        kinesis.put_records(StreamName="bench", Records=batch)
    iterator = kinesis.get_shard_iterator(StreamName="bench", ShardId="shardId-000000000000",
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    end = target.endpoint
    return {
        "GetCallerIdentity": signed(end, "sts", body=b"Action=GetCallerIdentity&Version=2011-06-15",
                                    headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}),
        "Encrypt_64B": signed(end, "kms", body=json.dumps({"KeyId": key, "Plaintext": base64.b64encode(
            b"p" * 64).decode()}).encode(), headers={"Content-Type": JSON_11, "X-Amz-Target": "TrentService.Encrypt"}),
        "GetObject_4KiB": signed(end, "s3", method="GET", path="/bench/small"),
        "PutRecord_1KiB": signed(end, "kinesis", body=json.dumps({
            "StreamName": "bench", "PartitionKey": "k", "Data": base64.b64encode(b"r" * 1024).decode()}).encode(),
            headers={"Content-Type": JSON_11, "X-Amz-Target": "Kinesis_20131202.PutRecord"}),
        # Durable ingest: 500 KiB of records per call (multiply calls/s by 0.512 for MB/s).
        "PutRecords_500x1KiB": signed(end, "kinesis", body=json.dumps({"StreamName": "bench", "Records": [
            {"Data": base64.b64encode(b"r" * 1024).decode(), "PartitionKey": str(i)} for i in range(500)]}).encode(),
            headers={"Content-Type": JSON_11, "X-Amz-Target": "Kinesis_20131202.PutRecords"}),
        # The same iterator every time: the first 1,000 records of the shard, 1 KiB each.
        "GetRecords_1000": signed(end, "kinesis", body=json.dumps({"ShardIterator": iterator, "Limit": 1000}).encode(),
                                  headers={"Content-Type": JSON_11, "X-Amz-Target": "Kinesis_20131202.GetRecords"}),
    }


@contextmanager
def trivial(server: str) -> Iterator[Target]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "benchmarks.trivial_server", str(port), server],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        target = Target(f"trivial-{server}", f"http://127.0.0.1:{port}", process.pid, 0.0)
        deadline = time.perf_counter() + 30
        while True:
            try:  # any answer will do: the fixed one is no STS response botocore would parse
                urllib.request.urlopen(target.endpoint, timeout=1).read()
                break
            except Exception:
                if time.perf_counter() > deadline or process.poll() is not None:
                    raise RuntimeError(f"the trivial {server} server did not start") from None
                time.sleep(0.05)
        yield target
    finally:
        process.terminate()
        process.wait(timeout=10)


def _row(target: Target, requests: dict[str, RawRequest], seconds: float) -> dict:
    row: dict = {"server": target.name}
    for name, request in requests.items():
        measured = capacity(target.endpoint, target.pid, request, seconds)
        row[f"{name}_per_s"] = measured.per_s
        row[f"{name}_cpu_ms_per_call"] = measured.cpu_ms_per_call
    return row


def run(seconds: float) -> list[dict]:
    rows = []
    for name in ("nimbus", "moto"):
        if name in SERVERS:
            with running(name) as target:
                rows.append(_row(target, _requests(target), seconds))
    for server in ("uvicorn", "granian"):
        if f"trivial-{server}" not in SERVERS:
            continue
        with trivial(server) as target:
            # Any request gets the fixed answer: each operation's request measures only its bytes on the wire.
            rows.append(_row(target, {name: request for name, request in _requests_for_trivial(target).items()},
                             seconds))
    return rows


GET_RECORDS_BYTES = 1_521_935


def _requests_for_trivial(target: Target) -> dict[str, RawRequest]:
    end = target.endpoint
    return {name: signed(end, service, method=method, path=path, body=body, headers=headers)
            for name, (service, method, path, body, headers) in {
                "GetCallerIdentity": ("sts", "POST", "/", b"Action=GetCallerIdentity&Version=2011-06-15", {}),
                "Encrypt_64B": ("kms", "POST", "/", b"x" * 150, {"X-Amz-Target": "TrentService.Encrypt"}),
                "GetObject_4KiB": ("s3", "GET", "/bench/small", b"", {}),
                "PutRecord_1KiB": ("kinesis", "POST", "/", b"x" * 1450, {}),
                "PutRecords_500x1KiB": ("kinesis", "POST", "/", b"x" * 703_000, {}),
                # Asks for an answer of the size of nimbus's to GetRecords of 1,000 records of 1 KiB.
                "GetRecords_1000": ("kinesis", "POST", "/", b"x" * 250, {"X-Answer-Bytes": str(GET_RECORDS_BYTES)}),
            }.items()}
