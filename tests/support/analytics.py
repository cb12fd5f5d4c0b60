"""Kinesis Data Analytics: a role the service may assume, a JSON input schema of stock ticks, and a
started SQL application."""
from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from tests.support.basics import advance_clock, unique
from tests.support.streams import active_stream

ANALYTICS_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "kinesisanalytics.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
PASSTHROUGH_SQL = """
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), price REAL);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM "ticker", "price" FROM "SOURCE_SQL_STREAM_001";
"""
TICK_SCHEMA = {"RecordFormat": {"RecordFormatType": "JSON",
                                "MappingParameters": {"JSONMappingParameters": {"RecordRowPath": "$"}}},
               "RecordEncoding": "UTF-8",
               "RecordColumns": [{"Name": "ticker", "Mapping": "$.ticker", "SqlType": "VARCHAR(4)"},
                                 {"Name": "price", "Mapping": "$.price", "SqlType": "REAL"}]}


def analytics_role(iam, name: str) -> str:
    """A role Kinesis Analytics may assume that may use Kinesis, Firehose, S3 and CloudWatch Logs."""
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=ANALYTICS_TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="all", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*",
                                                "Action": ["kinesis:*", "firehose:*", "s3:*", "logs:*"]}]}))
    return arn


def _stream_pair(kinesis, endpoint: str) -> tuple[str, str, Callable[[str], str]]:
    """A new input and output stream, and what gives a stream's ARN."""
    source, target = active_stream(kinesis, endpoint, "in"), active_stream(kinesis, endpoint, "out")

    def arn(name: str) -> str:
        return kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]

    return source, target, arn


def running_sql_application(aws, endpoint: str, role: str, code: str, schema: dict = TICK_SCHEMA,
                            position: str = "NOW") -> tuple[str, str, str]:
    """A started application reading a new stream by ``schema`` and writing its DESTINATION_SQL_STREAM
    as JSON to another: (name, input stream, output stream)."""
    analytics = aws("kinesisanalytics")
    source, target, arn = _stream_pair(aws("kinesis"), endpoint)
    name = unique("sql")
    analytics.create_application(
        ApplicationName=name, ApplicationCode=code,
        Inputs=[{"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": schema,
                 "KinesisStreamsInput": {"ResourceARN": arn(source), "RoleARN": role}}],
        Outputs=[{"Name": "DESTINATION_SQL_STREAM", "DestinationSchema": {"RecordFormatType": "JSON"},
                  "KinesisStreamsOutput": {"ResourceARN": arn(target), "RoleARN": role}}])
    analytics.start_application(ApplicationName=name, InputConfigurations=[
        {"Id": "1.1", "InputStartingPositionConfiguration": {"InputStartingPosition": position}}])
    advance_clock(endpoint, 1.5)
    return name, source, target


def code_zip(main: Path) -> bytes:
    """A PyFlink application's code: ``main`` as the zip's main.py."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(main, "main.py")
    return buffer.getvalue()


def create_flink_application(flink, name: str, role: str, bucket: str, key: str, groups: dict[str, dict],
                             **configuration) -> None:
    """A FLINK-1_20 application with its code at ``key`` in ``bucket`` and ``groups`` as its runtime
    properties (group id → property map); ``configuration``: more of its ApplicationConfiguration."""
    flink.create_application(
        ApplicationName=name, RuntimeEnvironment="FLINK-1_20", ServiceExecutionRole=role,
        ApplicationConfiguration={
            "ApplicationCodeConfiguration": {"CodeContentType": "ZIPFILE", "CodeContent": {"S3ContentLocation": {
                "BucketARN": f"arn:aws:s3:::{bucket}", "FileKey": key}}},
            "EnvironmentProperties": {"PropertyGroups": [
                {"PropertyGroupId": group, "PropertyMap": properties} for group, properties in groups.items()]},
            **configuration})


def wait_status(flink, name: str, status: str, seconds: float = 240) -> dict:
    """A v2 application's detail once it is ``status``; a run that fails back to READY fails the test."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        detail = flink.describe_application(ApplicationName=name)["ApplicationDetail"]
        if detail["ApplicationStatus"] == status:
            return detail
        assert status == "READY" or detail["ApplicationStatus"] != "READY", "the run failed: see the log"
        time.sleep(0.5)
    raise AssertionError(f"{name} is {detail['ApplicationStatus']}, not {status}")


def sql_application(aws, endpoint, role, code: str) -> tuple[str, str, str]:
    """A v2 SQL-1_0 application reading a new stream by TICK_SCHEMA and writing its DESTINATION_SQL_STREAM
    as JSON to another: (name, input stream, output stream)."""
    flink = aws("kinesisanalyticsv2")
    source, target, arn = _stream_pair(aws("kinesis"), endpoint)
    name = unique("sql2")
    flink.create_application(ApplicationName=name, RuntimeEnvironment="SQL-1_0", ServiceExecutionRole=role,
                             ApplicationConfiguration={
                                 "ApplicationCodeConfiguration": {"CodeContentType": "PLAINTEXT",
                                                                  "CodeContent": {"TextContent": code}},
                                 "SqlApplicationConfiguration": {
                                     "Inputs": [{"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": TICK_SCHEMA,
                                                 "KinesisStreamsInput": {"ResourceARN": arn(source)}}],
                                     "Outputs": [{"Name": "DESTINATION_SQL_STREAM",
                                                  "DestinationSchema": {"RecordFormatType": "JSON"},
                                                  "KinesisStreamsOutput": {"ResourceARN": arn(target)}}]}})
    return name, source, target
