"""CloudFormation's IAM users, groups, policies and instance profiles, Logs streams and Kinesis consumers:
made, updated and deleted through their own services' APIs."""
from __future__ import annotations

import json

import pytest

from tests.support import error_of, settled_stack, stack_resources, unique

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "ec2.amazonaws.com"}}]}


def document(action: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}


def template(action: str, policy_name: str, extra_users: list) -> dict:
    return {"Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST}},
        "Group": {"Type": "AWS::IAM::Group", "Properties": {"Policies": [
            {"PolicyName": "group-inline", "PolicyDocument": document("sns:Publish")}]}},
        "Other": {"Type": "AWS::IAM::Group"},
        "User": {"Type": "AWS::IAM::User", "Properties": {
            "Groups": [{"Ref": "Group"}], "ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}},
        "Managed": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "PolicyDocument": document(action), "Roles": [{"Ref": "Role"}], "Groups": [{"Ref": "Group"}]}},
        "Inline": {"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyName": policy_name, "PolicyDocument": document(action), "Users": [{"Ref": "User"}],
            "Roles": [{"Ref": "Role"}]}},
        "Profile": {"Type": "AWS::IAM::InstanceProfile", "Properties": {"Roles": [{"Ref": "Role"}]}},
        "Addition": {"Type": "AWS::IAM::UserToGroupAddition", "Properties": {
            "GroupName": {"Ref": "Other"}, "Users": [{"Ref": "User"}, *extra_users]}},
        "Logs": {"Type": "AWS::Logs::LogGroup"},
        "Stream": {"Type": "AWS::Logs::LogStream", "Properties": {"LogGroupName": {"Ref": "Logs"}}},
        "Kinesis": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}},
        "Consumer": {"Type": "AWS::Kinesis::StreamConsumer", "Properties": {
            "StreamARN": {"Fn::GetAtt": ["Kinesis", "Arn"]}, "ConsumerName": "reader"}}},
        "Outputs": {"ConsumerStatus": {"Value": {"Fn::GetAtt": ["Consumer", "ConsumerStatus"]}}}}


@pytest.fixture(scope="module")
def cf(aws):
    return aws("cloudformation")


def test_principals_policies_streams_and_consumers(cf, aws):
    iam, name = aws("iam"), unique("principals")
    assert error_of(cf.create_stack, StackName=name, TemplateBody=json.dumps(template("s3:GetObject", "one", [])))\
        .code == "InsufficientCapabilitiesException"
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template("s3:GetObject", "one", [])),
                    Capabilities=["CAPABILITY_IAM"])
    stack = settled_stack(cf, name)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    assert stack["Outputs"] == [{"OutputKey": "ConsumerStatus", "OutputValue": "ACTIVE"}]
    made = stack_resources(cf, name)
    user, role, group, other = made["User"], made["Role"], made["Group"], made["Other"]
    assert sorted(g["GroupName"] for g in iam.list_groups_for_user(UserName=user)["Groups"]) == sorted([group, other])
    assert iam.list_group_policies(GroupName=group)["PolicyNames"] == ["group-inline"]
    assert [p["PolicyArn"] for p in iam.list_attached_user_policies(UserName=user)["AttachedPolicies"]] == [
        "arn:aws:iam::aws:policy/ReadOnlyAccess"]
    managed = made["Managed"]
    assert [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]] == [managed]
    assert [p["PolicyArn"] for p in iam.list_attached_group_policies(GroupName=group)["AttachedPolicies"]] == [managed]
    assert iam.list_user_policies(UserName=user)["PolicyNames"] == ["one"]
    assert iam.list_role_policies(RoleName=role)["PolicyNames"] == ["one"]
    profile = iam.get_instance_profile(InstanceProfileName=made["Profile"])["InstanceProfile"]
    assert [r["RoleName"] for r in profile["Roles"]] == [role]
    assert [s["logStreamName"] for s in aws("logs").describe_log_streams(logGroupName=made["Logs"])["logStreams"]] \
        == [made["Stream"]]
    consumer = aws("kinesis").describe_stream_consumer(ConsumerARN=made["Consumer"])["ConsumerDescription"]
    assert consumer["ConsumerName"] == "reader"

    extra = iam.create_user(UserName=unique("extra"))["User"]["UserName"]
    cf.update_stack(StackName=name, TemplateBody=json.dumps(template("s3:PutObject", "two", [extra])),
                    Capabilities=["CAPABILITY_IAM"])
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    assert stack_resources(cf, name)["Managed"] == managed  # a new default version, not a new policy
    versions = iam.list_policy_versions(PolicyArn=managed)["Versions"]
    default = [v for v in versions if v["IsDefaultVersion"]][0]["VersionId"]
    assert len(versions) == 2 and iam.get_policy_version(PolicyArn=managed, VersionId=default)["PolicyVersion"][
        "Document"]["Statement"][0]["Action"] == "s3:PutObject"
    assert iam.list_user_policies(UserName=user)["PolicyNames"] == ["two"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName=extra)["Groups"]] == [other]

    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"
    for call, key in ((iam.get_user, {"UserName": user}), (iam.get_role, {"RoleName": role}),
                      (iam.get_group, {"GroupName": group}), (iam.get_policy, {"PolicyArn": managed}),
                      (iam.get_instance_profile, {"InstanceProfileName": made["Profile"]})):
        assert error_of(call, **key).code == "NoSuchEntity"
    assert iam.list_groups_for_user(UserName=extra)["Groups"] == []
    assert aws("kinesis").list_streams()["StreamNames"] == []
