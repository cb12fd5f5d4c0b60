"""Stack sets with the self-managed permission model, through boto3: the administrator's account assumes its
administration role, which assumes the execution role in each target account; the instances are real stacks
in the target accounts and regions, seen through their own APIs. Updates, deletes, an account without the
execution role, and failure tolerance."""
from __future__ import annotations

import json
import time

import pytest

from tests.support import account_key, advance_clock, error_of, make_client, start_server, unique

TEMPLATE = """
Parameters:
  Value: {Type: String, Default: first}
Resources:
  Param:
    Type: AWS::SSM::Parameter
    Properties: {Name: !Sub "/stackset/${AWS::StackName}", Type: String, Value: !Ref Value}
Outputs:
  Name: {Value: !Ref Param}
"""
REGIONS = ["us-east-1", "eu-west-1"]


def trust(principal: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]})


def execution_role(client, target: str, admin: str) -> None:
    client("iam", key=target).create_role(RoleName="AWSCloudFormationStackSetExecutionRole",
                                          AssumeRolePolicyDocument=trust({"AWS": f"arn:aws:iam::{admin}:root"}))


@pytest.fixture(scope="module")
def targets(client, aws, account):
    """Two target accounts with the execution role, and the administration role in the module's account."""
    iam = aws("iam")
    iam.create_role(RoleName="AWSCloudFormationStackSetAdministrationRole",
                    AssumeRolePolicyDocument=trust({"Service": "cloudformation.amazonaws.com"}))
    iam.put_role_policy(RoleName="AWSCloudFormationStackSetAdministrationRole", PolicyName="assume",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                            "Effect": "Allow", "Action": "sts:AssumeRole",
                            "Resource": "arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole"}]}))
    chosen = [account_key(), account_key()]
    for target in chosen:
        execution_role(client, target, account)
    return chosen


def finished(cf, stack_set: str, operation_id: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        operation = cf.describe_stack_set_operation(StackSetName=stack_set, OperationId=operation_id)[
            "StackSetOperation"]
        if operation["Status"] not in ("RUNNING", "QUEUED", "STOPPING"):
            return operation
        assert time.monotonic() < deadline, operation
        time.sleep(0.1)


def results(cf, stack_set: str, operation_id: str) -> dict[tuple[str, str], dict]:
    summaries = cf.list_stack_set_operation_results(StackSetName=stack_set, OperationId=operation_id)["Summaries"]
    return {(r["Account"], r["Region"]): r for r in summaries}


def parameter_of(client, target: str, region: str, cf, stack_set: str) -> str:
    """The value of the parameter the instance in (target, region) made, read through SSM there."""
    instance = cf.describe_stack_instance(StackSetName=stack_set, StackInstanceAccount=target,
                                          StackInstanceRegion=region)["StackInstance"]
    stack = client("cloudformation", key=target, region=region).describe_stacks(
        StackName=instance["StackId"])["Stacks"][0]
    assert stack["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
    name = stack["Outputs"][0]["OutputValue"]
    return client("ssm", key=target, region=region).get_parameter(Name=name)["Parameter"]["Value"]


def test_instances_across_accounts_and_regions(client, aws, targets):
    cf, name = aws("cloudformation"), unique("set")
    stack_set_id = cf.create_stack_set(StackSetName=name, TemplateBody=TEMPLATE, Description="spread")["StackSetId"]
    described = cf.describe_stack_set(StackSetName=name)["StackSet"]
    assert described["StackSetId"] == stack_set_id and described["Status"] == "ACTIVE"
    assert described["PermissionModel"] == "SELF_MANAGED"
    assert described["AdministrationRoleARN"].endswith(":role/AWSCloudFormationStackSetAdministrationRole")
    assert name in [s["StackSetName"] for s in cf.list_stack_sets(Status="ACTIVE")["Summaries"]]

    created = cf.create_stack_instances(StackSetName=name, Accounts=targets, Regions=REGIONS,
                                        OperationPreferences={"MaxConcurrentCount": 2})["OperationId"]
    assert finished(cf, name, created)["Status"] == "SUCCEEDED"
    assert {r["Status"] for r in results(cf, name, created).values()} == {"SUCCEEDED"}
    instances = cf.list_stack_instances(StackSetName=name)["Summaries"]
    assert sorted((i["Account"], i["Region"]) for i in instances) == sorted((a, r) for a in targets for r in REGIONS)
    assert {(i["Status"], i["StackInstanceStatus"]["DetailedStatus"]) for i in instances} == {("CURRENT", "SUCCEEDED")}
    for target in targets:
        for region in REGIONS:
            assert parameter_of(client, target, region, cf, name) == "first"

    updated = cf.update_stack_set(StackSetName=name, UsePreviousTemplate=True,
                                  Parameters=[{"ParameterKey": "Value", "ParameterValue": "second"}])["OperationId"]
    assert finished(cf, name, updated)["Status"] == "SUCCEEDED"
    assert parameter_of(client, targets[0], "eu-west-1", cf, name) == "second"
    overridden = cf.update_stack_instances(StackSetName=name, Accounts=[targets[1]], Regions=["us-east-1"],
                                           ParameterOverrides=[{"ParameterKey": "Value", "ParameterValue": "third"}])
    assert finished(cf, name, overridden["OperationId"])["Status"] == "SUCCEEDED"
    assert parameter_of(client, targets[1], "us-east-1", cf, name) == "third"
    assert parameter_of(client, targets[1], "eu-west-1", cf, name) == "second"
    assert error_of(cf.update_stack_instances, StackSetName=name, Accounts=["123456789012"],
                    Regions=["us-east-1"]) == ("StackInstanceNotFoundException", 404)
    operations = cf.list_stack_set_operations(StackSetName=name)["Summaries"]
    assert [(o["OperationId"], o["Action"]) for o in operations] == [
        (overridden["OperationId"], "UPDATE"), (updated, "UPDATE"), (created, "CREATE")]

    assert error_of(cf.delete_stack_set, StackSetName=name) == ("StackSetNotEmptyException", 409)
    stack_ids = [i["StackId"] for i in cf.list_stack_instances(StackSetName=name)["Summaries"]]
    deleted = cf.delete_stack_instances(StackSetName=name, Accounts=targets, Regions=REGIONS,
                                        RetainStacks=False)["OperationId"]
    assert finished(cf, name, deleted)["Status"] == "SUCCEEDED"
    assert cf.list_stack_instances(StackSetName=name)["Summaries"] == []
    target_cf = client("cloudformation", key=targets[1], region="us-east-1")
    for stack_id in [s for s in stack_ids if f":{targets[1]}:" in s and ":us-east-1:" in s]:
        assert target_cf.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    cf.delete_stack_set(StackSetName=name)
    assert error_of(cf.describe_stack_set, StackSetName=name) == ("StackSetNotFoundException", 404)


def test_account_without_the_execution_role_fails_past_the_tolerance(client, aws, account, targets):
    cf, name = aws("cloudformation"), unique("set")
    cf.create_stack_set(StackSetName=name, TemplateBody=TEMPLATE)
    stranger = account_key()  # no execution role there
    tolerated = cf.create_stack_instances(StackSetName=name, Accounts=[stranger, targets[0]], Regions=["us-east-1"],
                                          OperationPreferences={"FailureToleranceCount": 1})["OperationId"]
    assert finished(cf, name, tolerated)["Status"] == "SUCCEEDED"
    outcome = results(cf, name, tolerated)
    assert outcome[(targets[0], "us-east-1")]["Status"] == "SUCCEEDED"
    refused = outcome[(stranger, "us-east-1")]
    assert refused["Status"] == "FAILED"
    assert refused["StatusReason"] == (f"Account {stranger} should have 'AWSCloudFormationStackSetExecutionRole' "
                                       "role with trust relationship to Role "
                                       "'AWSCloudFormationStackSetAdministrationRole'.")
    instance = cf.describe_stack_instance(StackSetName=name, StackInstanceAccount=stranger,
                                          StackInstanceRegion="us-east-1")["StackInstance"]
    assert (instance["Status"], instance["StackInstanceStatus"]["DetailedStatus"]) == ("OUTDATED", "FAILED")

    # No tolerance: the first failure cancels what would follow, in this region and the next ones.
    strict = cf.create_stack_instances(StackSetName=name, Accounts=[stranger, targets[1]],
                                       Regions=["eu-west-1", "us-east-1"],
                                       OperationPreferences={"RegionOrder": ["eu-west-1"]})["OperationId"]
    assert finished(cf, name, strict)["Status"] == "FAILED"
    outcome = results(cf, name, strict)
    assert outcome[(stranger, "eu-west-1")]["Status"] == "FAILED"
    assert outcome[(targets[1], "eu-west-1")]["Status"] == "CANCELLED"
    assert outcome[(targets[1], "us-east-1")]["Status"] == "CANCELLED"
    cancelled = cf.describe_stack_instance(StackSetName=name, StackInstanceAccount=targets[1],
                                           StackInstanceRegion="eu-west-1")["StackInstance"]
    assert (cancelled["Status"], cancelled["StackInstanceStatus"]["DetailedStatus"]) == ("OUTDATED", "CANCELLED")

    # Regions in parallel: a region failing past its tolerance cancels nothing in the others.
    parallel = cf.create_stack_instances(StackSetName=name, Accounts=[targets[1], stranger],
                                         Regions=["ap-south-1", "us-west-2"],
                                         OperationPreferences={"RegionConcurrencyType": "PARALLEL"})["OperationId"]
    assert finished(cf, name, parallel)["Status"] == "FAILED"
    assert {k: r["Status"] for k, r in results(cf, name, parallel).items()} == {
        (targets[1], "ap-south-1"): "SUCCEEDED", (stranger, "ap-south-1"): "FAILED",
        (targets[1], "us-west-2"): "SUCCEEDED", (stranger, "us-west-2"): "FAILED"}

    # RetainStacks: the instances go, their stacks stay in the target accounts.
    kept = cf.describe_stack_instance(StackSetName=name, StackInstanceAccount=targets[0],
                                      StackInstanceRegion="us-east-1")["StackInstance"]["StackId"]
    retained = cf.delete_stack_instances(StackSetName=name, Accounts=[targets[0]], Regions=["us-east-1"],
                                         RetainStacks=True)["OperationId"]
    assert finished(cf, name, retained)["Status"] == "SUCCEEDED"
    assert error_of(cf.describe_stack_instance, StackSetName=name, StackInstanceAccount=targets[0],
                    StackInstanceRegion="us-east-1") == ("StackInstanceNotFoundException", 404)
    target_cf = client("cloudformation", key=targets[0])
    assert target_cf.describe_stacks(StackName=kept)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def test_errors(aws):
    cf, name = aws("cloudformation"), unique("set")
    cf.create_stack_set(StackSetName=name, TemplateBody=TEMPLATE)
    assert error_of(cf.create_stack_set, StackSetName=name, TemplateBody=TEMPLATE) == ("NameAlreadyExistsException",
                                                                                        409)
    assert error_of(cf.describe_stack_set, StackSetName="nope") == ("StackSetNotFoundException", 404)
    assert error_of(cf.describe_stack_set_operation, StackSetName=name,
                    OperationId="nope") == ("OperationNotFoundException", 404)
    assert error_of(cf.create_stack_set, StackSetName=unique("set"),
                    TemplateBody="Resources: {R: {Type: AWS::Nope::Thing}}").code == "ValidationError"
    iam_template = "Resources: {R: {Type: AWS::IAM::Role, Properties: {AssumeRolePolicyDocument: {}}}}"
    assert error_of(cf.create_stack_set, StackSetName=unique("set"),
                    TemplateBody=iam_template) == ("InsufficientCapabilitiesException", 400)


def test_a_stack_set_survives_a_restart(tmp_path):
    with start_server(tmp_path) as first:
        cf = make_client(first.endpoint, "cloudformation")
        cf.create_stack_set(StackSetName="durable", TemplateBody=TEMPLATE)
        # No roles on this server: the operation fails, and its outcome is what must survive.
        operation_id = cf.create_stack_instances(StackSetName="durable", Accounts=["111111111111"],
                                                 Regions=["us-east-1"])["OperationId"]
        assert finished(cf, "durable", operation_id)["Status"] == "FAILED"
    with start_server(tmp_path) as second:
        cf = make_client(second.endpoint, "cloudformation")
        assert cf.describe_stack_set(StackSetName="durable")["StackSet"]["TemplateBody"] == TEMPLATE
        assert finished(cf, "durable", operation_id)["Status"] == "FAILED"
        instance = cf.list_stack_instances(StackSetName="durable")["Summaries"][0]
        assert (instance["Account"], instance["StackInstanceStatus"]["DetailedStatus"]) == ("111111111111", "FAILED")
        reason = results(cf, "durable", operation_id)[("111111111111", "us-east-1")]["StatusReason"]
        assert reason.startswith("Could not assume role arn:aws:iam::000000000000:role/"
                                 "AWSCloudFormationStackSetAdministrationRole")


def test_stop_an_operation(tmp_path):
    """A stream stays CREATING on the virtual clock: the operation is stopped while its first target works;
    that target finishes, the next is cancelled, and the operation ends STOPPED."""
    with start_server(tmp_path, kinesis_transition_seconds=600) as own:
        iam, admin = make_client(own.endpoint, "iam"), "000000000000"
        iam.create_role(RoleName="AWSCloudFormationStackSetAdministrationRole",
                        AssumeRolePolicyDocument=trust({"Service": "cloudformation.amazonaws.com"}))
        execution_role(lambda service, key: make_client(own.endpoint, service, key=key), admin, admin)
        cf = make_client(own.endpoint, "cloudformation")
        cf.create_stack_set(StackSetName="slow", TemplateBody=json.dumps(
            {"Resources": {"Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}}}}))
        operation_id = cf.create_stack_instances(StackSetName="slow", Accounts=[admin],
                                                 Regions=["us-east-1", "eu-west-1"])["OperationId"]
        kinesis, deadline = make_client(own.endpoint, "kinesis"), time.monotonic() + 30
        while not kinesis.list_streams()["StreamNames"]:  # the first target's stack is making its stream
            assert time.monotonic() < deadline
            time.sleep(0.05)
        cf.stop_stack_set_operation(StackSetName="slow", OperationId=operation_id)
        assert cf.describe_stack_set_operation(StackSetName="slow", OperationId=operation_id)[
            "StackSetOperation"]["Status"] == "STOPPING"
        advance_clock(own.endpoint, 601)
        assert finished(cf, "slow", operation_id)["Status"] == "STOPPED"
        outcome = results(cf, "slow", operation_id)
        assert (outcome[(admin, "us-east-1")]["Status"], outcome[(admin, "eu-west-1")]["Status"]) == (
            "SUCCEEDED", "CANCELLED")
        assert error_of(cf.stop_stack_set_operation, StackSetName="slow",
                        OperationId=operation_id) == ("InvalidOperationException", 400)
