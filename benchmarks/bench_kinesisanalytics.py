"""Kinesis Data Analytics: records per second through a one-window SQL application, from PutRecords to
the output stream, and the end-to-end latency at half that rate; against a plain Python consumer doing
the same aggregation over the same records (GetRecords, JSON parsing, a count per ticker per second).

The application counts ticks per ticker in one-second tumbling windows (STEP ... INTERVAL '1' SECOND), so a
window closes a second after it opens on the virtual clock, which runs at real speed here.
"""
from __future__ import annotations

import json
import statistics
import threading
import time
from collections import Counter

from benchmarks.harness import running

TICKERS = [f"T{i:02d}" for i in range(10)]
BATCH = [{"Data": json.dumps({"ticker": t, "price": 1.5}).encode(), "PartitionKey": t} for t in TICKERS] * 50
CODE = """
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), ticks INTEGER);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM "ticker", COUNT(*) FROM "SOURCE_SQL_STREAM_001"
  GROUP BY "ticker", STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '1' SECOND);
"""
SCHEMA = {"RecordFormat": {"RecordFormatType": "JSON",
                           "MappingParameters": {"JSONMappingParameters": {"RecordRowPath": "$"}}},
          "RecordEncoding": "UTF-8",
          "RecordColumns": [{"Name": "ticker", "Mapping": "$.ticker", "SqlType": "VARCHAR(4)"},
                            {"Name": "price", "Mapping": "$.price", "SqlType": "REAL"}]}
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "kinesisanalytics.amazonaws.com"}}]}


class Output:
    """Reads the output stream as it grows: ticks counted per ticker."""

    def __init__(self, kinesis, arn: str):
        self.kinesis = kinesis
        shard = kinesis.list_shards(StreamARN=arn)["Shards"][0]["ShardId"]
        self.iterator = kinesis.get_shard_iterator(StreamARN=arn, ShardId=shard,
                                                   ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        self.counts: Counter = Counter()

    def read(self) -> Counter:
        page = self.kinesis.get_records(ShardIterator=self.iterator, Limit=10000)
        self.iterator = page["NextShardIterator"]
        for record in page["Records"]:
            row = json.loads(record["Data"])
            self.counts[row["TICKER"]] += row["TICKS"]
        return self.counts


def streams(kinesis) -> list[str]:
    """The ARNs of two new active streams: ``ticks`` in, ``counts`` out."""
    arns = []
    for name in ("ticks", "counts"):
        kinesis.create_stream(StreamName=name, ShardCount=1)
        while kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"] != "ACTIVE":
            time.sleep(0.05)
        arns.append(kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"])
    return arns


def _setup(target):
    kinesis, analytics, iam = target.client("kinesis"), target.client("kinesisanalytics"), target.client("iam")
    arns = streams(kinesis)
    role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    analytics.create_application(
        ApplicationName="bench", ApplicationCode=CODE,
        Inputs=[{"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": SCHEMA,
                 "KinesisStreamsInput": {"ResourceARN": arns[0], "RoleARN": role}}],
        Outputs=[{"Name": "DESTINATION_SQL_STREAM", "DestinationSchema": {"RecordFormatType": "JSON"},
                  "KinesisStreamsOutput": {"ResourceARN": arns[1], "RoleARN": role}}])
    analytics.start_application(ApplicationName="bench", InputConfigurations=[
        {"Id": "1.1", "InputStartingPositionConfiguration": {"InputStartingPosition": "TRIM_HORIZON"}}])
    while analytics.describe_application(ApplicationName="bench")["ApplicationDetail"]["ApplicationStatus"] \
            != "RUNNING":
        time.sleep(0.05)
    return kinesis, arns


def _throughput(kinesis, arns, output: Output, seconds: float) -> tuple[int, float]:
    sent, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        kinesis.put_records(StreamARN=arns[0], Records=BATCH)
        sent += len(BATCH)
    while sum(output.read().values()) < sent:
        time.sleep(0.05)
    return sent, sent / (time.perf_counter() - start)


def _latency(kinesis, arns, output: Output, per_second: float, seconds: float) -> float:
    """Median time from a probe's PutRecords to its window's count, while load runs at ``per_second``."""
    stop = threading.Event()

    def load():
        while not stop.is_set():
            kinesis.put_records(StreamARN=arns[0], Records=BATCH)
            time.sleep(len(BATCH) / per_second)
    loader = threading.Thread(target=load, daemon=True)
    loader.start()
    latencies, deadline = [], time.perf_counter() + seconds
    try:
        for probe in range(100):
            if probe and time.perf_counter() > deadline:
                break
            ticker = f"P{probe:02d}"
            sent = time.perf_counter()
            kinesis.put_records(StreamARN=arns[0], Records=[
                {"Data": json.dumps({"ticker": ticker, "price": 1}).encode(), "PartitionKey": ticker}])
            while ticker not in output.read():
                time.sleep(0.01)
            latencies.append(time.perf_counter() - sent)
    finally:
        stop.set()
        loader.join()
    return statistics.median(latencies)


def _plain_consumer(kinesis, arn: str, records: int) -> float:
    """Records per second of a Python loop reading the input stream and counting per ticker per second."""
    shard = kinesis.list_shards(StreamARN=arn)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamARN=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"]
    windows: Counter = Counter()
    seen, start = 0, time.perf_counter()
    while seen < records:
        page = kinesis.get_records(ShardIterator=iterator, Limit=10000)
        iterator = page["NextShardIterator"]
        for record in page["Records"]:
            tick = json.loads(record["Data"])
            windows[(tick["ticker"], int(record["ApproximateArrivalTimestamp"].timestamp()))] += 1
        seen += len(page["Records"])
    return seen / (time.perf_counter() - start)


def run(seconds: float = 3.0) -> list[dict]:
    with running("nimbus") as target:
        kinesis, arns = _setup(target)
        output = Output(kinesis, arns[1])
        sent, per_second = _throughput(kinesis, arns, output, seconds)
        latency = _latency(kinesis, arns, output, per_second / 2, seconds)
        plain = _plain_consumer(kinesis, arns[0], sent)
    return [{"server": "nimbus", "records_per_s": per_second, "latency_at_half_rate_s": latency},
            {"server": "python consumer", "records_per_s": plain, "latency_at_half_rate_s": float("nan")}]
