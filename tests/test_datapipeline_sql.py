"""Data Pipeline's SQL work on PostgreSQL: SqlActivity on a JdbcDatabase, CopyActivity from a
SqlDataNode to S3, and RedshiftCopyActivity from S3 into a table (PostgreSQL standing in for Redshift),
run by a task runner; a failing statement fails the attempt with the database's message."""
from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest

from tests.support import unique
from tests.test_datapipeline_api import obj
from tests.test_datapipeline_runs import start, wait_status


@pytest.fixture(scope="module")
def dp(aws):
    return aws("datapipeline")


def run_tasks(endpoint: str, account: str, group: str, count: int) -> None:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": account}
    ran = subprocess.run([sys.executable, "-m", "nimbus.cli", "taskrunner", "--worker-group", group, "--endpoint",
                          endpoint, "--tasks", str(count)], env=env, capture_output=True, text=True, timeout=180)
    assert ran.returncode == 0, ran.stderr


def test_sql_activity_copy_to_s3_and_redshift_copy(dp, aws, endpoint, account, postgres):
    host, port, user = postgres
    s3, group, bucket = aws("s3"), unique("sql"), unique("dp-sql")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="load/part-1.csv", Body=b"3,carol\n4,dave\n")
    table = unique("people").replace("-", "_")
    pipeline = start(dp, [
        obj("Default", scheduleType="ondemand", workerGroup=group),
        obj("Db", type="JdbcDatabase", connectionString=f"jdbc:postgresql://{host}:{port}/dev", username=user,
            jdbcDriverClass="org.postgresql.Driver"),
        obj("Rs", type="RedshiftDatabase", connectionString=f"jdbc:redshift://{host}:{port}/dev", username=user,
            **{"*password": "unused"}),
        obj("Create", type="SqlActivity", database=("ref", "Db"),
            script=f"CREATE TABLE {table} (id int, name text); INSERT INTO {table} VALUES (1, 'alice'), (2, 'bob');"),
        obj("Rows", type="SqlDataNode", database=("ref", "Db"), table=table,
            selectQuery=f"SELECT id, name FROM {table} ORDER BY id"),
        obj("Export", type="S3DataNode", filePath=f"s3://{bucket}/export/people.csv"),
        obj("Copy", type="CopyActivity", input=("ref", "Rows"), output=("ref", "Export"),
            dependsOn=("ref", "Create")),
        obj("Incoming", type="S3DataNode", directoryPath=f"s3://{bucket}/load"),
        obj("Target", type="RedshiftDataNode", database=("ref", "Rs"), tableName=table),
        obj("Load", type="RedshiftCopyActivity", input=("ref", "Incoming"), output=("ref", "Target"),
            insertMode="KEEP_EXISTING", commandOptions="CSV", dependsOn=("ref", "Copy")),
        obj("Broken", type="SqlActivity", database=("ref", "Db"), script="SELECT * FROM no_such_table",
            maximumRetries="0"),
    ])
    run_tasks(endpoint, account, group, 4)
    ids = dp.query_objects(pipelineId=pipeline, sphere="INSTANCE")["ids"]
    by_component = {i.split("_")[0][1:]: i for i in ids}
    for component in ("Create", "Copy", "Load"):
        assert wait_status(dp, pipeline, by_component[component], {"FINISHED", "FAILED"})["@status"] == "FINISHED"
    broken = wait_status(dp, pipeline, by_component["Broken"], {"FAILED"})
    assert "no_such_table" in broken["errorMessage"]
    exported = s3.get_object(Bucket=bucket, Key="export/people.csv")["Body"].read().decode()
    assert exported == "id,name\n1,alice\n2,bob\n"
    with psycopg.connect(host=host, port=port, user=user, dbname="dev") as conn:
        assert conn.execute(f"SELECT id, name FROM {table} ORDER BY id").fetchall() == [
            (1, "alice"), (2, "bob"), (3, "carol"), (4, "dave")]
