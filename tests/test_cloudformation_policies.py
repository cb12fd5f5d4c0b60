"""CloudFormation stack policies (SetStackPolicy, GetStackPolicy, a policy on create, from S3, and one for a
single update) and deletion policies (DeletionPolicy and UpdateReplacePolicy, Snapshot refused for the types
that cannot take one)."""
from __future__ import annotations

import json

import pytest

from tests.support import error_of, settled_stack, stack_events, stack_resources, unique


@pytest.fixture(scope="module")
def cf(aws):
    return aws("cloudformation")


def statement(effect: str, action, resource="*", **extra) -> dict:
    return {"Effect": effect, "Action": action, "Principal": "*", "Resource": resource, **extra}


def policy(*statements: dict) -> str:
    return json.dumps({"Statement": list(statements)})


ALLOW_ALL = statement("Allow", "Update:*")


def template(display: str, parameter: str, with_param: bool = True) -> str:
    resources = {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": display}}}
    if with_param:
        resources["Param"] = {"Type": "AWS::SSM::Parameter",
                              "Properties": {"Name": parameter, "Type": "String", "Value": "v"}}
    return json.dumps({"Resources": resources})


def failed_reason(cf, name: str, logical_id: str) -> str:
    return [e[2] for e in stack_events(cf, name) if e[:2] == (logical_id, "UPDATE_FAILED")][-1]


def test_a_policy_denies_a_replacement_and_the_update_rolls_back(cf, aws):
    first, second = unique("/guarded"), unique("/guarded")
    denying = policy(statement("Deny", "Update:Replace", "LogicalResourceId/Param"), ALLOW_ALL)
    name = unique("policy")
    cf.create_stack(StackName=name, TemplateBody=template("one", first), StackPolicyBody=denying)
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    assert cf.get_stack_policy(StackName=name)["StackPolicyBody"] == denying
    topic = stack_resources(cf, name)["Topic"]
    cf.update_stack(StackName=name, TemplateBody=template("two", second))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert failed_reason(cf, name, "Param") == (
        "Action denied by stack policy: Statement [#1] does not allow [Update:Replace] for resource "
        "[LogicalResourceId/Param];")
    assert (name, "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed to update: [Param].") in \
        stack_events(cf, name)
    ssm = aws("ssm")
    assert ssm.get_parameter(Name=first)["Parameter"]["Value"] == "v"
    assert error_of(ssm.get_parameter, Name=second).code == "ParameterNotFound"
    assert aws("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "one"
    # A policy for this update only lets it through, and the stack keeps its own.
    cf.update_stack(StackName=name, TemplateBody=template("two", second), StackPolicyDuringUpdateBody=policy(ALLOW_ALL))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    assert stack_resources(cf, name)["Param"] == second
    assert cf.get_stack_policy(StackName=name)["StackPolicyBody"] == denying


def test_set_stack_policy_denies_by_default_and_by_resource_type(cf, aws):
    parameter = unique("/kept")
    name = unique("set-policy")
    cf.create_stack(StackName=name, TemplateBody=template("one", parameter))
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    assert "StackPolicyBody" not in cf.get_stack_policy(StackName=name)
    cf.set_stack_policy(StackName=name, StackPolicyBody=policy(statement("Allow", "Update:Modify")))
    cf.update_stack(StackName=name, TemplateBody=template("one", parameter, with_param=False))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert failed_reason(cf, name, "Param") == (
        "Action not allowed by stack policy: No statement allows [Update:Delete] for resource "
        "[LogicalResourceId/Param];")
    assert aws("ssm").get_parameter(Name=parameter)["Parameter"]["Value"] == "v"
    by_type = policy(statement("Deny", "Update:*", Condition={"StringEquals": {"ResourceType": ["AWS::SNS::Topic"]}}),
                     ALLOW_ALL)
    cf.set_stack_policy(StackName=name, StackPolicyBody=by_type)
    cf.update_stack(StackName=name, TemplateBody=template("two", parameter))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert failed_reason(cf, name, "Topic") == (
        "Action denied by stack policy: Statement [#1] does not allow [Update:*] for resource [*];")
    like = policy(statement("Deny", "Update:*", Condition={"StringLike": {"ResourceType": "AWS::S3::*"}}), ALLOW_ALL)
    cf.set_stack_policy(StackName=name, StackPolicyBody=like)
    cf.update_stack(StackName=name, TemplateBody=template("two", parameter))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"


def test_a_policy_from_s3_and_bad_policies(cf, aws):
    bucket = unique("policies")
    s3 = aws("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="policy.json", Body=policy(ALLOW_ALL).encode())
    name = unique("url-policy")
    cf.create_stack(StackName=name, TemplateBody=template("one", unique("/p")),
                    StackPolicyURL=f"https://{bucket}.s3.amazonaws.com/policy.json")
    assert json.loads(cf.get_stack_policy(StackName=name)["StackPolicyBody"]) == {"Statement": [ALLOW_ALL]}
    for bad, why in (("{", "the policy is not valid JSON"), ("{}", "the policy must have a Statement"),
                     (policy(statement("Allow", "Update:Rename")), "unknown action Update:Rename"),
                     (policy({**ALLOW_ALL, "Principal": "arn:aws:iam::123456789012:root"}), "Principal must be *"),
                     (policy(statement("Allow", "Update:*", "Param")),
                      "resource Param must be * or LogicalResourceId/<logical id>")):
        assert error_of(cf.set_stack_policy, StackName=name, StackPolicyBody=bad).worded == (
            "ValidationError", f"Error validating stack policy: {why}")
    assert error_of(cf.set_stack_policy, StackName=name, StackPolicyBody="{}", StackPolicyURL="https://x").worded == (
        "ValidationError", "You cannot specify both StackPolicyURL and StackPolicyBody")


def test_snapshot_only_for_types_that_take_one(cf):
    for attribute, words in (("DeletionPolicy", "deletion policy"), ("UpdateReplacePolicy", "update replace policy")):
        body = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic", attribute: "Snapshot"}}})
        assert error_of(cf.create_stack, StackName=unique("snap"), TemplateBody=body).worded == (
            "ValidationError", f"Template error: resource type AWS::SNS::Topic does not support {words} Snapshot")
        assert error_of(cf.validate_template, TemplateBody=body).code == "ValidationError"
    database = {"Type": "AWS::RDS::DBInstance", "DeletionPolicy": "Snapshot", "UpdateReplacePolicy": "Snapshot",
                "Properties": {"DBInstanceClass": "db.t3.micro", "Engine": "postgres"}}
    cf.validate_template(TemplateBody=json.dumps({"Resources": {"Db": database}}))
    body = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "DeletionPolicy": "Keep"}}})
    assert error_of(cf.create_stack, StackName=unique("snap"), TemplateBody=body).worded == (
        "ValidationError", "Template format error: Unrecognized DeletionPolicy Keep for resource Topic")


def test_an_export_in_use_is_neither_changed_nor_dropped_by_an_update(cf, aws):
    export = unique("shared")

    def exporter(display: str, exported: bool = True) -> str:
        outputs = {"Name": {"Value": {"Fn::GetAtt": ["Topic", "TopicName"]}}}
        if exported:
            outputs["Name"]["Export"] = {"Name": export}
        return json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {
            "DisplayName": display, "TopicName": {"Fn::Sub": "${AWS::StackName}-" + display}}}},
            "Outputs": outputs})

    name, importer = unique("exporter"), unique("importer")
    cf.create_stack(StackName=name, TemplateBody=exporter("one"))
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    cf.create_stack(StackName=importer, TemplateBody=json.dumps({"Resources": {"Param": {
        "Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": {"Fn::ImportValue": export}}}}}))
    assert settled_stack(cf, importer)["StackStatus"] == "CREATE_COMPLETE"
    for body, verb in ((exporter("two"), "updated"), (exporter("one", exported=False), "deleted")):
        cf.update_stack(StackName=name, TemplateBody=body)
        stack = settled_stack(cf, name)
        assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
        assert (name, "UPDATE_ROLLBACK_IN_PROGRESS", f"Export {export} cannot be {verb} as it is in use by "
                f"{importer}") in stack_events(cf, name)
    assert {e["Name"]: e["Value"] for e in cf.list_exports()["Exports"]}[export] == f"{name}-one"
    assert error_of(cf.update_stack, StackName=name, TemplateBody=exporter("one")).worded == (
        "ValidationError", "No updates are to be performed.")
