"""EMR through boto3: clusters whose steps really run (spark-submit on pyspark, hadoop-streaming, script-runner,
s3-dist-cp) as the cluster's instance role, logs gzipped to LogUri, step failures confined to their step,
persistent versus transient clusters, the idle timeout on the virtual clock, and AWS's errors."""
from __future__ import annotations

import gzip
import json
import time
from datetime import timedelta

import pytest

from tests.support import (
    CLUSTER_DONE,
    STEPS_DONE,
    advance_clock,
    emr_roles,
    emr_step,
    error_of,
    steps_by_name,
    unique,
    wait_cluster,
)

SPARK_APP = """
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
print("MASTER", spark.sparkContext.master, spark.conf.get("spark.sql.shuffle.partitions"))
rows = spark.range(1000).selectExpr("id % 7 AS k").groupBy("k").count().orderBy("k").collect()
spark.createDataFrame(rows).write.mode("overwrite").json(sys.argv[1])
print("GROUPS", len(rows))
"""
FAILING_APP = "from pyspark.sql import SparkSession\nSparkSession.builder.getOrCreate().sql('SELECT * FROM nowhere')\n"
MAPPER = "#!/usr/bin/env python3\nimport sys\nfor line in sys.stdin:\n    for word in line.split():\n        print(f'{word}\\t1')\n"
REDUCER = """#!/usr/bin/env python3
import sys
current, total = None, 0
for line in sys.stdin:
    word, count = line.rstrip("\\n").split("\\t")
    if word != current and current is not None:
        print(f"{current}\\t{total}")
        total = 0
    current, total = word, total + int(count)
if current is not None:
    print(f"{current}\\t{total}")
"""


@pytest.fixture(scope="module")
def emr(aws):
    return aws("emr")


@pytest.fixture(scope="module")
def roles(aws):
    iam = aws("iam")
    iam.create_role(RoleName="NotForEmr", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]}))
    return emr_roles(iam)


@pytest.fixture(scope="module")
def data(aws):
    s3 = aws("s3")
    name = unique("emr-data")
    s3.create_bucket(Bucket=name)
    for key, body in (("code/app.py", SPARK_APP), ("code/fail.py", FAILING_APP), ("code/mapper.py", MAPPER),
                      ("code/reducer.py", REDUCER), ("logs/in/a.log", "GET /index GET /about\nGET /index\n"),
                      ("logs/in/b.log", "POST /login GET /index\n"),
                      ("code/setup.sh", "#!/bin/bash\necho bootstrapped \"$@\" > \"$HDFS_ROOT/marker\"\n"),
                      ("code/show.sh", "#!/bin/bash\ncat \"$HDFS_ROOT/marker\"\n")):
        s3.put_object(Bucket=name, Key=key, Body=body.encode())
    return s3, name


def _instances(**more):
    return {"MasterInstanceType": "m5.xlarge", "SlaveInstanceType": "m5.xlarge", "InstanceCount": 3, **more}


def test_a_transient_cluster_runs_its_steps_and_ends(emr, roles, data):
    s3, bucket = data
    output = f"s3://{bucket}/logs/counts"
    cluster_id = emr.run_job_flow(
        Name="log-processing", ReleaseLabel="emr-7.5.0", LogUri=f"s3://{bucket}/emr-logs/", Instances=_instances(),
        Applications=[{"Name": "Spark"}, {"Name": "Hadoop"}],
        Configurations=[{"Classification": "spark-defaults", "Properties": {"spark.sql.shuffle.partitions": "3"}}],
        BootstrapActions=[{"Name": "setup", "ScriptBootstrapAction": {"Path": f"s3://{bucket}/code/setup.sh",
                                                                      "Args": ["yes"]}}],
        Steps=[emr_step("spark", "spark-submit", "--deploy-mode", "cluster", f"s3://{bucket}/code/app.py",
                     "hdfs:///out/groups"),
               emr_step("word count", "hadoop-streaming", "-files",
                     f"s3://{bucket}/code/mapper.py,s3://{bucket}/code/reducer.py", "-mapper", "mapper.py",
                     "-reducer", "reducer.py", "-input", f"s3://{bucket}/logs/in/", "-output", output),
               emr_step("spark exception", "spark-submit", f"s3://{bucket}/code/fail.py"),
               emr_step("bootstrap ran", f"s3://{bucket}/code/show.sh", jar="s3://elasticmapreduce/libs/script-runner/"
                     "script-runner.jar"),
               emr_step("copy", "s3-dist-cp", f"--src={output}", f"--dest=s3://{bucket}/copied/")],
        **roles)["JobFlowId"]
    cluster = wait_cluster(emr, cluster_id, CLUSTER_DONE)
    assert cluster["Status"]["State"] == "TERMINATED"
    assert cluster["Status"]["StateChangeReason"] == {"Code": "ALL_STEPS_COMPLETED", "Message": "Steps completed"}
    steps = steps_by_name(emr, cluster_id)
    assert steps["word count"]["Status"].get("FailureDetails") is None
    assert {n: s["Status"]["State"] for n, s in steps.items()} == {
        "spark": "COMPLETED", "word count": "COMPLETED", "spark exception": "FAILED", "bootstrap ran": "COMPLETED",
        "copy": "COMPLETED"}, {n: s["Status"].get("FailureDetails") for n, s in steps.items()}
    counts = s3.get_object(Bucket=bucket, Key="logs/counts/part-00000")["Body"].read().decode()
    assert counts.splitlines() == ["/about\t1", "/index\t3", "/login\t1", "GET\t4", "POST\t1"]
    assert s3.get_object(Bucket=bucket, Key="copied/part-00000")["Body"].read().decode() == counts
    failure = steps["spark exception"]["Status"]["FailureDetails"]
    assert "TABLE_OR_VIEW_NOT_FOUND" in failure["Message"] or "nowhere" in failure["Message"]
    step_logs = f"emr-logs/{cluster_id}/steps/{steps['spark']['Id']}/"
    assert failure["LogFile"] == f"s3://{bucket}/emr-logs/{cluster_id}/steps/{steps['spark exception']['Id']}/stderr.gz"
    stdout = gzip.decompress(s3.get_object(Bucket=bucket, Key=step_logs + "stdout.gz")["Body"].read()).decode()
    assert "MASTER local[2] 3" in stdout and "GROUPS 7" in stdout  # two core instances, spark-defaults applied
    controller = gzip.decompress(s3.get_object(Bucket=bucket, Key=step_logs + "controller.gz")["Body"].read())
    assert b"spark-submit" in controller
    shown = gzip.decompress(s3.get_object(Bucket=bucket, Key=f"emr-logs/{cluster_id}/steps/"
                                          f"{steps['bootstrap ran']['Id']}/stdout.gz")["Body"].read())
    assert shown == b"bootstrapped yes\n"


def test_a_persistent_cluster_waits_takes_steps_and_obeys_protection(emr, roles, data):
    s3, bucket = data
    cluster_id = emr.run_job_flow(Name="persistent", ReleaseLabel="emr-6.15.0", StepConcurrencyLevel=2,
                                  LogUri=f"s3://{bucket}/persistent/",
                                  Instances=_instances(KeepJobFlowAliveWhenNoSteps=True, TerminationProtected=True),
                                  Tags=[{"Key": "team", "Value": "data"}], **roles)["JobFlowId"]
    cluster = wait_cluster(emr, cluster_id, ("WAITING",))
    assert cluster["Status"]["StateChangeReason"]["Message"] == "Cluster ready to run steps."
    assert cluster["TerminationProtected"] and cluster["AutoTerminate"] is False
    groups = emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]
    core = next(g for g in groups if g["InstanceGroupType"] == "CORE")
    assert core["RunningInstanceCount"] == 2 and len(emr.list_instances(ClusterId=cluster_id)["Instances"]) == 3
    emr.modify_instance_groups(ClusterId=cluster_id, InstanceGroups=[{"InstanceGroupId": core["Id"],
                                                                     "InstanceCount": 4}])
    [step_id] = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[emr_step(
        "after resize", "spark-submit", "--version")])["StepIds"]
    end = time.monotonic() + 60
    while emr.describe_step(ClusterId=cluster_id, StepId=step_id)["Step"]["Status"]["State"] not in STEPS_DONE:
        assert time.monotonic() < end
        time.sleep(0.2)
    assert emr.describe_step(ClusterId=cluster_id, StepId=step_id)["Step"]["Status"]["State"] == "COMPLETED"
    controller = s3.get_object(Bucket=bucket, Key=f"persistent/{cluster_id}/steps/{step_id}/controller.gz")["Body"]
    assert "--master local[4]" in gzip.decompress(controller.read()).decode()  # the four core nodes of the resize
    wait_cluster(emr, cluster_id, ("WAITING",))
    assert error_of(emr.terminate_job_flows, JobFlowIds=[cluster_id]) == ("ValidationException", 400)
    emr.set_termination_protection(JobFlowIds=[cluster_id], TerminationProtected=False)
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    cluster = wait_cluster(emr, cluster_id, CLUSTER_DONE)
    assert cluster["Status"]["StateChangeReason"] == {"Code": "USER_REQUEST", "Message": "Terminated by user request"}
    assert error_of(emr.add_job_flow_steps, JobFlowId=cluster_id, Steps=[emr_step("late", "true")]) == \
        ("ValidationException", 400)
    listed = emr.list_clusters(ClusterStates=["TERMINATED"])["Clusters"]
    assert cluster_id in [c["Id"] for c in listed]
    assert cluster_id not in [c["Id"] for c in emr.list_clusters(ClusterStates=["WAITING"])["Clusters"]]
    created = cluster["Status"]["Timeline"]["CreationDateTime"]
    assert cluster_id in [c["Id"] for c in emr.list_clusters(CreatedBefore=created + timedelta(seconds=1),
                                                             CreatedAfter=created - timedelta(seconds=1))["Clusters"]]
    assert cluster_id not in [c["Id"] for c in emr.list_clusters(CreatedAfter=created + timedelta(seconds=1))["Clusters"]]


def test_a_failed_step_may_terminate_the_cluster_and_cancel_the_rest(emr, roles):
    cluster_id = emr.run_job_flow(Name="fails", ReleaseLabel="emr-7.5.0",
                                  Instances=_instances(KeepJobFlowAliveWhenNoSteps=True),
                                  Steps=[emr_step("boom", "bash", "-c", "echo broken >&2; exit 3",
                                               action="TERMINATE_CLUSTER"),
                                         emr_step("never", "true")], **roles)["JobFlowId"]
    cluster = wait_cluster(emr, cluster_id, CLUSTER_DONE)
    assert cluster["Status"]["State"] == "TERMINATED_WITH_ERRORS"
    assert cluster["Status"]["StateChangeReason"] == {"Code": "STEP_FAILURE", "Message": "Shut down as step failed"}
    steps = steps_by_name(emr, cluster_id)
    assert steps["boom"]["Status"]["FailureDetails"]["Message"] == "broken"
    assert steps["never"]["Status"]["State"] == "CANCELLED"


def test_an_idle_cluster_ends_after_its_auto_termination_timeout(emr, roles, endpoint):
    cluster_id = emr.run_job_flow(Name="idle", ReleaseLabel="emr-7.5.0", AutoTerminationPolicy={"IdleTimeout": 3600},
                                  Instances=_instances(KeepJobFlowAliveWhenNoSteps=True), **roles)["JobFlowId"]
    wait_cluster(emr, cluster_id, ("WAITING",))
    assert emr.get_auto_termination_policy(ClusterId=cluster_id)["AutoTerminationPolicy"] == {"IdleTimeout": 3600}
    advance_clock(endpoint, 3601)
    cluster = wait_cluster(emr, cluster_id, CLUSTER_DONE, deadline=30)
    assert cluster["Status"]["StateChangeReason"]["Code"] == "ALL_STEPS_COMPLETED"


def test_bad_input_gets_emrs_errors(emr, roles):
    assert error_of(emr.run_job_flow, Name="x", ReleaseLabel="emr-0.0.0", Instances=_instances(), **roles) == \
        ("ValidationException", 400)
    assert error_of(emr.run_job_flow, Name="x", ReleaseLabel="emr-7.5.0",
                    Instances=_instances(MasterInstanceType="huge"), **roles) == ("ValidationException", 400)
    groups = [{"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 2}]
    assert error_of(emr.run_job_flow, Name="x", ReleaseLabel="emr-7.5.0", Instances={"InstanceGroups": groups},
                    **roles) == ("ValidationException", 400)
    assert error_of(emr.run_job_flow, Name="x", ReleaseLabel="emr-7.5.0", Instances=_instances(),
                    ServiceRole="NotForEmr", JobFlowRole="EMR_EC2_DefaultRole") == ("ValidationException", 400)
    assert error_of(emr.describe_cluster, ClusterId="j-NOSUCHCLUSTER") == ("InvalidRequestException", 400)


def test_release_labels_spot_groups_tags_and_security_configurations(emr, roles):
    labels = emr.list_release_labels(Filters={"Prefix": "emr-7"})["ReleaseLabels"]
    assert "emr-7.5.0" in labels and all(label.startswith("emr-7") for label in labels)
    described = emr.describe_release_label(ReleaseLabel="emr-6.15.0")
    assert {"Name": "spark", "Version": "3.3.2"} in described["Applications"]
    assert error_of(emr.describe_release_label, ReleaseLabel="emr-1.2.3") == ("ValidationException", 400)
    groups = [{"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
              {"InstanceRole": "CORE", "InstanceType": "r5.2xlarge", "InstanceCount": 2, "Market": "SPOT",
               "BidPrice": "0.25"}]
    emr.create_security_configuration(Name="enc", SecurityConfiguration=json.dumps({"EncryptionConfiguration": {}}))
    cluster_id = emr.run_job_flow(Name="spot", ReleaseLabel="emr-7.5.0", SecurityConfiguration="enc",
                                  Instances={"InstanceGroups": groups, "KeepJobFlowAliveWhenNoSteps": True},
                                  **roles)["JobFlowId"]
    spot = next(g for g in emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"] if g["Market"] == "SPOT")
    assert spot["BidPrice"] == "0.25" and spot["InstanceType"] == "r5.2xlarge"
    emr.add_tags(ResourceId=cluster_id, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    emr.remove_tags(ResourceId=cluster_id, TagKeys=["a"])
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Tags"] == [{"Key": "b", "Value": "2"}]
    assert [c["Name"] for c in emr.list_security_configurations()["SecurityConfigurations"]] == ["enc"]
    assert error_of(emr.create_security_configuration, Name="enc", SecurityConfiguration="{}") == \
        ("InvalidRequestException", 400)
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    wait_cluster(emr, cluster_id, CLUSTER_DONE)
    emr.delete_security_configuration(Name="enc")
    bpa = emr.get_block_public_access_configuration()["BlockPublicAccessConfiguration"]
    assert bpa["BlockPublicSecurityGroupRules"] is True


SESSIONS_APP = '''
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
spark.read.json(sys.argv[1]).createOrReplaceTempView("clicks")
spark.sql("""
    WITH marked AS (
        SELECT user, ts, CASE WHEN ts - LAG(ts) OVER (PARTITION BY user ORDER BY ts) <= 1800 THEN 0 ELSE 1 END AS new
        FROM clicks),
    numbered AS (SELECT user, ts, SUM(new) OVER (PARTITION BY user ORDER BY ts) AS session FROM marked)
    SELECT user, session, COUNT(*) AS clicks, MIN(ts) AS started FROM numbered GROUP BY user, session
""").coalesce(1).write.mode("overwrite").json(sys.argv[2])
'''


def test_spark_reads_and_writes_s3_through_emrfs(emr, roles, data):
    s3, bucket = data
    clicks = [{"user": "ann", "ts": 0}, {"user": "ann", "ts": 600}, {"user": "ann", "ts": 5000},
              {"user": "bob", "ts": 100}]
    s3.put_object(Bucket=bucket, Key="clicks/day=1/events.json",
                  Body="\n".join(json.dumps(c) for c in clicks).encode())
    s3.put_object(Bucket=bucket, Key="code/sessions.py", Body=SESSIONS_APP.encode())
    cluster_id = emr.run_job_flow(
        Name="click-stream", ReleaseLabel="emr-7.5.0", Instances=_instances(),
        # a class path of the cluster's own: EMRFS's jar stays on it
        Configurations=[{"Classification": "spark-defaults",
                         "Properties": {"spark.driver.extraClassPath": "/opt/extra-jars/*"}}],
        Steps=[emr_step("sessions", "spark-submit", f"s3://{bucket}/code/sessions.py", f"s3a://{bucket}/clicks/",
                     f"s3://{bucket}/sessions/")], **roles)["JobFlowId"]
    wait_cluster(emr, cluster_id, CLUSTER_DONE)
    step = steps_by_name(emr, cluster_id)["sessions"]
    assert step["Status"]["State"] == "COMPLETED", step["Status"].get("FailureDetails")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="sessions/")["Contents"]]
    assert "sessions/_SUCCESS" in keys and not any("_temporary" in k for k in keys)
    [part] = [k for k in keys if k.rsplit("/", 1)[-1].startswith("part-")]
    rows = [json.loads(line) for line in s3.get_object(Bucket=bucket, Key=part)["Body"].read().decode().splitlines()]
    assert sorted((r["user"], r["session"], r["clicks"], r["started"]) for r in rows) == [
        ("ann", 1, 2, 0), ("ann", 2, 1, 5000), ("bob", 1, 1, 100)]


def test_clusters_publish_resource_change_events_for_config(emr, roles, server):
    from nimbus.core.events import RESOURCE_CHANGE
    from nimbus.core.resource_change import contract_errors

    published: list = []
    server.runtime.events.subscribe(RESOURCE_CHANGE, published.append)
    try:
        cluster_id = emr.run_job_flow(Name="recorded", ReleaseLabel="emr-7.5.0",
                                      Instances=_instances(KeepJobFlowAliveWhenNoSteps=True), **roles)["JobFlowId"]
        emr.add_tags(ResourceId=cluster_id, Tags=[{"Key": "k", "Value": "v"}])
        emr.terminate_job_flows(JobFlowIds=[cluster_id])
        server.runtime.events.flush()
    finally:
        server.runtime.events.unsubscribe(RESOURCE_CHANGE, published.append)
    mine = [e for e in published if e.resource_arn.endswith(cluster_id)]
    assert [(e.resource_type, e.change) for e in mine] == [
        ("AWS::EMR::Cluster", "created"), ("AWS::EMR::Cluster", "updated"), ("AWS::EMR::Cluster", "deleted")]
    assert not any(contract_errors(e) for e in mine)
    assert mine[1].configuration["Tags"] == [{"Key": "k", "Value": "v"}]
    wait_cluster(emr, cluster_id, CLUSTER_DONE)
