"""Checkpoints survive a restart: LAST_STOPPED_POINT reads on after what was written, NOW skips the rest."""
from __future__ import annotations

import json
import time

from tests.support import (
    PASSTHROUGH_SQL,
    TICK_SCHEMA,
    active_stream,
    advance_clock,
    analytics_role,
    make_client,
    read_shard,
    start_server,
    unique,
)


def tickers(kinesis, stream: str, count: int) -> list[str]:
    deadline = time.monotonic() + 10
    while True:
        got = [json.loads(r["Data"])["TICKER"] for r in read_shard(kinesis, stream, "shardId-000000000000")]
        if len(got) >= count or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def start(endpoint: str, name: str, position: str) -> None:
    make_client(endpoint, "kinesisanalytics").start_application(ApplicationName=name, InputConfigurations=[
        {"Id": "1.1", "InputStartingPositionConfiguration": {"InputStartingPosition": position}}])
    advance_clock(endpoint, 1.5)


def put(kinesis, stream: str, ticker: str) -> None:
    kinesis.put_record(StreamName=stream, Data=json.dumps({"ticker": ticker, "price": 1}).encode(), PartitionKey="k")


def test_last_stopped_point_after_a_restart(tmp_path):
    name = unique("durable")
    with start_server(tmp_path) as own:
        kinesis = make_client(own.endpoint, "kinesis")
        role = analytics_role(make_client(own.endpoint, "iam"), "durable")
        source, target = active_stream(kinesis, own.endpoint, "in"), active_stream(kinesis, own.endpoint, "out")
        arns = [kinesis.describe_stream_summary(StreamName=s)["StreamDescriptionSummary"]["StreamARN"]
                for s in (source, target)]
        make_client(own.endpoint, "kinesisanalytics").create_application(
            ApplicationName=name, ApplicationCode=PASSTHROUGH_SQL,
            Inputs=[{"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": TICK_SCHEMA,
                     "KinesisStreamsInput": {"ResourceARN": arns[0], "RoleARN": role}}],
            Outputs=[{"Name": "DESTINATION_SQL_STREAM", "DestinationSchema": {"RecordFormatType": "JSON"},
                      "KinesisStreamsOutput": {"ResourceARN": arns[1], "RoleARN": role}}])
        start(own.endpoint, name, "NOW")
        put(kinesis, source, "A")
        advance_clock(own.endpoint, 1)
        assert tickers(kinesis, target, 1) == ["A"]
        make_client(own.endpoint, "kinesisanalytics").stop_application(ApplicationName=name)
        advance_clock(own.endpoint, 1.5)
        put(kinesis, source, "B")  # while stopped
    with start_server(tmp_path) as again:
        kinesis = make_client(again.endpoint, "kinesis")
        start(again.endpoint, name, "LAST_STOPPED_POINT")
        advance_clock(again.endpoint, 1)
        assert tickers(kinesis, target, 2) == ["A", "B"]  # B once, A not again
        make_client(again.endpoint, "kinesisanalytics").stop_application(ApplicationName=name)
        advance_clock(again.endpoint, 1.5)
        put(kinesis, source, "C")  # while stopped: NOW skips it
        start(again.endpoint, name, "NOW")
        put(kinesis, source, "D")
        advance_clock(again.endpoint, 1)
        assert tickers(kinesis, target, 3) == ["A", "B", "D"]
