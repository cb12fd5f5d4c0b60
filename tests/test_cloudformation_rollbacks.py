"""CloudFormation after a failure: RollbackStack and updates of stacks DisableRollback kept, RetainExceptOnCreate,
CancelUpdateStack and ContinueUpdateRollback (with ResourcesToSkip), and TimeoutInMinutes on the virtual
clock. Resources that wait are Kinesis streams, which turn ACTIVE after Kinesis's transition time."""
from __future__ import annotations

import json
import time

import pytest

from tests.support import (
    advance_clock,
    error_of,
    make_client,
    settled_stack,
    stack_events,
    stack_resources,
    start_server,
    unique,
)


@pytest.fixture(scope="module")
def cf(aws):
    return aws("cloudformation")


def failing_bucket(s3) -> dict:
    """A bucket whose name another account holds: its creation fails."""
    taken = unique("taken")
    s3.create_bucket(Bucket=taken)
    return {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": taken}}


def statuses(cf, name: str) -> list[str]:
    return [e[1] for e in stack_events(cf, name) if e[0] == name]


def test_rollback_stack_undoes_a_create_kept_failed(cf, aws, s3):
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"},
                              "Bucket": {**failing_bucket(s3), "DependsOn": "Topic"}}}
    name = unique("kept")
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template), DisableRollback=True)
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_FAILED"
    topic = stack_resources(cf, name)["Topic"]
    assert error_of(cf.cancel_update_stack, StackName=name).worded == (
        "ValidationError", "CancelUpdateStack cannot be called from current stack status")
    assert error_of(cf.continue_update_rollback, StackName=name).worded == (
        "ValidationError", "ContinueUpdateRollback cannot be called from current stack status")
    assert cf.rollback_stack(StackName=name)["StackId"] == settled_stack(cf, name)["StackId"]
    assert settled_stack(cf, name)["StackStatus"] == "ROLLBACK_COMPLETE"
    assert statuses(cf, name)[-3:] == ["CREATE_FAILED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE"]
    assert error_of(aws("sns").get_topic_attributes, TopicArn=topic).code == "NotFound"
    assert error_of(cf.rollback_stack, StackName=name).worded == (
        "ValidationError", "RollbackStack cannot be called from current stack status")


def test_an_update_kept_failed_is_fixed_by_an_update_or_rolled_back(cf, aws, s3):
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "one"}}}}
    name = unique("upd")
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template))
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    topic = stack_resources(cf, name)["Topic"]
    template["Resources"]["Topic"]["Properties"]["DisplayName"] = "two"
    template["Resources"]["Group"] = {"Type": "AWS::Logs::LogGroup", "DependsOn": "Topic"}
    template["Resources"]["Bucket"] = {**failing_bucket(s3), "DependsOn": "Group"}
    cf.update_stack(StackName=name, TemplateBody=json.dumps(template), DisableRollback=True)
    failed = settled_stack(cf, name)
    assert (failed["StackStatus"], failed["StackStatusReason"]) == (
        "UPDATE_FAILED", "The following resource(s) failed to create: [Bucket]. ")
    group = stack_resources(cf, name)["Group"]
    sns, logs = aws("sns"), aws("logs")
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "two"
    # A second update that still fails adds to what a rollback undoes.
    template["Resources"]["Topic"]["Properties"]["DisplayName"] = "three"
    cf.update_stack(StackName=name, TemplateBody=json.dumps(template), DisableRollback=True)
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_FAILED"
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "three"
    cf.rollback_stack(StackName=name)
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "one"
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []
    assert set(stack_resources(cf, name)) == {"Topic"}
    assert statuses(cf, name)[-3:] == [
        "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE"]
    # Kept failed again, then fixed by an update: the update completes from UPDATE_FAILED.
    cf.update_stack(StackName=name, TemplateBody=json.dumps(template), DisableRollback=True)
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_FAILED"
    del template["Resources"]["Bucket"]
    cf.update_stack(StackName=name, TemplateBody=json.dumps(template))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    assert set(stack_resources(cf, name)) == {"Topic", "Group"}
    assert error_of(cf.rollback_stack, StackName=name).code == "ValidationError"


@pytest.mark.parametrize("retain_except_on_create", [False, True])
def test_retain_except_on_create(cf, aws, s3, retain_except_on_create):
    template = {"Resources": {"Kept": {"Type": "AWS::SNS::Topic", "DeletionPolicy": "Retain"},
                              "Bucket": {**failing_bucket(s3), "DependsOn": "Kept"}}}
    name = unique("roc")
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template), RetainExceptOnCreate=retain_except_on_create)
    stack = settled_stack(cf, name)
    assert (stack["StackStatus"], stack.get("RetainExceptOnCreate", False)) == (
        "ROLLBACK_COMPLETE", retain_except_on_create)
    kept = [e for e in stack_events(cf, name) if e[0] == "Kept"]
    topics = [t["TopicArn"] for t in aws("sns").list_topics()["Topics"] if f":{name}-Kept-" in t["TopicArn"]]
    if retain_except_on_create:
        assert kept[-1][1] == "DELETE_COMPLETE" and topics == []
    else:
        assert kept[-1][1] == "DELETE_SKIPPED" and len(topics) == 1


def test_deletion_policy_retain_except_on_create(cf, aws, s3):
    """As a DeletionPolicy: deleted when the create that made it rolls back, kept when the stack is deleted."""
    kept = {"Type": "AWS::SSM::Parameter", "DeletionPolicy": "RetainExceptOnCreate",
            "Properties": {"Type": "String", "Value": "v"}}
    name = unique("roc-policy")
    cf.create_stack(StackName=name, TemplateBody=json.dumps({"Resources": {
        "Param": kept, "Bucket": {**failing_bucket(s3), "DependsOn": "Param"}}}))
    assert settled_stack(cf, name)["StackStatus"] == "ROLLBACK_COMPLETE"
    assert [e[1] for e in stack_events(cf, name) if e[0] == "Param"][-1] == "DELETE_COMPLETE"
    other = unique("roc-policy")
    cf.create_stack(StackName=other, TemplateBody=json.dumps({"Resources": {"Param": kept}}))
    assert settled_stack(cf, other)["StackStatus"] == "CREATE_COMPLETE"
    parameter = stack_resources(cf, other)["Param"]
    stack_id = settled_stack(cf, other)["StackId"]
    cf.delete_stack(StackName=other)
    assert settled_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE"
    assert aws("ssm").get_parameter(Name=parameter)["Parameter"]["Value"] == "v"


# --- resources that wait: a server whose Kinesis streams take ten virtual minutes to turn ACTIVE ---------

TRANSITION = 600


@pytest.fixture(scope="module")
def slow(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("slow-kinesis"), kinesis_transition_seconds=TRANSITION) as running:
        yield running


def slow_client(slow, service: str):
    return make_client(slow.endpoint, service)


def when_in_progress(cf, name: str, logical_id: str) -> None:
    """Once the resource's creation has started (its handler now waits for Kinesis)."""
    deadline = time.monotonic() + 30
    while ("CREATE_IN_PROGRESS" not in [e[1] for e in stack_events(cf, name) if e[0] == logical_id]):
        assert time.monotonic() < deadline, f"{logical_id} never started"
        time.sleep(0.1)


def settled_advancing(cf, endpoint: str, name: str) -> dict:
    """The stack once settled, moving the virtual clock past each Kinesis transition it waits for."""
    return settled_stack(cf, name, waiting=lambda: advance_clock(endpoint, TRANSITION + 1))


def test_a_create_past_its_timeout_rolls_back(slow):
    cf, kinesis = slow_client(slow, "cloudformation"), slow_client(slow, "kinesis")
    name = unique("timeout")
    cf.create_stack(StackName=name, TimeoutInMinutes=5, TemplateBody=json.dumps({"Resources": {
        "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}},
        "After": {"Type": "AWS::SNS::Topic", "DependsOn": "Stream"}}}))
    when_in_progress(cf, name, "Stream")
    stack = settled_advancing(cf, slow.endpoint, name)
    assert (stack["StackStatus"], stack["TimeoutInMinutes"]) == ("ROLLBACK_COMPLETE", 5)
    assert (name, "ROLLBACK_IN_PROGRESS", "Stack creation time exceeded the specified timeout. Rollback requested "
            "by user.") in stack_events(cf, name)
    assert "After" not in {e[0] for e in stack_events(cf, name)}  # never started once the time was up
    assert [s for s in kinesis.list_streams()["StreamNames"] if s.startswith(name)] == []


def test_a_create_within_its_timeout_completes(slow):
    cf = slow_client(slow, "cloudformation")
    name = unique("in-time")
    cf.create_stack(StackName=name, TimeoutInMinutes=60, TemplateBody=json.dumps({"Resources": {
        "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}}}}))
    when_in_progress(cf, name, "Stream")
    advance_clock(slow.endpoint, TRANSITION + 1)  # once: the stream turns ACTIVE, well within the hour
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"


def test_cancel_update_then_continue_update_rollback(slow):
    cf, logs, kinesis = (slow_client(slow, s) for s in ("cloudformation", "logs", "kinesis"))
    template = {"Resources": {"Group": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 7}},
                              "Topic": {"Type": "AWS::SNS::Topic"}}}
    name = unique("cancel")
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template))
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    group = stack_resources(cf, name)["Group"]
    template["Resources"]["Group"]["Properties"]["RetentionInDays"] = 14
    template["Resources"]["Stream"] = {"Type": "AWS::Kinesis::Stream", "DependsOn": "Group",
                                       "Properties": {"ShardCount": 1}}
    cf.update_stack(StackName=name, TemplateBody=json.dumps(template))
    when_in_progress(cf, name, "Stream")
    logs.delete_log_group(logGroupName=group)  # the rollback cannot set its retention back
    cf.cancel_update_stack(StackName=name)
    failed = settled_advancing(cf, slow.endpoint, name)
    assert failed["StackStatus"] == "UPDATE_ROLLBACK_FAILED"
    events = stack_events(cf, name)
    assert (name, "UPDATE_ROLLBACK_IN_PROGRESS", "Stack update cancelled") in events
    assert [e[1] for e in events if e[0] == "Group"][-1] == "UPDATE_FAILED"
    assert [s for s in kinesis.list_streams()["StreamNames"] if s.startswith(name)] == []  # the update's is gone
    assert error_of(cf.continue_update_rollback, StackName=name, ResourcesToSkip=["Topic"]).worded == (
        "ValidationError", "Resource [Topic] is not in a failed state and cannot be skipped")
    cf.continue_update_rollback(StackName=name, ResourcesToSkip=["Group"])
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert set(stack_resources(cf, name)) == {"Group", "Topic"}
    assert [e[1] for e in stack_events(cf, name) if e[0] == "Group"][-1] == "UPDATE_COMPLETE"
