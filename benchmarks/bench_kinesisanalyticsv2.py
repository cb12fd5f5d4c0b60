"""Managed Service for Apache Flink: the Kinesis Data Analytics benchmark's pipeline on Flink. Records per
second through a one-window PyFlink SQL application (a count per ticker per one-second processing-time
window), from PutRecords to the output stream, and the end-to-end latency at half that rate; beside the
plain Python consumer doing the same aggregation. moto stores v2 applications but never runs them."""
from __future__ import annotations

import io
import json
import time
import zipfile

from benchmarks.bench_kinesisanalytics import TRUST, Output, _latency, _plain_consumer, _throughput, streams
from benchmarks.harness import running

MAIN = """
from pyflink.table import EnvironmentSettings, TableEnvironment

tables = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
tables.execute_sql(\"\"\"CREATE TABLE ticks (ticker STRING, price DOUBLE, proc AS PROCTIME()) WITH (
    'connector' = 'kinesis', 'stream' = 'ticks', 'aws.region' = 'us-east-1',
    'scan.stream.initpos' = 'TRIM_HORIZON', 'format' = 'json')\"\"\")
tables.execute_sql(\"\"\"CREATE TABLE counts (TICKER STRING, TICKS BIGINT) WITH (
    'connector' = 'kinesis', 'stream' = 'counts', 'aws.region' = 'us-east-1', 'format' = 'json',
    'sink.flush-buffer.timeout' = '200')\"\"\")
tables.execute_sql(\"\"\"INSERT INTO counts SELECT ticker, COUNT(*)
    FROM TABLE(TUMBLE(TABLE ticks, DESCRIPTOR(proc), INTERVAL '1' SECOND))
    GROUP BY ticker, window_start, window_end\"\"\")
"""


def _code() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("main.py", MAIN)
    return buffer.getvalue()


def _setup(target) -> tuple:
    kinesis, flink, iam, s3 = (target.client(s) for s in ("kinesis", "kinesisanalyticsv2", "iam", "s3"))
    arns = streams(kinesis)
    s3.create_bucket(Bucket="code")
    s3.put_object(Bucket="code", Key="app.zip", Body=_code())
    role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    flink.create_application(
        ApplicationName="bench", RuntimeEnvironment="FLINK-1_20", ServiceExecutionRole=role,
        ApplicationConfiguration={
            "ApplicationCodeConfiguration": {"CodeContentType": "ZIPFILE", "CodeContent": {
                "S3ContentLocation": {"BucketARN": "arn:aws:s3:::code", "FileKey": "app.zip"}}},
            "EnvironmentProperties": {"PropertyGroups": [
                {"PropertyGroupId": "kinesis.analytics.flink.run.options", "PropertyMap": {"python": "main.py"}}]}})
    started = time.perf_counter()
    flink.start_application(ApplicationName="bench")
    while (status := flink.describe_application(ApplicationName="bench")["ApplicationDetail"][
            "ApplicationStatus"]) != "RUNNING":
        if status == "READY":
            raise RuntimeError("the Flink application did not start")
        time.sleep(0.2)
    return kinesis, arns, time.perf_counter() - started


def run(seconds: float = 3.0) -> list[dict]:
    with running("nimbus") as target:
        kinesis, arns, start_seconds = _setup(target)
        output = Output(kinesis, arns[1])
        sent, per_second = _throughput(kinesis, arns, output, seconds)
        latency = _latency(kinesis, arns, output, per_second / 2, seconds)
        plain = _plain_consumer(kinesis, arns[0], sent)
    return [{"server": "nimbus (Flink)", "records_per_s": per_second, "latency_at_half_rate_s": latency,
             "start_to_running_s": start_seconds},
            {"server": "python consumer", "records_per_s": plain, "latency_at_half_rate_s": float("nan"),
             "start_to_running_s": float("nan")}]
