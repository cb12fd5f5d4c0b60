"""Nested stacks (AWS::CloudFormation::Stack) through boto3: the child is a real stack with its own events,
linked to its parent and root, read through Fn::GetAtt Nested.Outputs.X, updated, rolled back and deleted
with its parent, and refused to anyone else."""
from __future__ import annotations

import json

import pytest

from tests.support import error_of, settled_stack, stack_events, stack_resources, unique

CHILD = {
    "Parameters": {"Days": {"Type": "Number"}, "Label": {"Type": "String", "Default": "none"}},
    "Resources": {"Group": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": {"Ref": "Days"}}},
                  "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Ref": "Label"}}}},
    "Outputs": {"TopicArn": {"Value": {"Ref": "Topic"}}, "GroupName": {"Value": {"Ref": "Group"}}}}


@pytest.fixture(scope="module")
def cf(aws):
    return aws("cloudformation")


@pytest.fixture(scope="module")
def templates(aws):
    """A bucket of the module's account holding the child templates; ``url(key, body)`` stores one."""
    s3 = aws("s3")
    bucket = unique("templates")
    s3.create_bucket(Bucket=bucket)

    def url(key: str, body: dict, style: str = "virtual") -> str:
        s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(body).encode())
        if style == "virtual":
            return f"https://{bucket}.s3.amazonaws.com/{key}"
        return f"https://s3.amazonaws.com/{bucket}/{key}"
    return url


def parent_template(url: str, days: int = 7, **extra: dict) -> dict:
    return {"Resources": {
        "Nested": {"Type": "AWS::CloudFormation::Stack", "Properties": {
            "TemplateURL": url, "Parameters": {"Days": days, "Label": "from the parent"}, "TimeoutInMinutes": 10,
            "Tags": [{"Key": "layer", "Value": "child"}]}},
        "Param": {"Type": "AWS::SSM::Parameter", "Properties": {
            "Type": "String", "Value": {"Fn::GetAtt": "Nested.Outputs.TopicArn"}}}, **extra},
        "Outputs": {"Group": {"Value": {"Fn::GetAtt": ["Nested", "Outputs.GroupName"]}}}}


def children(cf, parent_id: str) -> list[dict]:
    return [s for s in cf.list_stacks()["StackSummaries"] if s.get("ParentId") == parent_id]


def test_a_nested_stack_is_a_real_stack_of_its_parent(cf, aws, templates):
    name = unique("parent")
    url = templates("child.json", CHILD)
    parent_id = cf.create_stack(StackName=name, TemplateBody=json.dumps(parent_template(url)),
                                Tags=[{"Key": "team", "Value": "ops"}])["StackId"]
    parent = settled_stack(cf, name)
    assert parent["StackStatus"] == "CREATE_COMPLETE"
    child_id = stack_resources(cf, name)["Nested"]
    child = cf.describe_stacks(StackName=child_id)["Stacks"][0]
    assert child["StackName"].startswith(f"{name}-Nested-")
    assert (child["StackStatus"], child["ParentId"], child["RootId"], child["TimeoutInMinutes"]) == (
        "CREATE_COMPLETE", parent_id, parent_id, 10)
    assert {t["Key"]: t["Value"] for t in child["Tags"]} == {"team": "ops", "layer": "child"}
    assert "ParentId" not in parent
    assert [s["StackId"] for s in children(cf, parent_id)] == [child_id]
    assert stack_events(cf, child_id)[-1] == (child["StackName"], "CREATE_COMPLETE", "")
    resources = stack_resources(cf, child_id)
    topic = {o["OutputKey"]: o["OutputValue"] for o in child["Outputs"]}["TopicArn"]
    assert resources["Topic"] == topic
    assert aws("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "from the parent"
    group = aws("logs").describe_log_groups(logGroupNamePrefix=resources["Group"])["logGroups"][0]
    assert group["retentionInDays"] == 7
    assert aws("ssm").get_parameter(Name=stack_resources(cf, name)["Param"])["Parameter"]["Value"] == topic
    assert parent["Outputs"] == [{"OutputKey": "Group", "OutputValue": resources["Group"]}]

    assert error_of(cf.delete_stack, StackName=child_id).worded == (
        "ValidationError", f"Stack [{child['StackName']}] is a nested stack and cannot be deleted directly: delete "
                           f"its root stack [{parent_id}] instead.")
    assert error_of(cf.update_stack, StackName=child_id, UsePreviousTemplate=True).code == "ValidationError"
    assert error_of(cf.update_termination_protection, StackName=child_id,
                    EnableTerminationProtection=True).code == "ValidationError"

    cf.update_stack(StackName=name, TemplateBody=json.dumps(parent_template(url, days=14)))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    assert cf.describe_stacks(StackName=child_id)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    group = aws("logs").describe_log_groups(logGroupNamePrefix=resources["Group"])["logGroups"][0]
    assert group["retentionInDays"] == 14

    cf.delete_stack(StackName=name)
    assert settled_stack(cf, parent_id)["StackStatus"] == "DELETE_COMPLETE"
    assert cf.describe_stacks(StackName=child_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert aws("logs").describe_log_groups(logGroupNamePrefix=resources["Group"])["logGroups"] == []
    assert error_of(aws("sns").get_topic_attributes, TopicArn=topic).code == "NotFound"


def test_nested_stacks_nest_and_name_their_root(cf, templates):
    inner = templates("inner.json", CHILD, style="path")
    middle = templates("middle.json", {"Resources": {"Inner": {"Type": "AWS::CloudFormation::Stack", "Properties": {
        "TemplateURL": inner, "Parameters": {"Days": 1}}}}})
    name = unique("root")
    root_id = cf.create_stack(StackName=name, TemplateBody=json.dumps({"Resources": {
        "Middle": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": middle}}}}))["StackId"]
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    middle_id = stack_resources(cf, name)["Middle"]
    inner_id = stack_resources(cf, middle_id)["Inner"]
    inner_stack = cf.describe_stacks(StackName=inner_id)["Stacks"][0]
    assert (inner_stack["ParentId"], inner_stack["RootId"]) == (middle_id, root_id)
    cf.delete_stack(StackName=name)
    assert settled_stack(cf, root_id)["StackStatus"] == "DELETE_COMPLETE"
    assert cf.describe_stacks(StackName=inner_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"


def test_a_failed_child_fails_its_parent_and_both_roll_back(cf, aws, templates):
    url = templates("broken.json", {"Resources": {
        "Topic": {"Type": "AWS::SNS::Topic"}, "Vpc": {"Type": "AWS::EC2::VPC", "DependsOn": "Topic",
                                                       "Properties": {"CidrBlock": "10.0.0.0/16"}}}})
    name = unique("failing")
    cf.create_stack(StackName=name, TemplateBody=json.dumps({"Resources": {
        "Nested": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": url}}}}))
    assert settled_stack(cf, name)["StackStatus"] == "ROLLBACK_COMPLETE"
    (child,) = [s for s in cf.list_stacks()["StackSummaries"] if s["StackName"].startswith(f"{name}-Nested-")]
    assert child["StackStatus"] == "DELETE_COMPLETE"
    failed = [e for e in stack_events(cf, name) if e[1] == "CREATE_FAILED"]
    assert failed == [("Nested", "CREATE_FAILED", f"Embedded stack {child['StackId']} was not successfully created: "
                                                  "The following resource(s) failed to create: [Vpc]. ")]
    assert [t for t in aws("sns").list_topics()["Topics"] if f":{name}-" in t["TopicArn"]] == []


def test_a_child_is_rolled_back_with_its_parent(cf, aws, templates):
    url = templates("child.json", CHILD)
    name = unique("undone")
    template = parent_template(url, Vpc={"Type": "AWS::EC2::VPC", "DependsOn": "Param",
                                         "Properties": {"CidrBlock": "10.0.0.0/16"}})
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template))
    assert settled_stack(cf, name)["StackStatus"] == "ROLLBACK_COMPLETE"
    (child,) = [s for s in cf.list_stacks()["StackSummaries"] if s["StackName"].startswith(f"{name}-Nested-")]
    assert child["StackStatus"] == "DELETE_COMPLETE"
    assert [t for t in aws("sns").list_topics()["Topics"] if f":{name}-" in t["TopicArn"]] == []


def test_a_change_set_includes_the_nested_stacks_change_sets(cf, aws, templates):
    url = templates("child.json", CHILD)
    name = unique("planned")
    cf.create_stack(StackName=name, TemplateBody=json.dumps(parent_template(url)))
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    child_id = stack_resources(cf, name)["Nested"]
    unchanged = cf.create_change_set(StackName=name, ChangeSetName="same", UsePreviousTemplate=True)["Id"]
    nested = cf.describe_change_set(ChangeSetName=unchanged)["Changes"][0]["ResourceChange"]
    assert (nested["LogicalResourceId"], nested["Action"], nested["Details"]) == ("Nested", "Modify", [
        {"Target": {"Attribute": "Properties", "RequiresRecreation": "Never"}, "Evaluation": "Static",
         "ChangeSource": "Automatic"}])  # its template may have changed
    valued = cf.describe_change_set(ChangeSetName=unchanged, IncludePropertyValues=True)["Changes"][0]
    assert valued["ResourceChange"]["BeforeContext"] == valued["ResourceChange"]["AfterContext"]

    changed = json.loads(json.dumps(CHILD))
    changed["Resources"]["Extra"] = {"Type": "AWS::SNS::Topic"}
    new_url = templates("child-v2.json", changed)
    root = cf.create_change_set(StackName=name, ChangeSetName="deep", IncludeNestedStacks=True,
                                TemplateBody=json.dumps(parent_template(new_url)))["Id"]
    described = cf.describe_change_set(ChangeSetName=root)
    assert described["IncludeNestedStacks"] is True and "ParentChangeSetId" not in described
    nested = [c["ResourceChange"] for c in described["Changes"] if c["ResourceChange"]["LogicalResourceId"] ==
              "Nested"][0]
    assert (nested["Replacement"], nested["Details"][0]["Target"]["Name"]) == ("False", "TemplateURL")
    child_set = cf.describe_change_set(ChangeSetName=nested["ChangeSetId"])
    assert (child_set["StackId"], child_set["ParentChangeSetId"], child_set["RootChangeSetId"],
            child_set["IncludeNestedStacks"]) == (child_id, root, root, True)
    assert [(c["ResourceChange"]["LogicalResourceId"], c["ResourceChange"]["Action"])
            for c in child_set["Changes"]] == [("Extra", "Add")]
    summary = cf.list_change_sets(StackName=child_id)["Summaries"]
    assert [(s["ChangeSetId"], s["ParentChangeSetId"]) for s in summary] == [(nested["ChangeSetId"], root)]
    assert error_of(cf.execute_change_set, ChangeSetName=nested["ChangeSetId"]).worded == (
        "ValidationError", f"Change set {nested['ChangeSetId']} is a nested change set: execute its root change "
                           f"set {root} instead.")

    cf.execute_change_set(ChangeSetName=root)
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    assert "Extra" in stack_resources(cf, child_id)
    assert cf.describe_change_set(ChangeSetName=nested["ChangeSetId"])["ExecutionStatus"] == "EXECUTE_COMPLETE"
    assert cf.describe_change_set(ChangeSetName=root)["ExecutionStatus"] == "EXECUTE_COMPLETE"


def test_a_failed_parent_update_rolls_its_child_back(cf, aws, templates):
    url = templates("child.json", CHILD)
    name = unique("reverted")
    cf.create_stack(StackName=name, TemplateBody=json.dumps(parent_template(url)))
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    child_id = stack_resources(cf, name)["Nested"]
    group = stack_resources(cf, child_id)["Group"]
    broken = parent_template(url, days=14, Vpc={"Type": "AWS::EC2::VPC", "DependsOn": "Nested",
                                                "Properties": {"CidrBlock": "10.0.0.0/16"}})
    cf.update_stack(StackName=name, TemplateBody=json.dumps(broken))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    child_statuses = [e[1] for e in stack_events(cf, child_id) if e[0] == cf.describe_stacks(
        StackName=child_id)["Stacks"][0]["StackName"]]
    assert child_statuses.count("UPDATE_COMPLETE") == 2  # changed, then changed back
    assert aws("logs").describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["retentionInDays"] == 7


def test_a_change_set_adding_a_nested_stack_makes_its_create_change_set(cf, aws, templates):
    url = templates("child.json", CHILD)
    name = unique("grown")
    parent_id = cf.create_stack(StackName=name, TemplateBody=json.dumps({"Resources": {
        "Topic": {"Type": "AWS::SNS::Topic"}}}), Tags=[{"Key": "team", "Value": "ops"}])["StackId"]
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    grown = parent_template(url, Topic={"Type": "AWS::SNS::Topic"})
    dropped = cf.create_change_set(StackName=name, ChangeSetName="dropped", IncludeNestedStacks=True,
                                   TemplateBody=json.dumps(grown))["Id"]
    dropped_child = [c["ResourceChange"] for c in cf.describe_change_set(ChangeSetName=dropped)["Changes"]
                     if c["ResourceChange"]["LogicalResourceId"] == "Nested"][0]["ChangeSetId"]
    dropped_stack = cf.describe_change_set(ChangeSetName=dropped_child)["StackId"]
    cf.delete_change_set(ChangeSetName=dropped)
    assert cf.describe_stacks(StackName=dropped_stack)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"

    root = cf.create_change_set(StackName=name, ChangeSetName="grow", IncludeNestedStacks=True,
                                TemplateBody=json.dumps(grown))["Id"]
    nested = [c["ResourceChange"] for c in cf.describe_change_set(ChangeSetName=root)["Changes"]
              if c["ResourceChange"]["LogicalResourceId"] == "Nested"][0]
    assert (nested["Action"], nested["ResourceType"]) == ("Add", "AWS::CloudFormation::Stack")
    child_set = cf.describe_change_set(ChangeSetName=nested["ChangeSetId"])
    assert (child_set["ParentChangeSetId"], child_set["RootChangeSetId"], child_set["IncludeNestedStacks"]) == (
        root, root, True)
    assert child_set["StackName"].startswith(f"{name}-Nested-")
    assert sorted((c["ResourceChange"]["LogicalResourceId"], c["ResourceChange"]["Action"])
                  for c in child_set["Changes"]) == [("Group", "Add"), ("Topic", "Add")]
    child = cf.describe_stacks(StackName=child_set["StackId"])["Stacks"][0]
    assert (child["StackStatus"], child["ParentId"], child["RootId"]) == ("REVIEW_IN_PROGRESS", parent_id, parent_id)
    assert {t["Key"]: t["Value"] for t in child["Tags"]} == {"team": "ops", "layer": "child"}
    assert error_of(cf.execute_change_set, ChangeSetName=nested["ChangeSetId"]).code == "ValidationError"

    cf.execute_change_set(ChangeSetName=root)
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    assert stack_resources(cf, name)["Nested"] == child_set["StackId"]
    child = cf.describe_stacks(StackName=child_set["StackId"])["Stacks"][0]
    assert (child["StackStatus"], child["ParentId"]) == ("CREATE_COMPLETE", parent_id)
    topic = stack_resources(cf, child_set["StackId"])["Topic"]
    assert aws("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "from the parent"
    assert cf.describe_change_set(ChangeSetName=nested["ChangeSetId"])["ExecutionStatus"] == "EXECUTE_COMPLETE"
    assert [s["StackId"] for s in children(cf, parent_id) if s["StackStatus"] != "DELETE_COMPLETE"] == [
        child_set["StackId"]]
