"""EMR's other step kinds (spark-sql -f and hive -f through Spark SQL, a custom JAR with its main class), the
AWS CLI, and steps on a real standalone Spark cluster (master and worker started from pyspark's own scripts)
through --spark-master."""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nimbus.server import free_port
from nimbus.services.emr.commands import SPARK_HOME
from tests.support import (
    CLUSTER_DONE,
    aws_cli,
    emr_roles,
    emr_step,
    make_client,
    start_server,
    steps_by_name,
    unique,
    wait_cluster,
)

HELLO = """
public class Hello {
    public static void main(String[] args) {
        System.out.println("hello from a custom jar: " + String.join(",", args));
    }
}
"""


def _log(s3, bucket, cluster_id, step, name="stdout"):
    key = f"logs/{cluster_id}/steps/{step['Id']}/{name}.gz"
    return gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).decode()


def test_sql_scripts_and_a_custom_jar_run_as_steps(aws, tmp_path):
    s3, emr = aws("s3"), aws("emr")
    roles = emr_roles(aws("iam"))
    bucket = unique("emr-sql")
    s3.create_bucket(Bucket=bucket)
    events = [{"page": "/a"}, {"page": "/b"}, {"page": "/a"}]
    s3.put_object(Bucket=bucket, Key="events/e.json", Body="\n".join(map(json.dumps, events)).encode())
    s3.put_object(Bucket=bucket, Key="sql/count.sql",
                  Body=b"-- pages\nSELECT page, COUNT(*) FROM json.`${INPUT}` GROUP BY page ORDER BY page;")
    s3.put_object(Bucket=bucket, Key="sql/export.q", Body=(
        b"CREATE TEMPORARY VIEW events USING json OPTIONS (path '${INPUT}');\n"
        b"INSERT OVERWRITE DIRECTORY '${OUTPUT}' USING csv SELECT page FROM events WHERE page = '/b';"))
    (tmp_path / "Hello.java").write_text(HELLO)
    subprocess.run(["javac", "-d", str(tmp_path), str(tmp_path / "Hello.java")], check=True)
    subprocess.run(["jar", "cf", str(tmp_path / "hello.jar"), "-C", str(tmp_path), "Hello.class"], check=True)
    s3.put_object(Bucket=bucket, Key="jars/hello.jar", Body=(tmp_path / "hello.jar").read_bytes())
    cluster_id = emr.run_job_flow(
        Name="sql", ReleaseLabel="emr-7.5.0", LogUri=f"s3://{bucket}/logs/",
        Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1},
        Steps=[emr_step("spark-sql", "spark-sql", "-d", f"INPUT=s3://{bucket}/events/", "-f",
                        f"s3://{bucket}/sql/count.sql"),
               emr_step("hive", "hive-script", "--run-hive-script", "--args", "-f", f"s3://{bucket}/sql/export.q",
                        "-d", f"INPUT=s3://{bucket}/events/", "-d", f"OUTPUT=s3://{bucket}/export/"),
               emr_step("jar", "one", "two", jar=f"s3://{bucket}/jars/hello.jar", main_class="Hello")],
        **roles)["JobFlowId"]
    wait_cluster(emr, cluster_id, CLUSTER_DONE)
    steps = steps_by_name(emr, cluster_id)
    assert {n: s["Status"]["State"] for n, s in steps.items()} == {"spark-sql": "COMPLETED", "hive": "COMPLETED",
                                                                   "jar": "COMPLETED"}
    assert _log(s3, bucket, cluster_id, steps["spark-sql"]).splitlines() == ["/a\t2", "/b\t1"]
    exported = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="export/")["Contents"]]
    [part] = [k for k in exported if "/part-" in k]
    assert s3.get_object(Bucket=bucket, Key=part)["Body"].read() == b"/b\n"
    assert "hello from a custom jar: one,two" in _log(s3, bucket, cluster_id, steps["jar"])


def test_the_aws_cli_creates_a_cluster_and_adds_a_step(endpoint, client):
    roles = emr_roles(client("iam"))  # the CLI signs as test/test: the default account
    created = aws_cli(endpoint, "emr", "create-cluster", "--name", "cli", "--release-label", "emr-6.15.0",
                      "--instance-type", "m5.xlarge", "--instance-count", "1", "--no-auto-terminate",
                      "--applications", "Name=Spark", "--service-role", roles["ServiceRole"],
                      "--ec2-attributes", f"InstanceProfile={roles['JobFlowRole']}")
    cluster_id = created["ClusterId"]
    added = aws_cli(endpoint, "emr", "add-steps", "--cluster-id", cluster_id, "--steps",
                    "Type=CUSTOM_JAR,Name=echo,Jar=command-runner.jar,Args=[bash,-c,echo hi]")
    assert len(added["StepIds"]) == 1
    emr = client("emr")
    wait_cluster(emr, cluster_id, ("WAITING",))
    assert steps_by_name(emr, cluster_id)["echo"]["Status"]["State"] == "COMPLETED"
    aws_cli(endpoint, "emr", "terminate-clusters", "--cluster-ids", cluster_id)
    wait_cluster(emr, cluster_id, CLUSTER_DONE)


@pytest.fixture
def standalone_spark(tmp_path):
    """A Spark master and one worker, started from pyspark's own scripts, for as long as the test."""
    port = free_port()
    spark_class = str(SPARK_HOME / "bin" / "spark-class")
    env = {**os.environ, "SPARK_HOME": str(SPARK_HOME), "PYSPARK_PYTHON": sys.executable,
           "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_WORKER_DIR": str(tmp_path / "work")}
    logs = [open(tmp_path / name, "wb") for name in ("master.log", "worker.log")]
    master = subprocess.Popen([spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                               "--port", str(port), "--webui-port", str(free_port())], env=env,
                              stdout=logs[0], stderr=subprocess.STDOUT, start_new_session=True)
    worker = subprocess.Popen([spark_class, "org.apache.spark.deploy.worker.Worker", f"spark://127.0.0.1:{port}",
                               "--cores", "1", "--memory", "1g", "--webui-port", str(free_port())], env=env,
                              stdout=logs[1], stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while b"Successfully registered with master" not in (tmp_path / "worker.log").read_bytes():
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.3)
        yield f"spark://127.0.0.1:{port}"
    finally:
        for process in (worker, master):
            process.terminate()
            process.wait(timeout=30)
        for log in logs:
            log.close()


def test_steps_run_on_a_standalone_spark_cluster(tmp_path, standalone_spark):
    app = ("from pyspark.sql import SparkSession\n"
           "spark = SparkSession.builder.getOrCreate()\n"
           "print('MASTER', spark.sparkContext.master)\n"
           "print('SUM', spark.sparkContext.parallelize(range(101), 4).sum())\n")
    with start_server(tmp_path, spark_master=standalone_spark) as own:
        iam, s3, emr = (make_client(own.endpoint, name) for name in ("iam", "s3", "emr"))
        roles = emr_roles(iam)
        s3.create_bucket(Bucket="apps")
        s3.put_object(Bucket="apps", Key="sum.py", Body=app.encode())
        cluster_id = emr.run_job_flow(Name="standalone", ReleaseLabel="emr-7.5.0", LogUri="s3://apps/logs/",
                                      Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 2},
                                      Steps=[emr_step("sum", "spark-submit", "s3://apps/sum.py")], **roles)["JobFlowId"]
        wait_cluster(emr, cluster_id, CLUSTER_DONE)
        step = steps_by_name(emr, cluster_id)["sum"]
        assert step["Status"]["State"] == "COMPLETED", step["Status"]
        stdout = _log(s3, "apps", cluster_id, step)
        assert f"MASTER {standalone_spark}" in stdout and "SUM 5050" in stdout
    assert list(Path(tmp_path / "work").iterdir())  # the worker ran the step's executor


def test_a_persistent_cluster_survives_a_restart_and_its_running_step_is_interrupted(tmp_path):
    with start_server(tmp_path) as own:
        emr = make_client(own.endpoint, "emr")
        roles = emr_roles(make_client(own.endpoint, "iam"))
        cluster_id = emr.run_job_flow(Name="durable", ReleaseLabel="emr-7.5.0",
                                      Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1,
                                                 "KeepJobFlowAliveWhenNoSteps": True},
                                      Steps=[emr_step("long", "sleep", "600")], **roles)["JobFlowId"]
        deadline = time.monotonic() + 60
        while steps_by_name(emr, cluster_id)["long"]["Status"]["State"] != "RUNNING":
            assert time.monotonic() < deadline
            time.sleep(0.2)
    with start_server(tmp_path) as again:
        emr = make_client(again.endpoint, "emr")
        cluster = wait_cluster(emr, cluster_id, ("WAITING",), deadline=60)
        assert cluster["Name"] == "durable"
        assert steps_by_name(emr, cluster_id)["long"]["Status"]["State"] == "INTERRUPTED"
        emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[emr_step("after", "true")])
        deadline = time.monotonic() + 60
        while steps_by_name(emr, cluster_id)["after"]["Status"]["State"] != "COMPLETED":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        emr.terminate_job_flows(JobFlowIds=[cluster_id])
        wait_cluster(emr, cluster_id, CLUSTER_DONE)
