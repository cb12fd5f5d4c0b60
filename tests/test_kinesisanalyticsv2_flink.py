"""Managed Service for Apache Flink: a PyFlink SQL application really running on Flink, reading a nimbus
Kinesis stream and writing windowed aggregates to another, snapshotted, stopped, and started again from
its snapshot with exactly-once results across the restart."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from nimbus.core.identity import root_principal
from nimbus.server import free_port
from nimbus.services.kinesisanalyticsv2.run_session import SESSION_SECONDS
from nimbus.services.kinesisanalyticsv2.savepoint_store import SAVEPOINTS_ACCOUNT, savepoints_bucket
from tests.support import (
    active_stream,
    advance_clock,
    analytics_role,
    code_zip,
    create_flink_application,
    error_of,
    make_client,
    new_bucket,
    read_shard,
    serve_subprocess,
    unique,
    wait_status,
)

pytestmark = pytest.mark.skipif(not (Path(__file__).parents[1] / ".flink" / "bin" / "python").exists(),
                                reason="PyFlink is installed by make install")
APP = Path(__file__).parents[1] / "examples" / "flink_tickers" / "main.py"
BASE = 1_700_000_000_000  # event times, in ms: windows of 10 s from here


def put_ticks(kinesis, stream: str, ticks: list[tuple[str, float, int]]) -> None:
    kinesis.put_records(StreamName=stream, Records=[
        {"Data": json.dumps({"ticker": t, "price": p, "ts": BASE + ms}).encode(), "PartitionKey": t}
        for t, p, ms in ticks])


def read_totals(kinesis, stream: str, count: int, seconds: float = 120) -> list[dict]:
    deadline = time.monotonic() + seconds
    while True:
        rows = [json.loads(r["Data"]) for r in read_shard(kinesis, stream, "shardId-000000000000")]
        if len(rows) >= count or time.monotonic() > deadline:
            return sorted(rows, key=lambda row: (row["window_start"], row["ticker"]))
        time.sleep(0.5)


def create_tickers(flink, name: str, role: str, bucket: str, source: str, sink: str, snapshots: dict,
                   **configuration) -> None:
    flink.create_application(
        ApplicationName=name, RuntimeEnvironment="FLINK-1_20", ServiceExecutionRole=role,
        ApplicationConfiguration={
            "ApplicationCodeConfiguration": {"CodeContentType": "ZIPFILE", "CodeContent": {"S3ContentLocation": {
                "BucketARN": f"arn:aws:s3:::{bucket}", "FileKey": "tickers.zip"}}},
            "ApplicationSnapshotConfiguration": snapshots,
            "EnvironmentProperties": {"PropertyGroups": [
                {"PropertyGroupId": "kinesis.analytics.flink.run.options", "PropertyMap": {"python": "main.py"}},
                {"PropertyGroupId": "consumer.config.0",
                 "PropertyMap": {"input.stream.name": source, "aws.region": "us-east-1"}},
                {"PropertyGroupId": "producer.config.0",
                 "PropertyMap": {"output.stream.name": sink, "aws.region": "us-east-1"}}]}, **configuration})


def prepare(aws, endpoint) -> tuple:
    """Two streams, the application's code in a bucket, and its role."""
    kinesis, s3 = aws("kinesis"), aws("s3")
    source, sink = active_stream(kinesis, endpoint, "ticks"), active_stream(kinesis, endpoint, "totals")
    bucket = new_bucket(s3, "flink-code")
    s3.put_object(Bucket=bucket, Key="tickers.zip", Body=code_zip(APP))
    role = analytics_role(aws("iam"), unique("flink"))
    return kinesis, source, sink, bucket, role


@pytest.fixture(scope="module")
def setup(aws, endpoint):
    return prepare(aws, endpoint)


def saved_objects(server, region: str, prefix: str) -> list[str]:
    """The keys of the service's savepoints bucket under ``prefix``, read as the service's own account."""
    listed = server.runtime.client.call(
        "s3", "ListObjectsV2", {"Bucket": savepoints_bucket(region), "Prefix": prefix},
        account_id=SAVEPOINTS_ACCOUNT, region=region, principal=root_principal(SAVEPOINTS_ACCOUNT))
    return [item["Key"] for item in listed.get("Contents") or []]


def test_sql_application_runs_snapshots_and_restores_exactly_once(aws, setup, server, endpoint):
    kinesis, source, sink, bucket, role = setup
    flink, name = aws("kinesisanalyticsv2"), unique("tickers")
    create_tickers(flink, name, role, bucket, source, sink,
                   {"SnapshotsEnabled": True, "SnapshotMode": "ENHANCED_SNAPSHOTS"})
    # window 0 and 1 complete, window 2 begun; the tick in window 2 closes the first two
    put_ticks(kinesis, source, [("AMZN", 10, 1000), ("AMZN", 20, 2000), ("MSFT", 5, 3000),
                                ("AMZN", 1, 11000), ("AMZN", 100, 21000)])
    flink.start_application(ApplicationName=name, RunConfiguration={
        "ApplicationRestoreConfiguration": {"ApplicationRestoreType": "SKIP_RESTORE_FROM_SNAPSHOT"}})
    assert flink.describe_application(ApplicationName=name)["ApplicationDetail"]["ApplicationStatus"] == "STARTING"
    wait_status(flink, name, "RUNNING")
    first = read_totals(kinesis, sink, 3)
    assert [(r["ticker"], r["ticks"], r["total"]) for r in first] == [
        ("AMZN", 2, 30.0), ("MSFT", 1, 5.0), ("AMZN", 1, 1.0)]

    flink.stop_application(ApplicationName=name)
    wait_status(flink, name, "READY", 120)
    (snapshot,) = flink.list_application_snapshots(ApplicationName=name)["SnapshotSummaries"]
    assert snapshot["SnapshotStatus"] == "READY" and snapshot["ApplicationVersionId"] == 1
    # the savepoint is in the service's own bucket, which the application's account cannot read
    account = aws("sts").get_caller_identity()["Account"]
    kept = saved_objects(server, "us-east-1", f"applications/{account}/{name}/{snapshot['SnapshotName']}-")
    assert any(key.endswith("/_metadata") for key in kept)
    assert error_of(aws("s3").get_object, Bucket=savepoints_bucket("us-east-1"), Key=kept[0]).code == "AccessDenied"
    assert savepoints_bucket("us-east-1") not in [b["Name"] for b in aws("s3").list_buckets()["Buckets"]]

    # window 2 goes on from the snapshot's state; a tick far ahead closes windows 2 and 3
    put_ticks(kinesis, source, [("AMZN", 200, 22000), ("MSFT", 7, 31000), ("MSFT", 0, 95000)])
    flink.start_application(ApplicationName=name, RunConfiguration={
        "ApplicationRestoreConfiguration": {"ApplicationRestoreType": "RESTORE_FROM_LATEST_SNAPSHOT"}})
    wait_status(flink, name, "RUNNING")
    totals = read_totals(kinesis, sink, 5)
    assert [(r["ticker"], r["ticks"], r["total"]) for r in totals] == [
        ("AMZN", 2, 30.0), ("MSFT", 1, 5.0), ("AMZN", 1, 1.0), ("AMZN", 2, 300.0), ("MSFT", 1, 7.0)]

    # past the role session's lifetime the run's session is renewed: records still flow both ways
    advance_clock(endpoint, SESSION_SECONDS + 60)
    put_ticks(kinesis, source, [("AMZN", 3, 96000), ("AMZN", 1, 125000)])
    totals = read_totals(kinesis, sink, 7)
    assert [(r["ticker"], r["ticks"], r["total"]) for r in totals[5:]] == [("AMZN", 1, 3.0), ("MSFT", 1, 0.0)]

    # an account-level snapshot of the running job: a real savepoint, READY once Flink wrote it
    account_snapshot = unique("enhanced")
    created = flink.create_snapshot(ApplicationName=name, SnapshotName=account_snapshot)
    assert (created["SnapshotStatus"], created["SnapshotOperationStatus"]) == ("CREATING", "IN_PROGRESS")
    deadline = time.monotonic() + 120
    while flink.describe_snapshot(SnapshotName=account_snapshot)["SnapshotInfoDetails"]["SnapshotStatus"] == "CREATING":
        assert time.monotonic() < deadline
        time.sleep(0.5)
    details = flink.describe_snapshot(SnapshotName=account_snapshot)["SnapshotInfoDetails"]
    assert details["SnapshotStatus"] == "READY" and details["SnapshotSizeInBytes"] > 0
    assert details["SnapshotSourceDescription"]["SourceApplicationDescription"]["ApplicationName"] == name
    assert flink.describe_snapshot_operation(SnapshotName=account_snapshot, SnapshotOperationId=created[
        "SnapshotOperationId"])["SnapshotOperationInfoDetails"]["SnapshotOperationStatus"] == "SUCCESSFUL"
    flink.stop_application(ApplicationName=name)
    wait_status(flink, name, "READY", 120)

    # deleting a snapshot removes its savepoint's objects; deleting the application removes its snapshots'
    # but those of account-level snapshots, which outlive it
    flink.delete_application_snapshot(ApplicationName=name, SnapshotName=snapshot["SnapshotName"],
                                      SnapshotCreationTimestamp=snapshot["SnapshotCreationTimestamp"])
    assert saved_objects(server, "us-east-1", f"applications/{account}/{name}/{snapshot['SnapshotName']}-") == []
    (last_stop,) = [summary["SnapshotName"] for summary in flink.list_application_snapshots(
        ApplicationName=name)["SnapshotSummaries"] if "-stop-" in summary["SnapshotName"]]
    assert saved_objects(server, "us-east-1", f"applications/{account}/{name}/{last_stop}-")
    flink.delete_application(ApplicationName=name, CreateTimestamp=flink.describe_application(
        ApplicationName=name)["ApplicationDetail"]["CreateTimestamp"])
    left = saved_objects(server, "us-east-1", f"applications/{account}/{name}/")
    assert left and all(key.startswith(f"applications/{account}/{name}/{account_snapshot}-") for key in left)
    assert flink.describe_snapshot(SnapshotName=account_snapshot)["SnapshotInfoDetails"]["SnapshotSizeInBytes"] > 0


def test_a_running_application_survives_kill_9_from_its_last_checkpoint(tmp_path):
    port = free_port()
    endpoint, data = f"http://127.0.0.1:{port}", str(tmp_path / "data")
    process = serve_subprocess(data, port)
    try:
        clients = lambda service: make_client(endpoint, service)  # noqa: E731
        kinesis, source, sink, bucket, role = prepare(clients, endpoint)
        flink, name = clients("kinesisanalyticsv2"), unique("durable")
        create_tickers(flink, name, role, bucket, source, sink, {"SnapshotsEnabled": False},
                       FlinkApplicationConfiguration={"CheckpointConfiguration": {
                           "ConfigurationType": "CUSTOM", "CheckpointingEnabled": True, "CheckpointInterval": 1000,
                           "MinPauseBetweenCheckpoints": 500}})
        put_ticks(kinesis, source, [("AMZN", 10, 1000), ("MSFT", 5, 3000), ("AMZN", 1, 11000)])
        flink.start_application(ApplicationName=name)
        wait_status(flink, name, "RUNNING")
        assert len(read_totals(kinesis, sink, 2)) == 2
        seen = time.time()
        checkpoints = Path(data) / "kinesisanalyticsv2" / "runs"
        deadline = time.monotonic() + 60
        while not any(c.stat().st_mtime > seen + 1 for c in checkpoints.glob("**/chk-*/_metadata")):
            assert time.monotonic() < deadline, "no checkpoint after the first windows"
            time.sleep(0.2)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()

    process = serve_subprocess(data, port)
    try:
        put_ticks(kinesis, source, [("AMZN", 2, 12000), ("MSFT", 0, 95000)])
        wait_status(flink, name, "RUNNING")
        totals = read_totals(kinesis, sink, 3)
        assert [(r["ticker"], r["ticks"], r["total"]) for r in totals] == [
            ("AMZN", 1, 10.0), ("MSFT", 1, 5.0), ("AMZN", 2, 3.0)]
        flink.stop_application(ApplicationName=name, Force=True)
        wait_status(flink, name, "READY", 120)
    finally:
        process.terminate()
        process.wait(timeout=30)


JAVA_APP = """
package demo;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;

public class Doubler {
    static String property(String text, String key) {
        Matcher found = Pattern.compile("\\"" + Pattern.quote(key) + "\\"\\\\s*:\\\\s*\\"([^\\"]+)\\"").matcher(text);
        found.find();
        return found.group(1);
    }

    public static void main(String[] args) throws Exception {
        String properties = new String(Files.readAllBytes(Paths.get(
            System.getenv("KINESIS_ANALYTICS_APPLICATION_PROPERTIES"))));
        TableEnvironment tables = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        tables.executeSql("CREATE TABLE ticks (ticker STRING, price DOUBLE) WITH ('connector' = 'kinesis', "
            + "'stream' = '" + property(properties, "input") + "', 'aws.region' = 'us-east-1', "
            + "'scan.stream.initpos' = 'TRIM_HORIZON', 'format' = 'json')");
        tables.executeSql("CREATE TABLE doubled (ticker STRING, price DOUBLE) WITH ('connector' = 'kinesis', "
            + "'stream' = '" + property(properties, "output") + "', 'aws.region' = 'us-east-1', 'format' = 'json')");
        tables.executeSql("INSERT INTO doubled SELECT LOWER(ticker), price * 2 FROM ticks").await();
    }
}
"""


def java_jar(tmp_path: Path) -> bytes:
    """A Java Table API application, compiled against the jars PyFlink ships, as a JAR with its Main-Class."""
    pyflink = next((Path(__file__).parents[1] / ".flink" / "lib").glob("python3*/site-packages/pyflink"))
    source = tmp_path / "src" / "demo" / "Doubler.java"
    source.parent.mkdir(parents=True)
    source.write_text(JAVA_APP)
    classes = tmp_path / "classes"
    subprocess.run(["javac", "--release", "17", "-cp", f"{pyflink / 'lib' / '*'}", "-d", str(classes), str(source)],
                   check=True, capture_output=True)
    subprocess.run(["jar", "cfe", str(tmp_path / "app.jar"), "demo.Doubler", "-C", str(classes), "."], check=True)
    return (tmp_path / "app.jar").read_bytes()


@pytest.mark.skipif(shutil.which("javac") is None, reason="a JDK compiles the Java application")
def test_java_jar_application(aws, endpoint, setup, tmp_path):
    kinesis, _, _, bucket, role = setup
    source, sink = active_stream(kinesis, endpoint, "java-in"), active_stream(kinesis, endpoint, "java-out")
    aws("s3").put_object(Bucket=bucket, Key="doubler.jar", Body=java_jar(tmp_path))
    flink, name = aws("kinesisanalyticsv2"), unique("doubler")
    create_flink_application(flink, name, role, bucket, "doubler.jar", {"streams": {"input": source, "output": sink}})
    kinesis.put_records(StreamName=source, Records=[
        {"Data": json.dumps({"ticker": "AMZN", "price": 21.5}).encode(), "PartitionKey": "a"}])
    flink.start_application(ApplicationName=name)
    wait_status(flink, name, "RUNNING")
    deadline = time.monotonic() + 120
    while not (rows := read_shard(kinesis, sink, "shardId-000000000000")) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert [json.loads(r["Data"]) for r in rows] == [{"ticker": "amzn", "price": 43.0}]
    flink.stop_application(ApplicationName=name)
    wait_status(flink, name, "READY", 120)
