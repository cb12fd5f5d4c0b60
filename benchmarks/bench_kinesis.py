"""Kinesis Data Streams: nimbus vs moto's server vs kinesalite (npm), driven by the same boto3 calls.

- ``PutRecords`` ingest, 500 records of 1 KiB per call: records/s and MB/s;
- ``GetRecords`` catch-up read (TRIM_HORIZON to the tip, Limit 10000) of ``KINESIS_BENCH_RECORDS`` records
  (default 50,000: moto's reads slow down with the shard's length, and 200,000 records took it over
  10 minutes; the issue's target is 1,000,000: ``KINESIS_BENCH_RECORDS=1000000
  KINESIS_BENCH_SERVERS=nimbus,kinesalite python -m benchmarks.run kinesis``);
- ``PutRecord`` single-call rate.

kinesalite is pinned by ``benchmarks/kinesalite/package-lock.json`` and installed there with ``npm ci``
(``make bench-deps``, or by this benchmark when missing); it runs in memory (its default); moto keeps records in memory; nimbus writes them to its shard logs.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.harness import Target, free_port, rate, running

HERE = Path(__file__).resolve().parent
KINESALITE = HERE / "kinesalite"
RECORD = b"r" * 1024
CATCHUP_RECORDS = int(os.environ.get("KINESIS_BENCH_RECORDS", "50000"))
SERVERS = os.environ.get("KINESIS_BENCH_SERVERS", "nimbus,moto,kinesalite").split(",")


def _install_kinesalite() -> Path:
    cli = KINESALITE / "node_modules" / "kinesalite" / "cli.js"
    if not cli.exists():
        subprocess.run(["npm", "ci", "--silent", "--no-audit", "--no-fund"], cwd=KINESALITE, check=True,
                       stdout=subprocess.DEVNULL)
    return cli


@contextmanager
def kinesalite() -> Iterator[Target]:
    cli = _install_kinesalite()
    port = free_port()
    start = time.perf_counter()
    process = subprocess.Popen(["node", str(cli), "--port", str(port), "--createStreamMs", "0", "--deleteStreamMs",
                                "0", "--updateStreamMs", "0", "--shardLimit", "1000"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        target = Target("kinesalite", f"http://127.0.0.1:{port}", process.pid, 0.0)
        client = target.client("kinesis")
        while True:
            try:
                client.list_streams()
                break
            except Exception:
                if time.perf_counter() - start > 60 or process.poll() is not None:
                    raise RuntimeError("kinesalite did not start") from None
                time.sleep(0.05)
        target.startup_seconds = time.perf_counter() - start
        yield target
    finally:
        process.terminate()
        process.wait(timeout=10)


def _stream(kinesis, name: str, shards: int) -> None:
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    for _ in range(600):
        if kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
            return
        time.sleep(0.05)
    raise RuntimeError(f"stream {name} never became ACTIVE")


def _catch_up(kinesis, count: int) -> float:
    """Records/s of reading ``count`` records of one shard from TRIM_HORIZON with GetRecords."""
    _stream(kinesis, "catchup", 1)
    batch = [{"Data": RECORD, "PartitionKey": "k"}] * 500
    for _ in range(count // 500):
        assert kinesis.put_records(StreamName="catchup", Records=batch)["FailedRecordCount"] == 0
    iterator = kinesis.get_shard_iterator(StreamName="catchup", ShardId="shardId-000000000000",
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    read, start = 0, time.perf_counter()
    while read < count and iterator:
        page = kinesis.get_records(ShardIterator=iterator, Limit=10000)
        read += len(page["Records"])
        iterator = page.get("NextShardIterator")
    elapsed = time.perf_counter() - start
    assert read == count, f"read {read} of {count}"
    return count / elapsed


def _measure(target: Target, seconds: float) -> dict:
    kinesis = target.client("kinesis")
    _stream(kinesis, "ingest", 4)
    counter = iter(range(10 ** 9))
    batch = lambda: [{"Data": RECORD, "PartitionKey": str(next(counter))} for _ in range(500)]  # noqa: E731
    put_records = rate(lambda: kinesis.put_records(StreamName="ingest", Records=batch()), seconds, warmup=3)
    put_record = rate(lambda: kinesis.put_record(StreamName="ingest", Data=RECORD, PartitionKey=str(next(counter))),
                      seconds, warmup=20)
    return {
        "server": target.name,
        "PutRecords_records_per_s": put_records * 500,
        "PutRecords_MB_per_s": put_records * 500 * len(RECORD) / 1e6,
        "PutRecord_per_s": put_record,
        f"GetRecords_catchup_{CATCHUP_RECORDS}_records_per_s": _catch_up(kinesis, CATCHUP_RECORDS),
        "rss_after_mib": target.rss_mib(),
    }


def run(seconds: float) -> list[dict]:
    rows = []
    for name in ("nimbus", "moto"):
        if name in SERVERS:
            with running(name) as target:
                rows.append(_measure(target, seconds))
    if "kinesalite" in SERVERS and shutil.which("node") and shutil.which("npm"):
        with kinesalite() as target:
            rows.append(_measure(target, seconds))
    return rows
