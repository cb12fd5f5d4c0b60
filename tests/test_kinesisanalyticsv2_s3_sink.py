"""Managed Service for Apache Flink: Flink's filesystem connector writing ``s3://`` paths into nimbus S3
through nimbus's S3 filesystem plugin, exactly once: a part becomes an object when the checkpoint after it
completes, and a stop with a snapshot and a start from it neither loses nor repeats a record."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.support import (
    active_stream,
    analytics_role,
    code_zip,
    create_flink_application,
    new_bucket,
    objects,
    unique,
    wait_status,
)

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
    create_flink_application(
        flink, name, role, bucket, "archive.zip", {
            "kinesis.analytics.flink.run.options": {"python": "main.py"},
            "consumer.config.0": {"input.stream.name": stream, "aws.region": "us-east-1"},
            "archive.config.0": {"archive.path": f"s3://{bucket}/archive/", "rollover.interval": "8 s"}},
        ApplicationSnapshotConfiguration={"SnapshotsEnabled": True},
        FlinkApplicationConfiguration={"CheckpointConfiguration": {
            "ConfigurationType": "CUSTOM", "CheckpointingEnabled": True, "CheckpointInterval": 1000,
            "MinPauseBetweenCheckpoints": 500}})
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


BATCH_APP = '''
import json
from pyflink.table import EnvironmentSettings, TableEnvironment

with open("/etc/flink/application_properties.json") as properties:
    paths = next(g["PropertyMap"] for g in json.load(properties) if g["PropertyGroupId"] == "paths")
tables = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
tables.execute_sql(f"""CREATE TABLE orders (id BIGINT, amount DOUBLE) WITH (
    'connector' = 'filesystem', 'path' = '{paths["input"]}', 'format' = 'csv')""")
tables.execute_sql(f"""CREATE TABLE big_orders (id BIGINT, amount DOUBLE) WITH (
    'connector' = 'filesystem', 'path' = '{paths["output"]}', 'format' = 'csv')""")
tables.execute_sql("INSERT INTO big_orders SELECT id, amount * 10 FROM orders WHERE amount >= 5").wait()
'''


def test_a_batch_job_reads_s3a_objects_and_writes_s3(aws, endpoint, tmp_path):
    s3, flink = aws("s3"), aws("kinesisanalyticsv2")
    bucket = new_bucket(s3, "flink-batch")
    s3.put_object(Bucket=bucket, Key="orders/day-1.csv", Body=b"1,2.5\n2,7.0\n")
    s3.put_object(Bucket=bucket, Key="orders/day-2.csv", Body=b"3,5.0\n4,1.0\n")
    main = tmp_path / "main.py"
    main.write_text(BATCH_APP)
    s3.put_object(Bucket=bucket, Key="batch.zip", Body=code_zip(main))
    role, name = analytics_role(aws("iam"), unique("batch")), unique("batch")
    create_flink_application(flink, name, role, bucket, "batch.zip", {
        "kinesis.analytics.flink.run.options": {"python": "main.py"},
        "paths": {"input": f"s3a://{bucket}/orders/", "output": f"s3://{bucket}/large/"}})
    flink.start_application(ApplicationName=name)
    # the job ends once it read every object: the application is READY again, its start successful
    deadline = time.monotonic() + 240
    while flink.describe_application(ApplicationName=name)["ApplicationDetail"]["ApplicationStatus"] != "READY":
        assert time.monotonic() < deadline
        time.sleep(0.5)
    written = objects(s3, bucket, "large/")
    rows = sorted(line for body in written.values() for line in body.decode().splitlines())
    assert rows == ["2,70.0", "3,50.0"]
    # Flink's batch sink wrote into a staging directory and renamed its files into place
    assert all(key.rsplit("/", 1)[-1].startswith("part-") for key in written), sorted(written)
    operation = flink.list_application_operations(ApplicationName=name)["ApplicationOperationInfoList"][0]
    assert operation["OperationStatus"] == "SUCCESSFUL", operation
