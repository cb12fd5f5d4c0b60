"""AWS's getting-started classic: ticks from a Kinesis stream, a one-minute tumbling average per ticker,
written to a Firehose delivery stream that delivers to S3; and errors to CloudWatch Logs."""
from __future__ import annotations

import json
import time

import pytest

from tests.support import (
    TICK_SCHEMA,
    active_stream,
    advance_clock,
    analytics_role,
    firehose_role,
    flush,
    objects,
    read_shard,
    unique,
)

CODE = """
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), avg_price DOUBLE, ticks INTEGER);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM "ticker", AVG("price"), COUNT(*)
  FROM "SOURCE_SQL_STREAM_001"
  GROUP BY "ticker", FLOOR("SOURCE_SQL_STREAM_001".ROWTIME TO MINUTE);
"""


@pytest.fixture(scope="module")
def role(aws):
    return analytics_role(aws("iam"), "classic")


def poll(check, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while not (got := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return got


def test_tumbling_average_through_firehose_to_s3(aws, endpoint, role):
    kinesis, firehose, s3 = aws("kinesis"), aws("firehose"), aws("s3")
    bucket = unique("classic")
    s3.create_bucket(Bucket=bucket)
    hose = unique("averages")
    firehose.create_delivery_stream(DeliveryStreamName=hose, ExtendedS3DestinationConfiguration={
        "RoleARN": firehose_role(aws("iam")), "BucketARN": f"arn:aws:s3:::{bucket}",
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60}})
    source = active_stream(kinesis, endpoint, "ticks")
    analytics, name = aws("kinesisanalytics"), unique("classic")
    analytics.create_application(
        ApplicationName=name, ApplicationCode=CODE,
        Inputs=[{"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": TICK_SCHEMA, "KinesisStreamsInput": {
            "ResourceARN": kinesis.describe_stream_summary(StreamName=source)["StreamDescriptionSummary"]["StreamARN"],
            "RoleARN": role}}],
        Outputs=[{"Name": "DESTINATION_SQL_STREAM", "DestinationSchema": {"RecordFormatType": "CSV"},
                  "KinesisFirehoseOutput": {"ResourceARN": firehose.describe_delivery_stream(DeliveryStreamName=hose)
                                            ["DeliveryStreamDescription"]["DeliveryStreamARN"], "RoleARN": role}}])
    analytics.start_application(ApplicationName=name, InputConfigurations=[
        {"Id": "1.1", "InputStartingPositionConfiguration": {"InputStartingPosition": "NOW"}}])
    advance_clock(endpoint, 1.5)
    advance_clock(endpoint, 60 - time.time() % 60 + 1)  # early in a minute: two windows, one tick apart
    first = [("AMZN", 84.0), ("AMZN", 86.0), ("WMT", 52.25)]
    second = [("AMZN", 90.0), ("WMT", 50.0), ("WMT", 51.0)]
    for ticks in (first, second):
        kinesis.put_records(StreamName=source, Records=[
            {"Data": json.dumps({"ticker": t, "price": p}).encode(), "PartitionKey": t} for t, p in ticks])
        advance_clock(endpoint, 60)
    advance_clock(endpoint, 1)
    flush(endpoint, 61)
    lines = poll(lambda: len(delivered := b"".join(objects(s3, bucket).values()).decode().splitlines()) >= 4
                 and delivered)
    assert sorted(lines) == sorted(["AMZN,85.0,2", "WMT,52.25,1", "AMZN,90.0,1", "WMT,50.5,2"])


def test_unparseable_records_are_logged(aws, endpoint, role, account):
    kinesis, logs, analytics = aws("kinesis"), aws("logs"), aws("kinesisanalytics")
    group, log_stream = unique("/analytics/"), "errors"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=log_stream)
    source = active_stream(kinesis, endpoint, "ticks")
    name = unique("logged")
    analytics.create_application(
        ApplicationName=name, ApplicationCode=CODE,
        Inputs=[{"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": TICK_SCHEMA, "KinesisStreamsInput": {
            "ResourceARN": kinesis.describe_stream_summary(StreamName=source)["StreamDescriptionSummary"]["StreamARN"],
            "RoleARN": role}}],
        CloudWatchLoggingOptions=[{"RoleARN": role, "LogStreamARN":
                                   f"arn:aws:logs:us-east-1:{account}:log-group:{group}:log-stream:{log_stream}"}])
    analytics.start_application(ApplicationName=name, InputConfigurations=[
        {"Id": "1.1", "InputStartingPositionConfiguration": {"InputStartingPosition": "NOW"}}])
    advance_clock(endpoint, 1.5)
    kinesis.put_record(StreamName=source, Data=b'{"ticker": "AMZN", "price": "cheap"}', PartitionKey="k")
    advance_clock(endpoint, 1)
    events = poll(lambda: logs.get_log_events(logGroupName=group, logStreamName=log_stream)["events"])
    (logged,) = [json.loads(event["message"]) for event in events]
    assert logged["ERROR_NAME"] == "Type_Conversion" and "cheap" in logged["MESSAGE"]
    assert logged["DATA_ROW"] == '{"ticker": "AMZN", "price": "cheap"}'


def test_a_delivery_stream_input_is_read_through_its_kinesis_source(aws, endpoint, role):
    kinesis, firehose, s3, analytics = aws("kinesis"), aws("firehose"), aws("s3"), aws("kinesisanalytics")
    bucket, hose = unique("hose-input"), unique("hose-input")
    s3.create_bucket(Bucket=bucket)
    source, target = active_stream(kinesis, endpoint, "ticks"), active_stream(kinesis, endpoint, "out")
    arns = [kinesis.describe_stream_summary(StreamName=s)["StreamDescriptionSummary"]["StreamARN"]
            for s in (source, target)]
    delivery_role = firehose_role(aws("iam"))
    firehose.create_delivery_stream(
        DeliveryStreamName=hose, DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": arns[0], "RoleARN": delivery_role},
        ExtendedS3DestinationConfiguration={"RoleARN": delivery_role, "BucketARN": f"arn:aws:s3:::{bucket}"})
    name = unique("from-hose")
    analytics.create_application(
        ApplicationName=name, ApplicationCode=CODE.replace("FLOOR(", "STEP(").replace(
            "ROWTIME TO MINUTE", "ROWTIME BY INTERVAL '10' SECOND"),
        Inputs=[{"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": TICK_SCHEMA, "KinesisFirehoseInput": {
            "ResourceARN": firehose.describe_delivery_stream(DeliveryStreamName=hose)["DeliveryStreamDescription"]
            ["DeliveryStreamARN"], "RoleARN": role}}],
        Outputs=[{"Name": "DESTINATION_SQL_STREAM", "DestinationSchema": {"RecordFormatType": "JSON"},
                  "KinesisStreamsOutput": {"ResourceARN": arns[1], "RoleARN": role}}])
    analytics.start_application(ApplicationName=name, InputConfigurations=[
        {"Id": "1.1", "InputStartingPositionConfiguration": {"InputStartingPosition": "TRIM_HORIZON"}}])
    advance_clock(endpoint, 1.5)
    kinesis.put_record(StreamName=source, Data=json.dumps({"ticker": "IBM", "price": 3}).encode(), PartitionKey="k")
    advance_clock(endpoint, 11)
    got = poll(lambda: read_shard(kinesis, target, "shardId-000000000000"))
    assert [json.loads(r["Data"]) for r in got] == [{"TICKER_SYMBOL": "IBM", "AVG_PRICE": 3.0, "TICKS": 1}]
