"""A SQL-1_0 application of the v2 API started at LAST_STOPPED_POINT reads on from where its last run
stopped, after a configuration update and a nimbus restart too (v1's durable checkpoints, kept by
reconfiguring the v1 application its last start made instead of making it anew)."""
from __future__ import annotations

import json
import time

from tests.support import (
    PASSTHROUGH_SQL,
    advance_clock,
    analytics_role,
    error_of,
    make_client,
    read_shard,
    sql_application,
    start_server,
)


def delivered(kinesis, stream: str, count: int) -> list[tuple[str, float]]:
    deadline = time.monotonic() + 10
    while True:
        got = [json.loads(r["Data"]) for r in read_shard(kinesis, stream, "shardId-000000000000")]
        if len(got) >= count or time.monotonic() > deadline:
            return [(row["TICKER"], row["PRICE"]) for row in got]
        time.sleep(0.1)


def put(kinesis, stream: str, ticker: str) -> None:
    kinesis.put_record(StreamName=stream, Data=json.dumps({"ticker": ticker, "price": 1}).encode(), PartitionKey="k")


def start(flink, name: str, position: str) -> None:
    flink.start_application(ApplicationName=name, RunConfiguration={"SqlRunConfigurations": [
        {"InputId": "1.1", "InputStartingPositionConfiguration": {"InputStartingPosition": position}}]})


def test_last_stopped_point_across_an_update_and_a_restart(tmp_path):
    with start_server(tmp_path) as own:
        kinesis, flink = make_client(own.endpoint, "kinesis"), make_client(own.endpoint, "kinesisanalyticsv2")
        role = analytics_role(make_client(own.endpoint, "iam"), "resume")
        name, source, target = sql_application(lambda service: make_client(own.endpoint, service), own.endpoint,
                                               role, PASSTHROUGH_SQL)
        start(flink, name, "NOW")
        advance_clock(own.endpoint, 1.5)
        put(kinesis, source, "A")
        advance_clock(own.endpoint, 1)
        assert delivered(kinesis, target, 1) == [("A", 1.0)]
        flink.stop_application(ApplicationName=name)
        # the run's last batch is still being checkpointed: resuming from it must wait
        resumed_too_soon = error_of(start, flink, name, "LAST_STOPPED_POINT")
        assert resumed_too_soon.code == "ResourceInUseException" and "still stopping" in resumed_too_soon.message
        advance_clock(own.endpoint, 1.5)
        put(kinesis, source, "B")  # while stopped
    with start_server(tmp_path) as again:
        kinesis, flink = make_client(again.endpoint, "kinesis"), make_client(again.endpoint, "kinesisanalyticsv2")
        v1 = make_client(again.endpoint, "kinesisanalytics")
        made = v1.describe_application(ApplicationName=name)["ApplicationDetail"]["CreateTimestamp"]
        flink.update_application(ApplicationName=name, CurrentApplicationVersionId=1, ApplicationConfigurationUpdate={
            "ApplicationCodeConfigurationUpdate": {"CodeContentUpdate": {
                "TextContentUpdate": PASSTHROUGH_SQL.replace('"price" FROM', '"price" * 2 FROM')}}})
        start(flink, name, "LAST_STOPPED_POINT")
        advance_clock(again.endpoint, 1.5)
        # B once, by the new code; A not again
        assert delivered(kinesis, target, 2) == [("A", 1.0), ("B", 2.0)]
        detail = v1.describe_application(ApplicationName=name)["ApplicationDetail"]
        assert detail["CreateTimestamp"] == made and detail["ApplicationStatus"] == "RUNNING"

        # any other position makes the v1 application anew: NOW skips what came while stopped
        flink.stop_application(ApplicationName=name)
        advance_clock(again.endpoint, 1.5)
        put(kinesis, source, "C")
        start(flink, name, "NOW")
        advance_clock(again.endpoint, 1.5)
        put(kinesis, source, "D")
        advance_clock(again.endpoint, 1)
        assert delivered(kinesis, target, 3) == [("A", 1.0), ("B", 2.0), ("D", 2.0)]
