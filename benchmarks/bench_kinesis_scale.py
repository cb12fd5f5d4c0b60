"""Kinesis with a million records: a one-shard stream holding 1,000 records against one holding 1,000,000
(``KINESIS_SCALE_RECORDS``, 100 B each, written by PutRecords of 500 through HTTP: about a minute), one boto3
client. Goal (issue 19): rates with a million stored records within 10% of a fresh server's.

Metrics (calls/s): PutRecord of 100 B, and GetShardIterator followed by a GetRecords of up to 100 records at
TRIM_HORIZON (the oldest records), LATEST (none) and AT_SEQUENCE_NUMBER of the stream's middle record. Both
servers run at once and each metric alternates between them (benchmarks/scale_rounds.py: medians of rounds in
flipped order, with the server's CPU per call beside each rate).
"""
from __future__ import annotations

import os
import sys
import time

from benchmarks.harness import running
from benchmarks.scale_rounds import compared

FRESH = 1000
FULL = int(os.environ.get("KINESIS_SCALE_RECORDS", "1000000"))
BATCH = 500
DATA = b"r" * 100


def _fill(kinesis, count: int) -> str:
    """Write ``count`` records; returns the sequence number of the middle one."""
    began, middle = time.perf_counter(), ""
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        answer = kinesis.put_records(StreamName="scale", Records=[
            {"Data": DATA, "PartitionKey": str(number)} for number in range(size)])
        if start <= count // 2 < start + size:
            middle = answer["Records"][count // 2 - start]["SequenceNumber"]
    print(f"kinesis scale: {count} records written in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    return middle


def _calls(kinesis, count: int) -> dict:
    """A stream of ``count`` records, and the measured calls against it by metric."""
    kinesis.create_stream(StreamName="scale", ShardCount=1)
    kinesis.get_waiter("stream_exists").wait(StreamName="scale", WaiterConfig={"Delay": 0.1})
    middle = _fill(kinesis, count)

    def read(kind: str, **where) -> None:
        iterator = kinesis.get_shard_iterator(StreamName="scale", ShardId="shardId-000000000000",
                                              ShardIteratorType=kind, **where)["ShardIterator"]
        kinesis.get_records(ShardIterator=iterator, Limit=100)

    return {
        "PutRecord_100B_per_s": lambda: kinesis.put_record(StreamName="scale", Data=DATA, PartitionKey="k"),
        "GetRecords_TRIM_HORIZON_per_s": lambda: read("TRIM_HORIZON"),
        "GetRecords_LATEST_per_s": lambda: read("LATEST"),
        "GetRecords_AT_SEQUENCE_NUMBER_middle_per_s": lambda: read("AT_SEQUENCE_NUMBER",
                                                                   StartingSequenceNumber=middle),
    }


def run(seconds: float) -> list[dict]:
    with running("nimbus") as fresh, running("nimbus") as full:
        return compared({"nimbus": (fresh.pid, _calls(fresh.client("kinesis"), FRESH)),
                         f"nimbus_{FULL}_records": (full.pid, _calls(full.client("kinesis"), FULL))}, seconds)
