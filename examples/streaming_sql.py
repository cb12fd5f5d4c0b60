"""Analyze streaming data in real time with standard SQL, step by step, against a running nimbus.

From the analytics notes: Kinesis Data Analytics runs SQL continuously over a stream. Here stock ticks
go into a Kinesis stream; a SQL application counts them per ticker in one-minute tumbling windows and
writes each window's counts to another stream. nimbus's windows close on its virtual clock, which the
example moves forward (POST /_nimbus/clock) instead of waiting a minute.

Run:  AWS_ENDPOINT_URL=http://localhost:4566 python examples/streaming_sql.py
"""
from __future__ import annotations

import json
import os
import urllib.request
import uuid

from common import clients, wait_for

TICKS = [("AMZN", 84.5), ("AMZN", 85.1), ("WMT", 52.0), ("AMZN", 86.0), ("IBM", 120.2), ("WMT", 52.4)]
CODE = """
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), ticker_count INTEGER);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM "ticker_symbol", COUNT(*) AS ticker_count
  FROM "SOURCE_SQL_STREAM_001"
  GROUP BY "ticker_symbol", STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '60' SECOND);
"""


def advance_clock(seconds: float) -> float:
    """Move nimbus's virtual clock forward; returns its time (epoch seconds)."""
    request = urllib.request.Request(f"{os.environ['AWS_ENDPOINT_URL']}/_nimbus/clock", method="POST",
                                     data=json.dumps({"advance_seconds": seconds}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as reply:
        return json.loads(reply.read())["epoch"]


def new_stream(kinesis, name: str) -> str:
    kinesis.create_stream(StreamName=name, ShardCount=1)
    wait_for(f"{name} ACTIVE", lambda: kinesis.describe_stream_summary(StreamName=name)
             ["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE")
    return kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]


def analytics_role(iam) -> str:
    """The role the application reads and writes as: it trusts kinesisanalytics.amazonaws.com."""
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "kinesisanalytics.amazonaws.com"}}]}
    name = f"analytics-{uuid.uuid4().hex[:8]}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="streams", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
            "kinesis:ListShards", "kinesis:GetShardIterator", "kinesis:GetRecords", "kinesis:PutRecords"]}]}))
    return arn


def main() -> dict:
    aws = clients()
    kinesis, analytics = aws("kinesis"), aws("kinesisanalytics")
    suffix = uuid.uuid4().hex[:8]

    print("1. Two streams: stock ticks in, counts per ticker out")
    ticks_arn, counts_arn = new_stream(kinesis, f"ticks-{suffix}"), new_stream(kinesis, f"counts-{suffix}")
    role = analytics_role(aws("iam"))

    print("2. A first tick, and the schema Kinesis Analytics discovers from it")
    now = advance_clock(0)
    advance_clock(60 - now % 60 + 1)  # early in a minute, so every tick falls in one window
    send = [{"Data": json.dumps({"ticker_symbol": t, "price": p}).encode(), "PartitionKey": t} for t, p in TICKS]
    kinesis.put_records(StreamARN=ticks_arn, Records=send[:1])
    schema = analytics.discover_input_schema(ResourceARN=ticks_arn, RoleARN=role, InputStartingPositionConfiguration={
        "InputStartingPosition": "TRIM_HORIZON"})["InputSchema"]
    print("   columns:", [(c["Name"], c["SqlType"]) for c in schema["RecordColumns"]])

    print("3. The SQL application: a one-minute tumbling count per ticker")
    name = f"ticker-counts-{suffix}"
    analytics.create_application(
        ApplicationName=name, ApplicationCode=CODE,
        Inputs=[{"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": schema,
                 "KinesisStreamsInput": {"ResourceARN": ticks_arn, "RoleARN": role}}],
        Outputs=[{"Name": "DESTINATION_SQL_STREAM", "DestinationSchema": {"RecordFormatType": "JSON"},
                  "KinesisStreamsOutput": {"ResourceARN": counts_arn, "RoleARN": role}}])
    analytics.start_application(ApplicationName=name, InputConfigurations=[
        {"Id": "1.1", "InputStartingPositionConfiguration": {"InputStartingPosition": "TRIM_HORIZON"}}])

    print("4. The rest of the ticks, within the same minute")
    kinesis.put_records(StreamARN=ticks_arn, Records=send[1:])
    advance_clock(1)
    status = analytics.describe_application(ApplicationName=name)["ApplicationDetail"]["ApplicationStatus"]
    print("   application", status)

    print("5. A minute later the window closes and its counts are written")
    advance_clock(60)
    shard = kinesis.list_shards(StreamARN=counts_arn)["Shards"][0]["ShardId"]

    def counts():
        iterator = kinesis.get_shard_iterator(StreamARN=counts_arn, ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        return [json.loads(r["Data"]) for r in kinesis.get_records(ShardIterator=iterator)["Records"]]
    rows = wait_for("the window's counts", counts)
    per_ticker = {row["TICKER_SYMBOL"]: row["TICKER_COUNT"] for row in rows}
    print("   counts:", per_ticker)

    analytics.stop_application(ApplicationName=name)
    return {"status": status, "counts": per_ticker, "columns": [c["Name"] for c in schema["RecordColumns"]]}


if __name__ == "__main__":
    main()
