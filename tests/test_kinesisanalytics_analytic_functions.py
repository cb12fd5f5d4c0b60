"""RANDOM_CUT_FOREST, RANDOM_CUT_FOREST_WITH_EXPLANATION and HOTSPOTS, written as AWS's examples write
them, over records put into a real stream."""
from __future__ import annotations

import json
import random
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
)

POINT_SCHEMA = {"RecordFormat": {"RecordFormatType": "JSON",
                                 "MappingParameters": {"JSONMappingParameters": {"RecordRowPath": "$"}}},
                "RecordEncoding": "UTF-8",
                "RecordColumns": [{"Name": "x", "Mapping": "$.x", "SqlType": "DOUBLE"},
                                  {"Name": "y", "Mapping": "$.y", "SqlType": "DOUBLE"},
                                  {"Name": "tag", "Mapping": "$.tag", "SqlType": "VARCHAR(8)"}]}
FOREST = """
CREATE OR REPLACE STREAM "TEMP_STREAM" ("TICKER" VARCHAR(4), "PRICE" REAL, "ANOMALY_SCORE" DOUBLE);
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" ("TICKER" VARCHAR(4), "PRICE" REAL, "ANOMALY_SCORE" DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "TEMP_STREAM"
  SELECT STREAM "TICKER", "PRICE", ANOMALY_SCORE FROM
    TABLE(RANDOM_CUT_FOREST(
      CURSOR(SELECT STREAM "ticker", "price" FROM "SOURCE_SQL_STREAM_001"), 50, 64, 100000, 1));
CREATE OR REPLACE PUMP "OUTPUT_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM "TICKER", "PRICE", "ANOMALY_SCORE" FROM "TEMP_STREAM";
"""
EXPLAINED = """
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (x DOUBLE, y DOUBLE, score DOUBLE, explanation VARCHAR(2048));
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM "x", "y", ANOMALY_SCORE, ANOMALY_EXPLANATION FROM
    TABLE(RANDOM_CUT_FOREST_WITH_EXPLANATION(
      CURSOR(SELECT STREAM "x", "y", "tag" FROM "SOURCE_SQL_STREAM_001"), 40, 64, 100000, 1, true));
"""
HOTSPOTS = """
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (x DOUBLE, y DOUBLE, HOTSPOTS_RESULT VARCHAR(10000));
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT "x", "y", "HOTSPOTS_RESULT" FROM TABLE (
    HOTSPOTS(CURSOR(SELECT STREAM "x", "y" FROM "SOURCE_SQL_STREAM_001"), 100, 0.5, 10));
"""


@pytest.fixture(scope="module")
def role(aws):
    return analytics_role(aws("iam"), "analytic-functions")


def arn_of(kinesis, name: str) -> str:
    return kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]


def start(aws, endpoint, role, code: str, schema: dict) -> tuple[str, str]:
    """An application over a new stream: (its input stream, its output stream)."""
    return running_sql_application(aws, endpoint, role, code, schema)[1:]


def through(aws, endpoint, source: str, target: str, records: list[dict]) -> list[dict]:
    """Every output row once all ``records`` went through the application, in order."""
    kinesis = aws("kinesis")
    kinesis.put_records(StreamName=source, Records=[
        {"Data": json.dumps(r).encode(), "PartitionKey": "p"} for r in records])
    deadline = time.monotonic() + 60
    while True:
        advance_clock(endpoint, 1)
        got = [json.loads(r["Data"]) for r in read_shard(kinesis, target, "shardId-000000000000")]
        if len(got) >= len(records) or time.monotonic() > deadline:
            return got
        time.sleep(0.2)


def test_random_cut_forest_scores_an_anomaly_far_above_the_normal_records(aws, endpoint, role):
    source, target = start(aws, endpoint, role, FOREST, TICK_SCHEMA)
    rng = random.Random(7)
    prices = [round(rng.gauss(100, 1), 2) for _ in range(200)] + [500.0] + \
        [round(rng.gauss(100, 1), 2) for _ in range(20)]
    got = through(aws, endpoint, source, target, [{"ticker": "AMZN", "price": p} for p in prices])
    assert [row["PRICE"] for row in got] == pytest.approx(prices, rel=1e-6)
    scores = [row["ANOMALY_SCORE"] for row in got]
    assert scores[:16] == [0.0] * 16  # a quarter of the sample first: no model yet
    normal = scores[64:200] + scores[201:]
    assert scores[200] > 4 and scores[200] > 2 * max(normal), (scores[200], max(normal))
    assert 0.3 < sum(normal) / len(normal) < 1.5  # ordinary records score about 1, as AWS's


def test_the_explanation_attributes_the_score_to_the_anomalous_column(aws, endpoint, role):
    source, target = start(aws, endpoint, role, EXPLAINED, POINT_SCHEMA)
    rng = random.Random(11)
    points = [{"x": rng.gauss(10, 1), "y": rng.gauss(5, 0.5), "tag": "ok"} for _ in range(150)]
    points.append({"x": 10.0, "y": 30.0, "tag": "odd"})
    got = through(aws, endpoint, source, target, points)
    odd = got[150]
    explanation = json.loads(odd["EXPLANATION"])
    assert set(explanation) == {"x", "y"}  # the numeric columns only: tag passes through
    y, x = explanation["y"], explanation["x"]
    assert y["DIRECTION"] == "HIGH" and float(y["ATTRIBUTION_SCORE"]) > 10 * float(x["ATTRIBUTION_SCORE"])
    assert float(x["ATTRIBUTION_SCORE"]) + float(y["ATTRIBUTION_SCORE"]) == pytest.approx(odd["SCORE"], abs=1e-3)
    assert odd["SCORE"] > 2 * max(row["SCORE"] for row in got[64:150])


def test_hotspots_reports_a_dense_cluster(aws, endpoint, role):
    source, target = start(aws, endpoint, role, HOTSPOTS, POINT_SCHEMA)
    rng = random.Random(5)
    scattered = [{"x": rng.uniform(0, 10), "y": rng.uniform(0, 10)} for _ in range(60)]
    mixed = [{"x": rng.gauss(5, 0.05), "y": rng.gauss(5, 0.05)} if i % 3 == 0 else
             {"x": rng.uniform(0, 10), "y": rng.uniform(0, 10)} for i in range(120)]
    got = through(aws, endpoint, source, target, scattered + mixed)
    assert json.loads(got[59]["HOTSPOTS_RESULT"]) == {"hotspots": []}  # scattered points: no hotspot
    hotspots = json.loads(got[-1]["HOTSPOTS_RESULT"])["hotspots"]
    assert hotspots, got[-1]
    densest = hotspots[0]
    assert all(4.7 < low and high < 5.3 for low, high in zip(densest["minValues"], densest["maxValues"], strict=True))
    assert densest["density"] > 10 and all(h["density"] <= densest["density"] for h in hotspots)


def test_invalid_calls_are_refused(aws, endpoint, role):
    kinesis, analytics = aws("kinesis"), aws("kinesisanalytics")
    source = active_stream(kinesis, endpoint, "points")
    inputs = [{"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": POINT_SCHEMA,
               "KinesisStreamsInput": {"ResourceARN": arn_of(kinesis, source), "RoleARN": role}}]
    for code, words in [
        (HOTSPOTS.replace("100, 0.5, 10", "50, 0.5, 10"), "windowSize"),
        (HOTSPOTS.replace("100, 0.5, 10", "100, 0.5"), "takes a cursor and 3 parameters"),
        (HOTSPOTS.replace('"x", "y" FROM', '"tag" FROM'), "no numeric column"),
        (EXPLAINED.replace("40, 64", "0, 64"), "numberOfTrees"),
        (EXPLAINED.replace("1, true", "1, maybe"), "withDirectionality"),
    ]:
        error = error_of(analytics.create_application, ApplicationName=unique("bad"), ApplicationCode=code,
                         Inputs=inputs)
        assert error.code == "CodeValidationException" and words in error.message, (words, error.message)
