"""Data Pipeline's timeouts and state changes on the virtual clock: attemptTimeout, lateAfterTimeout's
onLateAction alarm, pause and resume, deactivation, and a task a runner holds when its attempt ends."""
from __future__ import annotations

import json

import pytest

from tests.support import advance_clock, body, error_of, unique
from tests.test_datapipeline_api import obj
from tests.test_datapipeline_runs import start, wait_status


@pytest.fixture(scope="module")
def dp(aws):
    return aws("datapipeline")


def test_an_attempt_past_its_timeout_times_out(dp, endpoint):
    group = unique("wg")
    pipeline = start(dp, [obj("Default", scheduleType="ondemand", workerGroup=group, maximumRetries="0"),
                          obj("Slow", type="ShellCommandActivity", command="sleep 1000", attemptTimeout="5 minutes")])
    instance = dp.query_objects(pipelineId=pipeline, sphere="INSTANCE")["ids"][0]
    wait_status(dp, pipeline, instance, {"WAITING_FOR_RUNNER"})
    task = dp.poll_for_task(workerGroup=group, hostname="slow-runner")["taskObject"]
    assert wait_status(dp, pipeline, instance, {"RUNNING"})["@hostname"] == "slow-runner"
    assert dp.report_task_progress(taskId=task["taskId"])["canceled"] is False
    advance_clock(endpoint, 301)
    attempt = wait_status(dp, pipeline, task["attemptId"], {"TIMEDOUT"})
    assert "attemptTimeout" in attempt["errorMessage"]
    assert wait_status(dp, pipeline, instance, {"TIMEDOUT"})
    assert dp.report_task_progress(taskId=task["taskId"])["canceled"] is True
    dp.set_task_status(taskId=task["taskId"], taskStatus="FINISHED")  # too late: the attempt stays timed out
    assert wait_status(dp, pipeline, instance, {"TIMEDOUT"})
    assert error_of(dp.set_task_status, taskId=task["taskId"], taskStatus="FINISHED").code == "TaskNotFoundException"


def test_a_late_instance_raises_its_on_late_action(dp, aws, endpoint, receiver):
    iam, sns = aws("iam"), aws("sns")
    name = unique("late")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "datapipeline.amazonaws.com"}}]}))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="sns", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}]}))
    topic = sns.create_topic(Name=name)["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url)
    confirmations = receiver.wait_for(1, "SubscriptionConfirmation")
    sns.confirm_subscription(TopicArn=topic, Token=body(confirmations[-1])["Token"])
    pipeline = start(dp, [
        obj("Default", scheduleType="ondemand", workerGroup=unique("nobody")),
        obj("Late", type="SnsAlarm", topicArn=topic, role=role, subject="late", message="#{node.name} is late"),
        obj("Waits", type="ShellCommandActivity", command="true", lateAfterTimeout="30 minutes",
            onLateAction=("ref", "Late"))])
    instance = dp.query_objects(pipelineId=pipeline, sphere="INSTANCE")["ids"][0]
    wait_status(dp, pipeline, instance, {"WAITING_FOR_RUNNER"})
    assert not [r for r in receiver.of_type("Notification") if body(r)["TopicArn"] == topic]
    advance_clock(endpoint, 1801)
    alarms = receiver.wait_for(1, "Notification")
    assert [body(r)["Message"] for r in alarms if body(r)["TopicArn"] == topic] == ["Waits is late"]


def test_pause_resume_and_deactivate(dp):
    group = unique("wg")
    pipeline = start(dp, [obj("Default", scheduleType="ondemand", workerGroup=group),
                          obj("Job", type="ShellCommandActivity", command="true")])
    state = lambda: {f["key"]: f["stringValue"] for f in dp.describe_pipelines(  # noqa: E731
        pipelineIds=[pipeline])["pipelineDescriptionList"][0]["fields"]}["@pipelineState"]
    instance = dp.query_objects(pipelineId=pipeline, sphere="INSTANCE")["ids"][0]
    wait_status(dp, pipeline, instance, {"WAITING_FOR_RUNNER"})
    dp.set_status(pipelineId=pipeline, objectIds=["Job"], status="PAUSE")
    assert state() == "PAUSED"
    assert "taskObject" not in dp.poll_for_task(workerGroup=group)
    dp.set_status(pipelineId=pipeline, objectIds=["Job"], status="RESUME")
    assert state() == "SCHEDULED"
    dp.deactivate_pipeline(pipelineId=pipeline)
    assert state() == "INACTIVE"
    assert wait_status(dp, pipeline, instance, {"CANCELED"})
    dp.set_status(pipelineId=pipeline, objectIds=[instance], status="RERUN")
    dp.activate_pipeline(pipelineId=pipeline)
    assert state() == "SCHEDULED"
    task = dp.poll_for_task(workerGroup=group)["taskObject"]
    assert task["attemptId"] == f"{instance}_Attempt=1"
