"""SQL applications really run: records from a Kinesis stream through pumps and windows to outputs."""
from __future__ import annotations

import json
import time

import pytest

from tests.support import (
    TICK_SCHEMA,
    active_stream,
    advance_clock,
    analytics_role,
    error_of,
    read_shard,
    running_sql_application,
    unique,
    virtual_now,
)

TUMBLING = """
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), ticker_count INTEGER, avg_price REAL);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM "ticker", COUNT(*), AVG("price")
  FROM "SOURCE_SQL_STREAM_001"
  GROUP BY "ticker", STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '60' SECOND);
"""
FILTER = """
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), price REAL);
-- only the expensive ones; a comment; with a semicolon
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM UPPER("ticker"), "price" * 2 FROM "SOURCE_SQL_STREAM_001"
  WHERE "price" > 10 AND TSDIFF(ROWTIME, APPROXIMATE_ARRIVAL_TIME) = 0;
"""


@pytest.fixture(scope="module")
def role(aws):
    return analytics_role(aws("iam"), "runner")


def stream_arn(kinesis, name: str) -> str:
    return kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]


def output_records(kinesis, name: str) -> list[dict]:
    return [json.loads(record["Data"]) for record in read_shard(kinesis, name, "shardId-000000000000")]


def wait_for(check, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while True:
        got = check()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def running_app(aws, endpoint, role, code: str, position: str = "NOW") -> tuple[str, str, str]:
    return running_sql_application(aws, endpoint, role, code, position=position)


def put(kinesis, stream: str, *ticks: tuple[str, float]) -> None:
    kinesis.put_records(StreamName=stream, Records=[
        {"Data": json.dumps({"ticker": t, "price": p}).encode(), "PartitionKey": t} for t, p in ticks])


def test_projection_and_filter(aws, endpoint, role):
    kinesis = aws("kinesis")
    _, source, target = running_app(aws, endpoint, role, FILTER)
    put(kinesis, source, ("amzn", 20), ("wmt", 5), ("ibm", 11.5))
    advance_clock(endpoint, 1)
    assert wait_for(lambda: len(output_records(kinesis, target)) >= 2) and \
        output_records(kinesis, target) == [{"TICKER": "AMZN", "PRICE": 40.0}, {"TICKER": "IBM", "PRICE": 23.0}]


def test_a_tumbling_window_emits_when_the_clock_passes_its_end(aws, endpoint, role):
    kinesis = aws("kinesis")
    _, source, target = running_app(aws, endpoint, role, TUMBLING)
    # Early in a window of the virtual clock (which earlier tests moved by any amount), so the puts share it.
    advance_clock(endpoint, 60 - virtual_now(endpoint).timestamp() % 60 + 1)
    put(kinesis, source, ("AMZN", 10), ("AMZN", 20), ("WMT", 5))
    advance_clock(endpoint, 1)
    assert output_records(kinesis, target) == []  # the window is still open
    advance_clock(endpoint, 60)
    got = wait_for(lambda: output_records(kinesis, target))
    assert sorted(got, key=lambda r: r["TICKER"]) == [
        {"TICKER": "AMZN", "TICKER_COUNT": 2, "AVG_PRICE": 15.0},
        {"TICKER": "WMT", "TICKER_COUNT": 1, "AVG_PRICE": 5.0}]


def test_unsupported_and_invalid_code(aws, endpoint, role):
    kinesis, analytics = aws("kinesis"), aws("kinesisanalytics")
    source = active_stream(kinesis, endpoint, "in")
    inputs = [{"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": TICK_SCHEMA,
               "KinesisStreamsInput": {"ResourceARN": stream_arn(kinesis, source), "RoleARN": role}}]
    for code, words in [
        ("SELEC 1;", "line 1, column 1"),
        ('CREATE STREAM "D" (a INTEGER);\nCREATE PUMP "P" AS INSERT INTO "D" SELECT STREAM 1 FROM "NOPE";',
         "NOPE"),
        ('CREATE STREAM "D" (a INTEGER);\nCREATE PUMP "P" AS INSERT INTO "D" SELECT STREAM COUNT(*) '
         'FROM "SOURCE_SQL_STREAM_001" GROUP BY "ticker";', "window on ROWTIME"),
        ('CREATE STREAM "D" (a INTEGER);\nCREATE PUMP "P" AS INSERT INTO "D" SELECT STREAM COUNT(*) OVER W '
         'FROM "SOURCE_SQL_STREAM_001" WINDOW W AS (ROWS 10 PRECEDING);', "not supported"),
        ('CREATE STREAM "D" (a INTEGER);\nCREATE PUMP "P" AS INSERT INTO "D" SELECT STREAM "ticker" '
         'FROM "SOURCE_SQL_STREAM_001" JOIN "X" ON TRUE;', "line 2, column"),
        ('CREATE STREAM "D" (a VARCHAR(8));\nCREATE PUMP "P" AS INSERT INTO "D" SELECT STREAM column0 '
         'FROM "SOURCE_SQL_STREAM_001", read_csv(\'/etc/passwd\');', "not supported"),
        ('CREATE STREAM "D" (a VARCHAR(8));\nCREATE PUMP "P" AS INSERT INTO "D" SELECT STREAM '
         '(SELECT max(column0) FROM read_csv(\'/etc/passwd\')) FROM "SOURCE_SQL_STREAM_001";', "subqueries are not supported"),
    ]:
        error = error_of(analytics.create_application, ApplicationName=unique("bad"), ApplicationCode=code,
                         Inputs=inputs)
        assert error.code == "CodeValidationException" and words in error.message, (code, error.message)


def test_unparseable_records_go_to_the_error_stream(aws, endpoint, role):
    kinesis = aws("kinesis")
    code = FILTER + """
CREATE OR REPLACE STREAM "ERRORS" (message VARCHAR(4096), data_row VARCHAR(49152));
CREATE OR REPLACE PUMP "ERROR_PUMP" AS INSERT INTO "ERRORS" SELECT STREAM MESSAGE, DATA_ROW FROM "error_stream";
"""
    name, source, target = running_app(aws, endpoint, role, code)
    analytics = aws("kinesisanalytics")
    errors_out = active_stream(kinesis, endpoint, "errors")
    analytics.add_application_output(ApplicationName=name, CurrentApplicationVersionId=1, Output={
        "Name": "ERRORS", "DestinationSchema": {"RecordFormatType": "CSV"},
        "KinesisStreamsOutput": {"ResourceARN": stream_arn(kinesis, errors_out), "RoleARN": role}})
    kinesis.put_record(StreamName=source, Data=b'{"ticker": "TOOLONG", "price": 1}', PartitionKey="x")
    kinesis.put_record(StreamName=source, Data=b'not json', PartitionKey="x")
    advance_clock(endpoint, 1)
    got = wait_for(lambda: read_shard(kinesis, errors_out, "shardId-000000000000"))
    lines = [record["Data"].decode() for record in got]
    assert len(lines) == 2 and "longer than VARCHAR(4)" in lines[0] and lines[1].endswith(",not json\n")


def test_a_sliding_window_aggregates_each_row_over_the_range_before_it(aws, endpoint, role):
    kinesis = aws("kinesis")
    code = """
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), moving_avg REAL, moving_count INTEGER);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM "ticker", AVG("price") OVER W1, COUNT(*) OVER W1
  FROM "SOURCE_SQL_STREAM_001"
  WINDOW W1 AS (PARTITION BY "ticker" RANGE INTERVAL '1' MINUTE PRECEDING);
"""
    _, source, target = running_app(aws, endpoint, role, code)
    put(kinesis, source, ("AMZN", 10), ("WMT", 4))
    advance_clock(endpoint, 30)
    put(kinesis, source, ("AMZN", 20))
    advance_clock(endpoint, 40)  # the first AMZN tick is now more than a minute old
    put(kinesis, source, ("AMZN", 60))
    advance_clock(endpoint, 1)
    got = wait_for(lambda: len(output_records(kinesis, target)) >= 4 and output_records(kinesis, target))
    assert got == [{"TICKER": "AMZN", "MOVING_AVG": 10.0, "MOVING_COUNT": 1},
                   {"TICKER": "WMT", "MOVING_AVG": 4.0, "MOVING_COUNT": 1},
                   {"TICKER": "AMZN", "MOVING_AVG": 15.0, "MOVING_COUNT": 2},
                   {"TICKER": "AMZN", "MOVING_AVG": 40.0, "MOVING_COUNT": 2}]


def test_a_join_with_reference_data_from_s3(aws, endpoint, role):
    kinesis, s3, analytics = aws("kinesis"), aws("s3"), aws("kinesisanalytics")
    bucket = unique("reference")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="companies.csv", Body=b"AMZN,Amazon\nWMT,Walmart\n")
    code = """
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), company VARCHAR(16), price REAL);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM s."ticker", c."Company", s."price"
  FROM "SOURCE_SQL_STREAM_001" AS s LEFT JOIN "companies" AS c ON s."ticker" = c."Ticker";
"""
    name, source, target = running_app(aws, endpoint, role, "")
    analytics.stop_application(ApplicationName=name)
    advance_clock(endpoint, 1.5)
    analytics.add_application_reference_data_source(
        ApplicationName=name, CurrentApplicationVersionId=1, ReferenceDataSource={
            "TableName": "companies", "S3ReferenceDataSource": {
                "BucketARN": f"arn:aws:s3:::{bucket}", "FileKey": "companies.csv", "ReferenceRoleARN": role},
            "ReferenceSchema": {"RecordFormat": {"RecordFormatType": "CSV", "MappingParameters": {
                "CSVMappingParameters": {"RecordRowDelimiter": "\n", "RecordColumnDelimiter": ","}}},
                "RecordColumns": [{"Name": "Ticker", "SqlType": "VARCHAR(4)"},
                                  {"Name": "Company", "SqlType": "VARCHAR(16)"}]}})
    assert error_of(analytics.update_application, ApplicationName=name, CurrentApplicationVersionId=2,
                    ApplicationUpdate={"ApplicationCodeUpdate": code.replace('"companies"', '"other_stream"')}
                    ).code == "CodeValidationException"
    analytics.update_application(ApplicationName=name, CurrentApplicationVersionId=2,
                                 ApplicationUpdate={"ApplicationCodeUpdate": code})
    analytics.start_application(ApplicationName=name, InputConfigurations=[
        {"Id": "1.1", "InputStartingPositionConfiguration": {"InputStartingPosition": "NOW"}}])
    advance_clock(endpoint, 1.5)
    put(kinesis, source, ("WMT", 5), ("IBM", 7))
    advance_clock(endpoint, 1)
    got = wait_for(lambda: len(output_records(kinesis, target)) >= 2 and output_records(kinesis, target))
    assert sorted(got, key=lambda r: r["TICKER"]) == [{"TICKER": "IBM", "COMPANY": None, "PRICE": 7.0},
                                                      {"TICKER": "WMT", "COMPANY": "Walmart", "PRICE": 5.0}]


def test_application_code_cannot_reach_files_or_extensions():
    """Defence in depth behind the code checks: the engine itself refuses files and extensions."""
    import duckdb

    from nimbus.services.kinesisanalytics.pipeline import Pipeline
    from nimbus.services.kinesisanalytics.sql_program import parse
    engine = Pipeline(parse(""), {}).db
    for statement in ("SELECT * FROM read_csv('/etc/passwd')", "COPY (SELECT 1) TO 'out.csv'", "INSTALL httpfs",
                      "SET enable_external_access = true"):
        with pytest.raises(duckdb.Error):
            engine.execute(statement)


def test_a_stagger_window_closes_a_range_after_its_first_row(aws, endpoint, role):
    kinesis = aws("kinesis")
    code = """
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), ticker_count INTEGER);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM "ticker", COUNT(*) AS ticker_count
  FROM "SOURCE_SQL_STREAM_001"
  WINDOWED BY STAGGER (PARTITION BY "ticker" RANGE INTERVAL '1' MINUTE);
"""
    _, source, target = running_app(aws, endpoint, role, code)
    put(kinesis, source, ("AMZN", 1))
    advance_clock(endpoint, 40)
    put(kinesis, source, ("AMZN", 2), ("WMT", 3))  # WMT's window opens 40 s after AMZN's
    advance_clock(endpoint, 25)  # AMZN's window is a minute old: it closes; WMT's stays open
    assert wait_for(lambda: output_records(kinesis, target)) == [{"TICKER": "AMZN", "TICKER_COUNT": 2}]
    put(kinesis, source, ("WMT", 4))
    advance_clock(endpoint, 40)
    got = wait_for(lambda: len(output_records(kinesis, target)) >= 2 and output_records(kinesis, target))
    assert got == [{"TICKER": "AMZN", "TICKER_COUNT": 2}, {"TICKER": "WMT", "TICKER_COUNT": 2}]


def test_a_stream_joins_another_over_a_window(aws, endpoint, role):
    kinesis = aws("kinesis")
    code = """
CREATE OR REPLACE STREAM "QUOTES" (ticker VARCHAR(4), price REAL);
CREATE OR REPLACE STREAM "SPIKES" (ticker VARCHAR(4), price REAL);
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), spike REAL, quote REAL);
CREATE OR REPLACE PUMP "QUOTE_PUMP" AS INSERT INTO "QUOTES"
  SELECT STREAM "ticker", "price" FROM "SOURCE_SQL_STREAM_001" WHERE "price" < 100;
CREATE OR REPLACE PUMP "SPIKE_PUMP" AS INSERT INTO "SPIKES"
  SELECT STREAM "ticker", "price" FROM "SOURCE_SQL_STREAM_001" WHERE "price" >= 100;
CREATE OR REPLACE PUMP "JOIN_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM s.ticker, s.price, q.price
  FROM "SPIKES" AS s JOIN "QUOTES" OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS q ON s.ticker = q.ticker;
"""
    _, source, target = running_app(aws, endpoint, role, code)
    put(kinesis, source, ("AMZN", 50), ("WMT", 40))
    advance_clock(endpoint, 30)
    put(kinesis, source, ("AMZN", 150))  # the AMZN quote is 30 s old: joined
    advance_clock(endpoint, 40)
    put(kinesis, source, ("AMZN", 160), ("WMT", 45), ("WMT", 140))  # AMZN's quote is 70 s old: none
    advance_clock(endpoint, 1)
    got = wait_for(lambda: len(output_records(kinesis, target)) >= 2 and output_records(kinesis, target))
    assert got == [{"TICKER": "AMZN", "SPIKE": 150.0, "QUOTE": 50.0}, {"TICKER": "WMT", "SPIKE": 140.0, "QUOTE": 45.0}]


def test_the_input_is_not_listed_again_every_tick(aws, endpoint, role):
    """ListShards is a management event CloudTrail keeps: a running application lists its input's shards
    once, not every second."""
    kinesis = aws("kinesis")
    _, source, target = running_app(aws, endpoint, role, FILTER)
    for _ in range(5):
        put(kinesis, source, ("AMZN", 20))
        advance_clock(endpoint, 1)
    assert wait_for(lambda: len(output_records(kinesis, target)) >= 5)

    def listings():
        events = aws("cloudtrail").lookup_events(LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "ListShards"}])["Events"]
        return [e for e in events if source in e["CloudTrailEvent"]]
    assert len(wait_for(listings)) == 1
