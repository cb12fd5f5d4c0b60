"""Data Pipeline's EMR objects run on nimbus's EMR: an EmrCluster launches a real cluster as the pipeline's
roles, an EmrActivity's ``step`` lines (with #{output.directoryPath} expanded) and a HiveActivity's script
run as its steps, a failing step fails its attempt with the step's logs location, and the cluster is
terminated when its activities have ended."""
from __future__ import annotations

import time

import pytest

from tests.support import make_client, start_server, unique
from tests.test_datapipeline_api import obj
from tests.test_datapipeline_runs import pipeline_role, start, wait_status

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {
    "Service": ["datapipeline.amazonaws.com", "ec2.amazonaws.com", "elasticmapreduce.amazonaws.com"]}}]}
APP = "import sys\nfrom pyspark.sql import SparkSession\n" \
      "SparkSession.builder.getOrCreate().range(3).write.mode('overwrite').csv(sys.argv[1])\n"


def _emr_role(iam) -> str:
    """One role for both: ``role`` (EMR's ServiceRole) and ``resourceRole`` (its instance profile)."""
    arn = pipeline_role(iam, TRUST)
    name = arn.rsplit("/", 1)[-1]
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    return arn


@pytest.fixture(scope="module")
def role(aws):
    return _emr_role(aws("iam"))


def _keys(s3, bucket: str, prefix: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]


def test_emr_activities_run_as_steps_on_a_cluster_the_pipeline_launches(aws, role):
    s3, emr, dp = aws("s3"), aws("emr"), aws("datapipeline")
    bucket = unique("dp-emr")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="code/app.py", Body=APP.encode())
    pipeline = start(dp, [
        obj("Default", scheduleType="ondemand", role=role, resourceRole=role, maximumRetries="0",
            pipelineLogUri=f"s3://{bucket}/logs/"),
        obj("Cluster", type="EmrCluster", releaseLabel="emr-7.5.0", masterInstanceType="m5.xlarge",
            coreInstanceCount="2", applications=["spark", "hive"], terminateAfter="2 hours"),
        obj("Out", type="S3DataNode", directoryPath=f"s3://{bucket}/out/spark"),
        obj("HiveOut", type="S3DataNode", directoryPath=f"s3://{bucket}/out/hive"),
        obj("Spark", type="EmrActivity", runsOn=("ref", "Cluster"), output=("ref", "Out"),
            step=f"command-runner.jar,spark-submit,s3://{bucket}/code/app.py,#{{output.directoryPath}}"),
        obj("Hive", type="HiveActivity", runsOn=("ref", "Cluster"), output=("ref", "HiveOut"),
            dependsOn=("ref", "Spark"), scriptVariable="greeting=hello",
            hiveScript="INSERT OVERWRITE DIRECTORY '${output1}' USING csv SELECT '${greeting}' AS g"),
        obj("Broken", type="EmrActivity", runsOn=("ref", "Cluster"), step="command-runner.jar,false"),
    ])
    instances = {i.split("_")[0].lstrip("@"): i for i in dp.query_objects(pipelineId=pipeline,
                                                                          sphere="INSTANCE")["ids"]}
    broken = wait_status(dp, pipeline, f"{instances['Broken']}_Attempt=1", {"FINISHED", "FAILED"}, timeout=240)
    assert broken["@status"] == "FAILED" and "ended FAILED" in broken["errorMessage"]
    assert "logs:" in broken["errorMessage"]
    for name in ("Spark", "Hive"):
        fields = wait_status(dp, pipeline, instances[name], {"FINISHED", "FAILED"}, timeout=240)
        attempt = wait_status(dp, pipeline, f"{instances[name]}_Attempt=1", {"FINISHED", "FAILED"})
        assert fields["@status"] == "FINISHED", attempt.get("errorMessage")
    assert any(k.endswith(".csv") for k in _keys(s3, bucket, "out/spark/"))
    hive_rows = [s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in _keys(s3, bucket, "out/hive/")]
    assert b"hello\n" in hive_rows
    clusters = [c for c in emr.list_clusters()["Clusters"] if c["Name"] == f"{pipeline}_Cluster"]
    assert len(clusters) == 1
    cluster = emr.describe_cluster(ClusterId=clusters[0]["Id"])["Cluster"]
    assert cluster["ServiceRole"] == role and cluster["ReleaseLabel"] == "emr-7.5.0"
    assert {a["Name"].lower() for a in cluster["Applications"]} >= {"spark", "hive"}
    steps = emr.list_steps(ClusterId=cluster["Id"])["Steps"]
    assert {s["Status"]["State"] for s in steps} == {"COMPLETED", "FAILED"} and len(steps) == 3
    # its activities have ended: the cluster is terminated
    deadline = time.monotonic() + 60
    while emr.describe_cluster(ClusterId=cluster["Id"])["Cluster"]["Status"]["State"] not in (
            "TERMINATED", "TERMINATED_WITH_ERRORS"):
        assert time.monotonic() < deadline, "the pipeline's cluster was not terminated"
        time.sleep(0.5)


def test_the_cluster_outlives_a_restart_and_is_reused(tmp_path):
    with start_server(tmp_path) as first:
        arn = _emr_role(make_client(first.endpoint, "iam"))
        s3, dp = make_client(first.endpoint, "s3"), make_client(first.endpoint, "datapipeline")
        bucket = unique("dp-emr-restart")
        s3.create_bucket(Bucket=bucket)
        pipeline = start(dp, [
            obj("Default", scheduleType="ondemand", role=arn, resourceRole=arn, maximumRetries="0"),
            obj("Cluster", type="EmrCluster"),
            obj("Go", type="S3KeyExists", s3Key=f"s3://{bucket}/go"),
            obj("First", type="EmrActivity", runsOn=("ref", "Cluster"), step="command-runner.jar,true"),
            obj("Then", type="EmrActivity", runsOn=("ref", "Cluster"), step="command-runner.jar,true",
                dependsOn=("ref", "First"), precondition=("ref", "Go")),
        ])
        ids = {i.split("_")[0].lstrip("@"): i for i in dp.query_objects(pipelineId=pipeline, sphere="INSTANCE")["ids"]}
        assert wait_status(dp, pipeline, ids["First"], {"FINISHED", "FAILED"}, timeout=120)["@status"] == "FINISHED"
    with start_server(tmp_path) as second:
        s3, dp = make_client(second.endpoint, "s3"), make_client(second.endpoint, "datapipeline")
        emr = make_client(second.endpoint, "emr")
        s3.put_object(Bucket=bucket, Key="go", Body=b"")
        assert wait_status(dp, pipeline, ids["Then"], {"FINISHED", "FAILED"}, timeout=120)["@status"] == "FINISHED"
        clusters = [c["Id"] for c in emr.list_clusters()["Clusters"] if c["Name"] == f"{pipeline}_Cluster"]
        assert len(clusters) == 1
        assert len(emr.list_steps(ClusterId=clusters[0])["Steps"]) == 2


def test_pre_and_post_step_commands_run_around_the_steps(aws, role, tmp_path):
    emr, dp = aws("emr"), aws("datapipeline")
    trace = tmp_path / "trace"
    pipeline = start(dp, [
        obj("Default", scheduleType="ondemand", role=role, resourceRole=role, maximumRetries="0"),
        obj("Cluster", type="EmrCluster", releaseLabel="emr-7.5.0", terminateAfter="1 hour"),
        obj("Wrapped", type="EmrActivity", runsOn=("ref", "Cluster"),
            preStepCommand=[f"echo pre1 >> {trace}", f'echo "pre2 $EMR_CLUSTER_ID" >> {trace}'],
            step=f"command-runner.jar,bash,-c,echo step >> {trace}", postStepCommand=f"echo post >> {trace}"),
        obj("Refused", type="EmrActivity", runsOn=("ref", "Cluster"), dependsOn=("ref", "Wrapped"),
            preStepCommand="echo not ready >&2; exit 4", step=f"command-runner.jar,bash,-c,echo never >> {trace}"),
    ])
    instances = {i.split("_")[0].lstrip("@"): i for i in dp.query_objects(pipelineId=pipeline,
                                                                          sphere="INSTANCE")["ids"]}
    wrapped = wait_status(dp, pipeline, f"{instances['Wrapped']}_Attempt=1", {"FINISHED", "FAILED"}, timeout=120)
    assert wrapped["@status"] == "FINISHED", wrapped.get("errorMessage")
    [cluster] = [c["Id"] for c in emr.list_clusters()["Clusters"] if c["Name"] == f"{pipeline}_Cluster"]
    assert trace.read_text() == f"pre1\npre2 {cluster}\nstep\npost\n"
    refused = wait_status(dp, pipeline, f"{instances['Refused']}_Attempt=1", {"FINISHED", "FAILED"}, timeout=120)
    assert refused["@status"] == "FAILED"
    assert "preStepCommand exited with status 4" in refused["errorMessage"] and "not ready" in refused["errorMessage"]
    assert len(emr.list_steps(ClusterId=cluster)["Steps"]) == 1  # the refused activity's step never ran
