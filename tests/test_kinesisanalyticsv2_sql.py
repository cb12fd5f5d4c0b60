"""A SQL-1_0 application of the v2 API really runs its SQL: v1's continuous engine, as the v1 application
of its name, reading and writing as the ServiceExecutionRole."""
from __future__ import annotations

import json
import time

import pytest

from tests.support import advance_clock, analytics_role, error_of, read_shard, sql_application, unique

TUMBLING = """
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), ticker_count INTEGER, avg_price REAL);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM "ticker", COUNT(*), AVG("price") FROM "SOURCE_SQL_STREAM_001"
  GROUP BY "ticker", STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '60' SECOND);
"""


@pytest.fixture(scope="module")
def role(aws):
    return analytics_role(aws("iam"), unique("sql-v2"))


def test_a_tumbling_window_runs_on_v1s_engine(aws, endpoint, role):
    kinesis, flink = aws("kinesis"), aws("kinesisanalyticsv2")
    name, source, target = sql_application(aws, endpoint, role, TUMBLING)
    flink.start_application(ApplicationName=name, RunConfiguration={"SqlRunConfigurations": [
        {"InputId": "1.1", "InputStartingPositionConfiguration": {"InputStartingPosition": "NOW"}}]})
    assert flink.describe_application(ApplicationName=name)["ApplicationDetail"]["ApplicationStatus"] == "RUNNING"
    advance_clock(endpoint, 1.5)  # v1's STARTING settles
    kinesis.put_records(StreamName=source, Records=[
        {"Data": json.dumps({"ticker": t, "price": p}).encode(), "PartitionKey": t}
        for t, p in (("AMZN", 10), ("AMZN", 20), ("WMT", 5))])
    deadline = time.monotonic() + 20
    got: list[dict] = []
    while len(got) < 2 and time.monotonic() < deadline:
        advance_clock(endpoint, 61)
        got = [json.loads(record["Data"]) for record in read_shard(kinesis, target, "shardId-000000000000")]
    assert sorted(got, key=lambda r: r["TICKER"]) == [
        {"TICKER": "AMZN", "TICKER_COUNT": 2, "AVG_PRICE": 15.0},
        {"TICKER": "WMT", "TICKER_COUNT": 1, "AVG_PRICE": 5.0}]

    # an update of the running application runs its new code at once
    doubled = TUMBLING.replace('COUNT(*)', 'COUNT(*) * 2')
    flink.update_application(ApplicationName=name, CurrentApplicationVersionId=1, ApplicationConfigurationUpdate={
        "ApplicationCodeConfigurationUpdate": {"CodeContentUpdate": {"TextContentUpdate": doubled}}})
    assert flink.describe_application(ApplicationName=name)["ApplicationDetail"]["ApplicationStatus"] == "RUNNING"
    advance_clock(endpoint, 1.5)
    kinesis.put_records(StreamName=source, Records=[
        {"Data": json.dumps({"ticker": "IBM", "price": 3}).encode(), "PartitionKey": "IBM"}])
    deadline = time.monotonic() + 20
    while len(got) < 3 and time.monotonic() < deadline:
        advance_clock(endpoint, 61)
        got = [json.loads(record["Data"]) for record in read_shard(kinesis, target, "shardId-000000000000")]
    assert got[2:] == [{"TICKER": "IBM", "TICKER_COUNT": 2, "AVG_PRICE": 3.0}]

    flink.stop_application(ApplicationName=name)
    assert aws("kinesisanalytics").describe_application(ApplicationName=name)["ApplicationDetail"][
        "ApplicationStatus"] in ("STOPPING", "READY")
    created = flink.describe_application(ApplicationName=name)["ApplicationDetail"]["CreateTimestamp"]
    flink.delete_application(ApplicationName=name, CreateTimestamp=created)
    assert error_of(aws("kinesisanalytics").describe_application, ApplicationName=name).code == \
        "ResourceNotFoundException"


def test_invalid_sql_fails_the_start_with_v1s_error(aws, endpoint, role):
    flink = aws("kinesisanalyticsv2")
    name, _, _ = sql_application(aws, endpoint, role, 'CREATE OR REPLACE PUMP "P" AS INSERT INTO "NOWHERE" SELECT')
    failed = error_of(flink.start_application, ApplicationName=name)
    assert failed.code == "InvalidApplicationConfigurationException" and "(at line 1, column 53)" in failed.message
    assert flink.describe_application(ApplicationName=name)["ApplicationDetail"]["ApplicationStatus"] == "READY"


def test_a_v1_application_of_the_same_name_is_left_alone(aws, endpoint, role):
    flink = aws("kinesisanalyticsv2")
    name, _, _ = sql_application(aws, endpoint, role, TUMBLING)
    aws("kinesisanalytics").create_application(ApplicationName=name)
    assert error_of(flink.start_application, ApplicationName=name).code == "InvalidApplicationConfigurationException"
    assert aws("kinesisanalytics").describe_application(ApplicationName=name)["ApplicationDetail"]["ApplicationName"] \
        == name
