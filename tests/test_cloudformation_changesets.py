"""CloudFormation change sets through boto3 and `aws cloudformation deploy`: what a change set says it will
do (Add, Modify with Replacement True / False / Conditional, Remove), executing it, and a versioned
template in S3 updated through a change set that shows one replacement."""
from __future__ import annotations

import json
import os
import subprocess
import time

import pytest

from tests.support import AWS_CLI, error_of, settled_stack, stack_resources, unique


@pytest.fixture(scope="module")
def cf(aws):
    return aws("cloudformation")


def changes(cf, change_set_id: str) -> dict[str, dict]:
    described = cf.describe_change_set(ChangeSetName=change_set_id)
    return {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"] for c in described["Changes"]}


def test_a_create_change_set_reviews_then_creates(cf, aws):
    name = unique("review")
    template = {"Parameters": {"Secret": {"Type": "String", "NoEcho": True}},
                "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}, "Group": {"Type": "AWS::Logs::LogGroup"}}}
    created = cf.create_change_set(StackName=name, ChangeSetName="first", ChangeSetType="CREATE",
                                   TemplateBody=json.dumps(template), Description="the first",
                                   Parameters=[{"ParameterKey": "Secret", "ParameterValue": "hush"}])
    cf.get_waiter("change_set_create_complete").wait(ChangeSetName=created["Id"],
                                                     WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    stack = cf.describe_stacks(StackName=name)["Stacks"][0]
    assert (stack["StackId"], stack["StackStatus"]) == (created["StackId"], "REVIEW_IN_PROGRESS")
    described = cf.describe_change_set(ChangeSetName="first", StackName=name)
    assert (described["Status"], described["ExecutionStatus"], described["Description"]) == (
        "CREATE_COMPLETE", "AVAILABLE", "the first")
    assert described["Parameters"] == [{"ParameterKey": "Secret", "ParameterValue": "****"}]
    assert {k: (c["Action"], c["ResourceType"]) for k, c in changes(cf, created["Id"]).items()} == {
        "Topic": ("Add", "AWS::SNS::Topic"), "Group": ("Add", "AWS::Logs::LogGroup")}
    assert aws("sns").list_topics()["Topics"] == []  # nothing is made before it runs
    assert cf.get_template(StackName=name, ChangeSetName="first")["TemplateBody"] == template  # boto3 parses JSON
    cf.execute_change_set(ChangeSetName="first", StackName=name)
    cf.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    assert set(stack_resources(cf, name)) == {"Topic", "Group"}
    summary = cf.list_change_sets(StackName=name)["Summaries"]
    assert [(s["ChangeSetName"], s["ExecutionStatus"]) for s in summary] == [("first", "EXECUTE_COMPLETE")]
    assert error_of(cf.execute_change_set, ChangeSetName=created["Id"]).worded == (
        "InvalidChangeSetStatus", f"ChangeSet [{created['Id']}] cannot be executed in its current execution status "
                                  "of [EXECUTE_COMPLETE]")
    assert error_of(cf.create_change_set, StackName=name, ChangeSetName="again", ChangeSetType="CREATE",
                    TemplateBody=json.dumps(template)).worded == (
        "ValidationError", f"Stack [{name}] already exists and cannot be created again with the changeSet [again].")
    cf.delete_change_set(ChangeSetName=created["Id"])
    assert cf.list_change_sets(StackName=name)["Summaries"] == []
    assert error_of(cf.describe_change_set, ChangeSetName="first", StackName=name).worded == (
        "ChangeSetNotFound", "ChangeSet [first] does not exist")


def test_an_update_change_set_says_what_it_will_do(cf, aws):
    name = unique("plan")
    first = unique("/plan")
    template = {"Parameters": {"Days": {"Type": "Number"}, "Path": {"Type": "String"}},
                "Resources": {
                    "Group": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": {"Ref": "Days"}}},
                    "Param": {"Type": "AWS::SSM::Parameter",
                              "Properties": {"Name": {"Ref": "Path"}, "Type": "String", "Value": "v"}},
                    "Old": {"Type": "AWS::SNS::Topic"}}}
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template), Parameters=[
        {"ParameterKey": "Days", "ParameterValue": "7"}, {"ParameterKey": "Path", "ParameterValue": first}])
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    before = stack_resources(cf, name)
    assert cf.create_change_set(StackName=name, ChangeSetName="same", UsePreviousTemplate=True, Parameters=[
        {"ParameterKey": "Days", "UsePreviousValue": True}, {"ParameterKey": "Path", "UsePreviousValue": True}])
    same = cf.describe_change_set(ChangeSetName="same", StackName=name)
    assert (same["Status"], same["ExecutionStatus"], same["StatusReason"]) == (
        "FAILED", "UNAVAILABLE", "The submitted information didn't contain changes. Submit different information "
                                 "to create a change set.")
    del template["Resources"]["Old"]
    template["Resources"]["New"] = {"Type": "AWS::SNS::Topic"}
    template["Resources"]["Reader"] = {"Type": "AWS::SSM::Parameter", "Properties": {
        "Type": "String", "Value": "r", "Name": {"Fn::Sub": "/reader/${New.TopicName}"}}}
    second = unique("/plan")
    change_set = cf.create_change_set(StackName=name, ChangeSetName="next", TemplateBody=json.dumps(template),
                                      Parameters=[{"ParameterKey": "Days", "ParameterValue": "14"},
                                                  {"ParameterKey": "Path", "ParameterValue": second}])["Id"]
    planned = changes(cf, change_set)
    assert {k: (c["Action"], c.get("Replacement")) for k, c in planned.items()} == {
        "Group": ("Modify", "False"), "Param": ("Modify", "True"), "New": ("Add", None), "Reader": ("Add", None),
        "Old": ("Remove", None)}
    assert planned["Param"]["Details"] == [{"Target": {"Attribute": "Properties", "Name": "Name",
                                                       "RequiresRecreation": "Always"},
                                            "Evaluation": "Static", "ChangeSource": "ParameterReference",
                                            "CausingEntity": "Path"}]
    assert planned["Group"]["Details"][0]["Target"] == {"Attribute": "Properties", "Name": "RetentionInDays",
                                                        "RequiresRecreation": "Never"}
    assert (planned["Old"]["PhysicalResourceId"], planned["Old"]["PolicyAction"]) == (before["Old"], "Delete")
    assert [s["ExecutionStatus"] for s in cf.list_change_sets(StackName=name)["Summaries"]] == [
        "AVAILABLE", "UNAVAILABLE"]
    cf.execute_change_set(ChangeSetName=change_set)
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    after = stack_resources(cf, name)
    assert after["Group"] == before["Group"] and after["Param"] == second and "Old" not in after
    assert aws("ssm").get_parameter(Name=after["Reader"])["Parameter"]["Value"] == "r"
    assert after["Reader"] == f"/reader/{after['New'].split(':')[-1]}"
    assert [(s["ChangeSetName"], s["ExecutionStatus"]) for s in cf.list_change_sets(StackName=name)["Summaries"]] \
        == [("next", "EXECUTE_COMPLETE")]  # executing one deletes the others


def test_a_dependent_create_only_property_is_a_conditional_replacement(cf):
    name = unique("conditional")
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}, "Param": {"Type": "AWS::SSM::Parameter",
                              "Properties": {"Name": unique("/fixed"), "Type": "String", "Value": "v"}}}}
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template))
    settled_stack(cf, name)
    template["Resources"]["Other"] = {"Type": "AWS::SNS::Topic"}
    template["Resources"]["Param"]["Properties"]["Name"] = {"Fn::Sub": "/named/${Other.TopicName}"}
    change_set = cf.create_change_set(StackName=name, ChangeSetName="c", TemplateBody=json.dumps(template))["Id"]
    param = changes(cf, change_set)["Param"]
    assert (param["Replacement"], param["Details"][0]["Evaluation"], param["Details"][0]["Target"]["RequiresRecreation"]) \
        == ("Conditional", "Dynamic", "Conditionally")


def test_a_versioned_template_in_s3_updated_through_a_change_set(cf, aws):
    """The user's note: templates kept in S3, the stack updated by a change set showing one replacement."""
    s3, bucket, name = aws("s3"), unique("cfn-templates"), unique("noted")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    def upload(topic_name: str) -> str:
        body = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": topic_name}},
                              "Group": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}}}}
        return s3.put_object(Bucket=bucket, Key="app.json", Body=json.dumps(body).encode())["VersionId"]

    first, second = unique("topic"), unique("topic")
    v1 = upload(first)
    url = f"https://{bucket}.s3.amazonaws.com/app.json"
    cf.create_stack(StackName=name, TemplateURL=url)
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    v2 = upload(second)
    assert v1 != v2
    change_set = cf.create_change_set(StackName=name, ChangeSetName="rename", TemplateURL=url)["Id"]
    assert {k: c["Replacement"] for k, c in changes(cf, change_set).items()} == {"Topic": "True"}
    cf.execute_change_set(ChangeSetName=change_set)
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    topics = [t["TopicArn"].split(":")[-1] for t in aws("sns").list_topics()["Topics"]]
    assert second in topics and first not in topics


def test_aws_cloudformation_deploy(cf, aws, endpoint, account, tmp_path):
    env = {**os.environ, "AWS_ACCESS_KEY_ID": account, "AWS_SECRET_ACCESS_KEY": "test"}
    name, template = unique("deployed"), tmp_path / "app.yaml"

    def deploy(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(AWS_CLI), "--endpoint-url", endpoint, "cloudformation", "deploy", "--stack-name",
                               name, "--template-file", str(template), *args],
                              env=env, capture_output=True, text=True, timeout=180)

    template.write_text("Parameters:\n  Shown: {Type: String}\nResources:\n"
                        "  Topic: {Type: AWS::SNS::Topic, Properties: {DisplayName: !Ref Shown}}\n"
                        "Outputs:\n  Arn: {Value: !Ref Topic}\n")
    done = deploy("--parameter-overrides", "Shown=one")
    assert done.returncode == 0, done.stderr
    time.sleep(1.05)
    topic = stack_resources(cf, name)["Topic"]
    assert aws("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "one"
    done = deploy("--parameter-overrides", "Shown=two")
    assert done.returncode == 0, done.stderr
    assert cf.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    assert aws("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "two"
    time.sleep(1.05)  # the CLI names its change sets by the second: the next deploy's must be another name
    done = deploy("--parameter-overrides", "Shown=two")
    assert done.returncode != 0 and "No changes to deploy" in done.stderr + done.stdout
    time.sleep(1.05)
    assert deploy("--no-fail-on-empty-changeset").returncode == 0


def test_a_stack_under_review_deletes_at_once(cf):
    name = unique("reviewed")
    created = cf.create_change_set(StackName=name, ChangeSetName="only", ChangeSetType="CREATE",
                                   TemplateBody=json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}))
    assert error_of(cf.create_change_set, StackName=name, ChangeSetName="update",
                    TemplateBody=json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})).worded == (
        "ValidationError", f"Stack [{name}] does not exist")
    cf.delete_stack(StackName=name)
    assert cf.describe_stacks(StackName=created["StackId"])["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert error_of(cf.describe_change_set, ChangeSetName=created["Id"]).code == "ChangeSetNotFound"
