"""A Managed Service for Apache Flink application on nimbus, step by step: a PyFlink SQL job (examples/
flink_tickers/main.py, written as for AWS) reads stock ticks from a Kinesis stream and writes each ticker's
count and total per ten-second window to another stream; it is snapshotted on stop and restored on start.

Run:  AWS_ENDPOINT_URL=http://localhost:4566 python examples/flink_streaming_sql.py
(nimbus runs the job with PyFlink from its .flink/ environment: `make install` makes it.)
"""
from __future__ import annotations

import io
import json
import uuid
import zipfile
from pathlib import Path

from common import clients, wait_for
from streaming_sql import analytics_role, new_stream

APP = Path(__file__).resolve().parent / "flink_tickers" / "main.py"
BASE_MS = 1_700_000_000_000


def ticks(rows: list[tuple[str, float, int]]) -> list[dict]:
    return [{"Data": json.dumps({"ticker": t, "price": p, "ts": BASE_MS + ms}).encode(), "PartitionKey": t}
            for t, p, ms in rows]


def main() -> list[dict]:
    aws = clients()
    kinesis, s3, flink = aws("kinesis"), aws("s3"), aws("kinesisanalyticsv2")
    suffix = uuid.uuid4().hex[:8]

    print("1. Two streams, the application's zip in S3, and its role")
    ticks_arn, totals_arn = new_stream(kinesis, f"ticks-{suffix}"), new_stream(kinesis, f"totals-{suffix}")
    bucket = f"flink-code-{suffix}"
    s3.create_bucket(Bucket=bucket)
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.write(APP, "main.py")
    s3.put_object(Bucket=bucket, Key="tickers.zip", Body=code.getvalue())
    role = analytics_role(aws("iam"))

    print("2. The application: its code, its snapshots, and the properties main.py reads")
    name = f"tickers-{suffix}"
    flink.create_application(
        ApplicationName=name, RuntimeEnvironment="FLINK-1_20", ServiceExecutionRole=role,
        ApplicationConfiguration={
            "ApplicationCodeConfiguration": {"CodeContentType": "ZIPFILE", "CodeContent": {
                "S3ContentLocation": {"BucketARN": f"arn:aws:s3:::{bucket}", "FileKey": "tickers.zip"}}},
            "ApplicationSnapshotConfiguration": {"SnapshotsEnabled": True},
            "EnvironmentProperties": {"PropertyGroups": [
                {"PropertyGroupId": "kinesis.analytics.flink.run.options", "PropertyMap": {"python": "main.py"}},
                {"PropertyGroupId": "consumer.config.0", "PropertyMap": {
                    "input.stream.name": f"ticks-{suffix}", "aws.region": "us-east-1"}},
                {"PropertyGroupId": "producer.config.0", "PropertyMap": {
                    "output.stream.name": f"totals-{suffix}", "aws.region": "us-east-1"}}]}})

    def status() -> str:
        return flink.describe_application(ApplicationName=name)["ApplicationDetail"]["ApplicationStatus"]

    print("3. Ticks in two windows and the start of a third; the application starts")
    kinesis.put_records(StreamARN=ticks_arn, Records=ticks([("AMZN", 10, 1000), ("MSFT", 5, 3000),
                                                           ("AMZN", 1, 11000), ("AMZN", 100, 21000)]))
    flink.start_application(ApplicationName=name, RunConfiguration={
        "ApplicationRestoreConfiguration": {"ApplicationRestoreType": "SKIP_RESTORE_FROM_SNAPSHOT"}})
    wait_for("RUNNING", lambda: status() == "RUNNING", seconds=300)

    shard = kinesis.list_shards(StreamARN=totals_arn)["Shards"][0]["ShardId"]

    def totals(count: int):
        iterator = kinesis.get_shard_iterator(StreamARN=totals_arn, ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        rows = [json.loads(r["Data"]) for r in kinesis.get_records(ShardIterator=iterator)["Records"]]
        return rows if len(rows) >= count else None
    print("   ", wait_for("the first windows", lambda: totals(3), seconds=120))

    print("4. Stopped with a snapshot (a Flink savepoint), more ticks, started again from it")
    flink.stop_application(ApplicationName=name)
    wait_for("READY", lambda: status() == "READY", seconds=120)
    print("   ", flink.list_application_snapshots(ApplicationName=name)["SnapshotSummaries"])
    kinesis.put_records(StreamARN=ticks_arn, Records=ticks([("AMZN", 200, 22000), ("MSFT", 0, 95000)]))
    flink.start_application(ApplicationName=name)  # snapshots on: restores from the latest
    wait_for("RUNNING", lambda: status() == "RUNNING", seconds=300)
    rows = wait_for("the third window, with the ticks from before the stop", lambda: totals(4), seconds=120)
    print("   ", rows)
    flink.stop_application(ApplicationName=name, Force=True)
    return rows


if __name__ == "__main__":
    main()
