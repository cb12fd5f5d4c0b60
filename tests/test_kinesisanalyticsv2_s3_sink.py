"""Managed Service for Apache Flink: Flink's filesystem connector writing ``s3://`` paths into nimbus S3
through nimbus's S3 filesystem plugin, exactly once: a part becomes an object when the checkpoint after it
completes, and a stop with a snapshot and a start from it neither loses nor repeats a record."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.support import active_stream, analytics_role, code_zip, new_bucket, objects, unique, wait_status

pytestmark = pytest.mark.skipif(not (Path(__file__).parents[1] / ".flink" / "bin" / "python").exists(),
                                reason="PyFlink is installed by make install")
APP = Path(__file__).parents[1] / "examples" / "flink_s3_archive" / "main.py"


def put_events(kinesis, stream: str, ids: range) -> None:
    kinesis.put_records(StreamName=stream, Records=[
        {"Data": json.dumps({"id": i, "name": f"event-{i}"}).encode(), "PartitionKey": str(i)} for i in ids])


def archived(s3, bucket: str, prefix: str, count: int, seconds: float = 120) -> list[int]:
    """The ids in the archive's objects once there are ``count`` of them (or the deadline passed), and a
    checkpoint or two later, so a repeated part would show."""
    deadline = time.monotonic() + seconds
    while True:
        stored = objects(s3, bucket, prefix)
        ids = [json.loads(line)["id"] for body in stored.values() for line in body.splitlines()]
        if len(ids) >= count or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    time.sleep(3)
    stored = objects(s3, bucket, prefix)
    # nothing in progress is ever visible: every object is a committed part, of whole JSON lines
    assert all(key.rsplit("/", 1)[-1].startswith("part-") for key in stored), sorted(stored)
    lines = [line for body in stored.values() for line in body.decode().splitlines()]
    assert all(json.loads(line)["name"] == f"event-{json.loads(line)['id']}" for line in lines)
    return sorted(json.loads(line)["id"] for line in lines)


def test_filesystem_sink_archives_a_stream_to_s3_exactly_once_across_a_restore(aws, endpoint, server, account):
    kinesis, s3, flink = aws("kinesis"), aws("s3"), aws("kinesisanalyticsv2")
    stream = active_stream(kinesis, endpoint, "events")
    bucket = new_bucket(s3, "flink-archive")
    s3.put_object(Bucket=bucket, Key="archive.zip", Body=code_zip(APP))
    role, name = analytics_role(aws("iam"), unique("archiver")), unique("archiver")
    flink.create_application(
        ApplicationName=name, RuntimeEnvironment="FLINK-1_20", ServiceExecutionRole=role,
        ApplicationConfiguration={
            "ApplicationCodeConfiguration": {"CodeContentType": "ZIPFILE", "CodeContent": {"S3ContentLocation": {
                "BucketARN": f"arn:aws:s3:::{bucket}", "FileKey": "archive.zip"}}},
            "ApplicationSnapshotConfiguration": {"SnapshotsEnabled": True},
            "FlinkApplicationConfiguration": {"CheckpointConfiguration": {
                "ConfigurationType": "CUSTOM", "CheckpointingEnabled": True, "CheckpointInterval": 1000,
                "MinPauseBetweenCheckpoints": 500}},
            "EnvironmentProperties": {"PropertyGroups": [
                {"PropertyGroupId": "kinesis.analytics.flink.run.options", "PropertyMap": {"python": "main.py"}},
                {"PropertyGroupId": "consumer.config.0",
                 "PropertyMap": {"input.stream.name": stream, "aws.region": "us-east-1"}},
                {"PropertyGroupId": "archive.config.0", "PropertyMap": {
                    "archive.path": f"s3://{bucket}/archive/", "rollover.interval": "8 s"}}]}})
    put_events(kinesis, stream, range(0, 50))
    flink.start_application(ApplicationName=name, RunConfiguration={
        "ApplicationRestoreConfiguration": {"ApplicationRestoreType": "SKIP_RESTORE_FROM_SNAPSHOT"}})
    wait_status(flink, name, "RUNNING")
    assert archived(s3, bucket, "archive/", 50) == list(range(0, 50))

    # records in a part still in progress (younger than its 8 s) when the job stops with its snapshot: not
    # in S3 yet, and committed by the restore
    put_events(kinesis, stream, range(50, 80))
    time.sleep(1)
    flink.stop_application(ApplicationName=name)
    wait_status(flink, name, "READY", 120)
    assert archived(s3, bucket, "archive/", 50, seconds=0) == list(range(0, 50))
    put_events(kinesis, stream, range(80, 100))
    flink.start_application(ApplicationName=name, RunConfiguration={
        "ApplicationRestoreConfiguration": {"ApplicationRestoreType": "RESTORE_FROM_LATEST_SNAPSHOT"}})
    wait_status(flink, name, "RUNNING")
    assert archived(s3, bucket, "archive/", 100) == list(range(0, 100))
    flink.stop_application(ApplicationName=name, Force=True)
    wait_status(flink, name, "READY", 120)
    # the staging of parts in progress outlives runs, not the application
    staging = Path(server.runtime.config.data_dir) / "kinesisanalyticsv2" / "s3-staging" / account / "us-east-1" / name
    assert staging.is_dir()
    flink.delete_application(ApplicationName=name, CreateTimestamp=flink.describe_application(
        ApplicationName=name)["ApplicationDetail"]["CreateTimestamp"])
    assert not staging.exists()
