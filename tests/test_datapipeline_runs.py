"""Data Pipeline runs real work: a runner written with boto3 alone polls for tasks and a failed attempt
is retried after retryDelay on the virtual clock; nimbus's own Ec2Resource worker stages S3 data through a
shell command, delivers the attempt's log and alarms through SNS; ``nimbus taskrunner`` runs a worker
group; preconditions hold an instance back until S3 has the key."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import advance_clock, body, error_of, make_client, start_server, unique
from tests.test_datapipeline_api import obj

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {
    "Service": ["datapipeline.amazonaws.com", "ec2.amazonaws.com"]}}]}
WORKER = Path(__file__).with_name("datapipeline_worker.py")


@pytest.fixture(scope="module")
def dp(aws):
    return aws("datapipeline")


def pipeline_role(iam, trust: dict) -> str:
    """A role the services in ``trust`` may assume, allowed everything."""
    name = unique("dp-role")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="all", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    return arn


@pytest.fixture(scope="module")
def role(aws):
    return pipeline_role(aws("iam"), TRUST)


def wait_status(dp, pipeline: str, object_id: str, wanted: set[str], timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        found = dp.describe_objects(pipelineId=pipeline, objectIds=[object_id])["pipelineObjects"]
        fields = {f["key"]: f.get("stringValue", f.get("refValue")) for f in found[0]["fields"]} if found else {}
        if fields.get("@status") in wanted:
            return fields
        assert time.monotonic() < deadline, f"{object_id} is {fields.get('@status')}, not {wanted}"
        time.sleep(0.2)


def pipeline_state(dp, pipeline: str, wanted: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while True:
        described = dp.describe_pipelines(pipelineIds=[pipeline])["pipelineDescriptionList"][0]
        state = next(f["stringValue"] for f in described["fields"] if f["key"] == "@pipelineState")
        if state == wanted or time.monotonic() > deadline:
            return state
        time.sleep(0.2)


def start(dp, objects: list[dict]) -> str:
    pipeline = dp.create_pipeline(name=unique("run"), uniqueId=unique("run"))["pipelineId"]
    answer = dp.put_pipeline_definition(pipelineId=pipeline, pipelineObjects=objects)
    assert answer["errored"] is False, answer
    dp.activate_pipeline(pipelineId=pipeline)
    return pipeline


def test_a_boto3_runner_runs_tasks_and_a_failed_attempt_is_retried(dp, endpoint, account, tmp_path):
    group, marker = unique("wg"), tmp_path / "failed-once"
    command = f"if [ -f {marker} ]; then echo second; else touch {marker}; echo boom >&2; exit 3; fi"
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": account}
    worker = subprocess.Popen([sys.executable, str(WORKER), group, "2"], env=env, stdout=subprocess.PIPE, text=True)
    try:
        pipeline = start(dp, [obj("Default", scheduleType="ondemand", workerGroup=group),
                              obj("Flaky", type="ShellCommandActivity", command=command, retryDelay="2 minutes",
                                  maximumRetries="1")])
        instance = dp.query_objects(pipelineId=pipeline, sphere="INSTANCE")["ids"][0]
        first = wait_status(dp, pipeline, f"{instance}_Attempt=1", {"FAILED"})
        assert "exit 3" in first["errorMessage"] and "boom" in first["errorMessage"]
        assert wait_status(dp, pipeline, instance, {"WAITING_ON_DEPENDENCIES"})["@attemptCount"] == "1"
        advance_clock(endpoint, 121)
        assert wait_status(dp, pipeline, instance, {"FINISHED"})["@attemptCount"] == "2"
        assert wait_status(dp, pipeline, f"{instance}_Attempt=2", {"FINISHED"})
        out, _ = worker.communicate(timeout=60)
        assert out.splitlines()[-1].endswith("0 second")
    finally:
        worker.kill()
    assert pipeline_state(dp, pipeline, "FINISHED") == "FINISHED"  # on the scheduler's next tick


def test_retries_spent_fail_the_instance_and_cascade(dp, endpoint, account):
    group = unique("wg")
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": account}
    worker = subprocess.Popen([sys.executable, str(WORKER), group, "1"], env=env, stdout=subprocess.PIPE, text=True)
    try:
        pipeline = start(dp, [obj("Default", scheduleType="ondemand", workerGroup=group, maximumRetries="0",
                                  failureAndRerunMode="cascade"),
                              obj("Broken", type="ShellCommandActivity", command="exit 1"),
                              obj("After", type="ShellCommandActivity", command="true", dependsOn=("ref", "Broken"))])
        instances = dp.query_objects(pipelineId=pipeline, sphere="INSTANCE")["ids"]
        broken = next(i for i in instances if i.startswith("@Broken"))
        after = next(i for i in instances if i.startswith("@After"))
        assert wait_status(dp, pipeline, broken, {"FAILED"})["@attemptCount"] == "1"
        assert "Broken" in wait_status(dp, pipeline, after, {"CASCADE_FAILED"})["errorMessage"]
    finally:
        worker.kill()


def test_ec2_resource_stages_s3_data_logs_and_alarms(dp, aws, role, receiver, endpoint):
    s3, sns = aws("s3"), aws("sns")
    bucket = unique("dp-data")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="in/a.txt", Body=b"hello\n")
    s3.put_object(Bucket=bucket, Key="in/b.txt", Body=b"world\n")
    topic = sns.create_topic(Name=unique("dp-alarm"))["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url)
    token = body(receiver.wait_for(1, "SubscriptionConfirmation")[-1])["Token"]
    sns.confirm_subscription(TopicArn=topic, Token=token)
    pipeline = start(dp, [
        obj("Default", scheduleType="cron", role=role, resourceRole=role, pipelineLogUri=f"s3://{bucket}/logs/"),
        obj("Once", type="Schedule", period="1 day", startAt="FIRST_ACTIVATION_DATE_TIME", occurrences="1"),
        obj("Worker", type="Ec2Resource", terminateAfter="1 hour", schedule=("ref", "Once")),
        obj("In", type="S3DataNode", directoryPath=f"s3://{bucket}/in", schedule=("ref", "Once")),
        obj("Out", type="S3DataNode", schedule=("ref", "Once"),
            directoryPath=f"s3://{bucket}/out/#{{format(@scheduledStartTime,'YYYY')}}"),
        obj("Done", type="SnsAlarm", topicArn=topic, subject="done #{node.name}",
            message="finished #{node.@scheduledStartTime}"),
        obj("Upper", type="ShellCommandActivity", schedule=("ref", "Once"), runsOn=("ref", "Worker"), stage="true",
            input=("ref", "In"), output=("ref", "Out"), onSuccess=("ref", "Done"),
            command="cat ${INPUT1_STAGING_DIR}/*.txt | tr a-z A-Z > ${OUTPUT1_STAGING_DIR}/upper.txt; echo staged"),
    ])
    instance = dp.query_objects(pipelineId=pipeline, sphere="INSTANCE")["ids"][0]
    fields = wait_status(dp, pipeline, instance, {"FINISHED", "FAILED"})
    attempt = f"{instance}_Attempt=1"
    assert fields["@status"] == "FINISHED", wait_status(dp, pipeline, attempt, {"FAILED"}).get("errorMessage")
    year = fields["@scheduledStartTime"][:4]
    assert s3.get_object(Bucket=bucket, Key=f"out/{year}/upper.txt")["Body"].read() == b"HELLO\nWORLD\n"
    log = s3.get_object(Bucket=bucket, Key=f"logs/{pipeline}/Upper/{attempt}/Activity.log")["Body"].read()
    assert b"staged" in log
    alarm = body(receiver.wait_for(1, "Notification")[-1])
    assert alarm["Subject"] == "done Upper" and alarm["Message"] == f"finished {fields['@scheduledStartTime']}"
    # its activities ended: the resource's worker is told to stop (and does, on its next heartbeat)
    assert dp.report_task_runner_heartbeat(taskrunnerId="check", workerGroup=f"{pipeline}/Worker")["terminate"]


def test_nimbus_taskrunner_and_preconditions(dp, aws, role, endpoint, account):
    s3 = aws("s3")
    bucket, group = unique("dp-pre"), unique("wg")
    s3.create_bucket(Bucket=bucket)
    pipeline = start(dp, [
        obj("Default", scheduleType="ondemand", workerGroup=group),
        obj("Ready", type="S3KeyExists", s3Key=f"s3://{bucket}/ready", role=role),
        obj("Go", type="ShellCommandActivity", command="echo went", precondition=("ref", "Ready")),
    ])
    instance = dp.query_objects(pipelineId=pipeline, sphere="INSTANCE")["ids"][0]
    time.sleep(2)
    assert wait_status(dp, pipeline, instance, {"WAITING_ON_DEPENDENCIES"})
    s3.put_object(Bucket=bucket, Key="ready", Body=b"")
    wait_status(dp, pipeline, instance, {"WAITING_FOR_RUNNER"})
    env = {**os.environ, "AWS_ACCESS_KEY_ID": account}
    ran = subprocess.run([sys.executable, "-m", "nimbus.cli", "taskrunner", "--worker-group", group, "--endpoint",
                          endpoint, "--tasks", "1"], env=env, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert wait_status(dp, pipeline, instance, {"FINISHED"})


def test_pipelines_and_their_instances_survive_a_restart(tmp_path):
    objects = [obj("Default", scheduleType="ondemand", workerGroup="wg"),
               obj("Job", type="ShellCommandActivity", command="true")]
    with start_server(tmp_path) as first:
        dp = make_client(first.endpoint, "datapipeline")
        pipeline = start(dp, objects)
        instance = dp.query_objects(pipelineId=pipeline, sphere="INSTANCE")["ids"][0]
        wait_status(dp, pipeline, instance, {"WAITING_FOR_RUNNER"})
    with start_server(tmp_path) as second:
        dp = make_client(second.endpoint, "datapipeline")
        assert dp.get_pipeline_definition(pipelineId=pipeline, version="active")["pipelineObjects"] == objects
        assert wait_status(dp, pipeline, instance, {"WAITING_FOR_RUNNER"})["@attemptCount"] == "1"
        task = dp.poll_for_task(workerGroup="wg")["taskObject"]
        assert task["pipelineId"] == pipeline and task["attemptId"] == f"{instance}_Attempt=1"
        dp.set_task_status(taskId=task["taskId"], taskStatus="FINISHED")
        assert wait_status(dp, pipeline, instance, {"FINISHED"})


def test_activation_refuses_a_role_the_service_cannot_assume(dp, aws):
    iam = aws("iam")
    name = unique("not-trusting")
    untrusted = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]["Arn"]
    pipeline = dp.create_pipeline(name=unique("roles"), uniqueId=unique("roles"))["pipelineId"]
    dp.put_pipeline_definition(pipelineId=pipeline, pipelineObjects=[
        obj("Default", scheduleType="ondemand", workerGroup="wg", role=untrusted),
        obj("Job", type="ShellCommandActivity", command="true")])
    error = error_of(dp.activate_pipeline, pipelineId=pipeline)
    assert error[:2] == ("InvalidRequestException", 400) and untrusted in error.message


def _checked(dp, aws, role, tmp_path, command: str, **precondition) -> tuple[str, str]:
    """A pipeline whose activity waits on a ShellCommandPrecondition, both run by an Ec2Resource's worker."""
    bucket = unique("dp-shell")
    aws("s3").create_bucket(Bucket=bucket)
    pipeline = start(dp, [
        obj("Default", scheduleType="cron", role=role, resourceRole=role, pipelineLogUri=f"s3://{bucket}/logs/"),
        obj("Once", type="Schedule", period="1 day", startAt="FIRST_ACTIVATION_DATE_TIME", occurrences="1"),
        obj("Worker", type="Ec2Resource", terminateAfter="2 hours", schedule=("ref", "Once")),
        obj("Ready", type="ShellCommandPrecondition", command=command, retryDelay="1 minutes", **precondition),
        obj("Go", type="ShellCommandActivity", schedule=("ref", "Once"), runsOn=("ref", "Worker"),
            command=f"echo went > {tmp_path}/went", precondition=("ref", "Ready")),
    ])
    return pipeline, dp.query_objects(pipelineId=pipeline, sphere="INSTANCE")["ids"][0]


def wait_field(dp, pipeline: str, object_id: str, key: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        fields = wait_status(dp, pipeline, object_id, {"WAITING_ON_DEPENDENCIES", "WAITING_FOR_RUNNER", "RUNNING",
                                                        "FINISHED", "FAILED"})
        if fields.get(key):
            return fields
        assert time.monotonic() < deadline, f"{object_id} has no {key}: {fields}"
        time.sleep(0.2)


def test_a_shell_command_precondition_runs_on_the_task_runner_until_it_holds(dp, aws, role, endpoint, tmp_path):
    marker = tmp_path / "ready"
    pipeline, instance = _checked(dp, aws, role, tmp_path, f"test -f {marker}", maximumRetries="5")
    fields = wait_field(dp, pipeline, instance, "@preconditionStatus")  # the runner ran it: exit 1, false
    assert fields["@status"] == "WAITING_ON_DEPENDENCIES" and "Ready: false (1 checks)" in fields["@preconditionStatus"]
    assert not (tmp_path / "went").exists()
    marker.touch()
    advance_clock(endpoint, 61)  # its retryDelay: the next check holds, and the activity runs
    assert wait_status(dp, pipeline, instance, {"FINISHED", "FAILED"})["@status"] == "FINISHED"
    assert (tmp_path / "went").read_text() == "went\n"


def test_a_shell_command_precondition_that_never_holds_fails_its_instance(dp, aws, role, endpoint, tmp_path):
    pipeline, instance = _checked(dp, aws, role, tmp_path, "exit 1", maximumRetries="1")
    for checks in (1, 2):
        wait_field(dp, pipeline, instance, "@preconditionStatus")
        deadline = time.monotonic() + 60
        while f"({checks} checks)" not in wait_field(dp, pipeline, instance, "@preconditionStatus")[
                "@preconditionStatus"]:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        advance_clock(endpoint, 61)
    fields = wait_status(dp, pipeline, instance, {"FAILED"})
    assert "did not hold after 2 checks" in fields["errorMessage"]
    assert not (tmp_path / "went").exists()


def test_a_shell_command_precondition_times_out(dp, aws, role, endpoint, tmp_path):
    pipeline, instance = _checked(dp, aws, role, tmp_path, "exit 1", preconditionTimeout="90 minutes")
    wait_field(dp, pipeline, instance, "@preconditionStatus")
    advance_clock(endpoint, 61 * 60)  # a second false check after the retryDelay...
    deadline = time.monotonic() + 60
    while "(2 checks)" not in wait_field(dp, pipeline, instance, "@preconditionStatus")["@preconditionStatus"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    advance_clock(endpoint, 31 * 60)  # ...then the preconditionTimeout has passed since the first
    assert "did not hold within 90 minutes" in wait_status(dp, pipeline, instance, {"FAILED"})["errorMessage"]
    bad = dp.create_pipeline(name=unique("bad"), uniqueId=unique("bad"))["pipelineId"]
    answer = dp.put_pipeline_definition(pipelineId=bad, pipelineObjects=[
        obj("Default", scheduleType="ondemand"),
        obj("Soon", type="ShellCommandPrecondition", command="true", preconditionTimeout="90 seconds")])
    assert answer["errored"] and "preconditionTimeout" in json.dumps(answer["validationErrors"])
