"""CloudFormation lifecycles through boto3 and the AWS CLI: rollback that leaves nothing behind, updates in
place and by replacement, exports between stacks, templates in S3, and stacks acting as a role."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.support import AWS_CLI, error_of, settled_stack, stack_events, stack_resources, unique


@pytest.fixture(scope="module")
def cf(aws):
    return aws("cloudformation")


def create(cf, template: dict, **kwargs) -> tuple[str, dict]:
    name = unique("stack")
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template), **kwargs)
    return name, settled_stack(cf, name)


def topics_of(aws, stack_name: str) -> list[str]:
    """The topics a stack made (their names start with its own)."""
    return [t["TopicArn"] for t in aws("sns").list_topics()["Topics"] if f":{stack_name}-" in t["TopicArn"]]


def test_a_failed_resource_rolls_everything_back(cf, aws, s3):
    taken = unique("taken")
    s3.create_bucket(Bucket=taken)  # another account's: BucketAlreadyExists
    template = {"Resources": {
        "Topic": {"Type": "AWS::SNS::Topic"},
        "Param": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": {"Ref": "Topic"}}},
        "Bucket": {"Type": "AWS::S3::Bucket", "DependsOn": "Param", "Properties": {"BucketName": taken}}}}
    name, stack = create(cf, template)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    events = stack_events(cf, name)
    failed = [e for e in events if e[1] == "CREATE_FAILED"]
    assert failed == [("Bucket", "CREATE_FAILED", 'Resource handler returned message: "The requested bucket name is '
                       'not available. The bucket namespace is shared by all users of the system. Please select a '
                       'different name and try again." (HandlerErrorCode: BucketAlreadyExists)')]
    assert (name, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [Bucket]. Rollback "
            "requested by user.") in events
    assert events[-1] == (name, "ROLLBACK_COMPLETE", "")
    deleted = [e[0] for e in events if e[1] == "DELETE_COMPLETE"]
    assert deleted == ["Bucket", "Param", "Topic"]
    assert topics_of(aws, name) == []
    assert aws("ssm").describe_parameters()["Parameters"] == []
    assert aws("s3").list_buckets()["Buckets"] == []
    assert error_of(cf.update_stack, StackName=name, TemplateBody=json.dumps(template)).worded == (
        "ValidationError", f"Stack:{stack['StackId']} is in ROLLBACK_COMPLETE state and can not be updated.")
    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"


def test_disable_rollback_keeps_what_was_made(cf, aws):
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"},
                              "Vpc": {"Type": "AWS::EC2::VPC", "DependsOn": "Topic",
                                      "Properties": {"CidrBlock": "10.0.0.0/16"}}}}
    name, stack = create(cf, template, DisableRollback=True)
    assert (stack["StackStatus"], stack["StackStatusReason"]) == (
        "CREATE_FAILED", "The following resource(s) failed to create: [Vpc].")
    reason = [e[2] for e in stack_events(cf, name) if e[:2] == ("Vpc", "CREATE_FAILED")][0]
    assert reason == "nimbus does not serve resource type AWS::EC2::VPC: the stack cannot create it"
    assert topics_of(aws, name) == [stack_resources(cf, name)["Topic"]]
    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"
    assert topics_of(aws, name) == []


def test_update_in_place_and_by_replacement(cf, aws):
    template = {"Parameters": {"Days": {"Type": "Number", "Default": 7}, "Stream": {"Type": "String"}},
                "Resources": {
                    "Group": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": {"Ref": "Days"}}},
                    "Param": {"Type": "AWS::SSM::Parameter",
                              "Properties": {"Name": {"Ref": "Stream"}, "Type": "String", "Value": "v1"}}}}
    first = unique("/app")
    name, stack = create(cf, template, Parameters=[{"ParameterKey": "Stream", "ParameterValue": first}])
    before = stack_resources(cf, name)
    assert error_of(cf.update_stack, StackName=name, TemplateBody=json.dumps(template),
                    Parameters=[{"ParameterKey": "Stream", "UsePreviousValue": True}]).worded == (
        "ValidationError", "No updates are to be performed.")
    second = unique("/app")
    cf.update_stack(StackName=name, TemplateBody=json.dumps(template),
                    Parameters=[{"ParameterKey": "Days", "ParameterValue": "30"},
                                {"ParameterKey": "Stream", "ParameterValue": second}])
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    after = stack_resources(cf, name)
    assert after["Group"] == before["Group"]  # retention is not create-only: changed in place
    assert aws("logs").describe_log_groups(logGroupNamePrefix=after["Group"])["logGroups"][0]["retentionInDays"] == 30
    assert (before["Param"], after["Param"]) == (first, second)  # Name is create-only: a new parameter
    ssm = aws("ssm")
    assert ssm.get_parameter(Name=second)["Parameter"]["Value"] == "v1"
    assert error_of(ssm.get_parameter, Name=first).code == "ParameterNotFound"
    events = stack_events(cf, name)
    assert ("Group", "UPDATE_COMPLETE", "") in events
    assert ("Param", "UPDATE_IN_PROGRESS", "Requested update requires the creation of a new physical resource; "
            "hence creating one.") in events
    assert [e[1] for e in events if e[0] == name][-3:] == [
        "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_COMPLETE"]


def test_a_failed_update_rolls_back(cf, aws, s3):
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "one"}}}}
    name, _ = create(cf, template)
    topic = stack_resources(cf, name)["Topic"]
    taken = unique("taken")
    s3.create_bucket(Bucket=taken)
    template["Resources"]["Topic"]["Properties"]["DisplayName"] = "two"
    template["Resources"]["Bucket"] = {"Type": "AWS::S3::Bucket", "DependsOn": "Topic",
                                       "Properties": {"BucketName": taken}}
    cf.update_stack(StackName=name, TemplateBody=json.dumps(template))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert [e[1:] for e in stack_events(cf, name) if e[0] == name][-4:] == [
        ("UPDATE_IN_PROGRESS", "User Initiated"),
        ("UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [Bucket]."),
        ("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", ""), ("UPDATE_ROLLBACK_COMPLETE", "")]
    assert aws("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "one"
    assert set(stack_resources(cf, name)) == {"Topic"}
    assert '"two"' not in cf.get_template(StackName=name)["TemplateBody"]


def test_exports_and_imports_across_stacks(cf, aws):
    export = unique("shared-topic")
    exporter, stack = create(cf, {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"Arn": {"Value": {"Ref": "Topic"}, "Export": {"Name": export}},
                    "Name": {"Value": {"Fn::GetAtt": ["Topic", "TopicName"]}}}})
    topic = stack_resources(cf, exporter)["Topic"]
    assert {"ExportingStackId": stack["StackId"], "Name": export, "Value": topic} in cf.list_exports()["Exports"]
    importer, importing = create(cf, {"Resources": {"Param": {"Type": "AWS::SSM::Parameter", "Properties": {
        "Type": "String", "Value": {"Fn::Sub": ["${Arn}|${AWS::Region}", {"Arn": {"Fn::ImportValue": export}}]}}}}})
    assert aws("ssm").get_parameter(Name=stack_resources(cf, importer)["Param"])["Parameter"]["Value"] == \
        f"{topic}|us-east-1"
    assert cf.list_imports(ExportName=export)["Imports"] == [importer]
    cf.delete_stack(StackName=exporter)
    blocked = settled_stack(cf, exporter)
    assert (blocked["StackStatus"], blocked["StackStatusReason"]) == (
        "DELETE_FAILED", f"Export {export} cannot be deleted as it is in use by {importer}")
    assert topics_of(aws, exporter) == [topic]
    cf.delete_stack(StackName=importer)
    assert settled_stack(cf, importing["StackId"])["StackStatus"] == "DELETE_COMPLETE"
    cf.delete_stack(StackName=exporter)
    assert settled_stack(cf, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"
    assert all(e["Name"] != export for e in cf.list_exports()["Exports"])
    name, failed = create(cf, {"Resources": {"Param": {"Type": "AWS::SSM::Parameter", "Properties": {
        "Type": "String", "Value": {"Fn::ImportValue": export}}}}})
    assert failed["StackStatus"] == "ROLLBACK_COMPLETE"
    assert f"No export named {export} found." in [e[2] for e in stack_events(cf, name) if e[1] == "CREATE_FAILED"]


@pytest.mark.parametrize("style", ["path", "virtual"])
def test_template_url_reads_nimbus_s3(cf, aws, style):
    bucket = unique("templates")
    s3 = aws("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="dir/topic.yaml", Body=b"Resources:\n  Topic: {Type: AWS::SNS::Topic}\n")
    url = {"path": f"https://s3.amazonaws.com/{bucket}/dir/topic.yaml",
           "virtual": f"https://{bucket}.s3.amazonaws.com/dir/topic.yaml"}[style]
    name = unique("from-s3")
    cf.create_stack(StackName=name, TemplateURL=url)
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    assert cf.get_template(StackName=name)["TemplateBody"].startswith("Resources:")
    assert error_of(cf.create_stack, StackName=unique("x"), TemplateURL=url.replace("topic", "none")).worded == (
        "ValidationError", "TemplateURL must reference a valid S3 object to which you have access.")


def test_a_stack_acts_as_its_role(cf, aws):
    iam = aws("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "cloudformation.amazonaws.com"}}]}
    role = iam.create_role(RoleName=unique("cfn"), AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="sns", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sns:*", "Resource": "*"}]}))
    name, stack = create(cf, {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}, RoleARN=role["Arn"])
    assert (stack["StackStatus"], stack["RoleARN"]) == ("CREATE_COMPLETE", role["Arn"])
    untrusting = iam.create_role(RoleName=unique("other"), AssumeRolePolicyDocument=json.dumps(
        {**trust, "Statement": [{**trust["Statement"][0], "Principal": {"Service": "ec2.amazonaws.com"}}]}))["Role"]
    assert error_of(cf.create_stack, StackName=unique("x"), RoleARN=untrusting["Arn"],
                    TemplateBody=json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}})).worded == (
        "ValidationError", f"Role {untrusting['Arn']} is invalid or cannot be assumed")


def test_the_cli_creates_updates_and_deletes(cf, aws, endpoint, account, tmp_path):
    env = {**os.environ, "AWS_ACCESS_KEY_ID": account, "AWS_SECRET_ACCESS_KEY": "test"}
    template = tmp_path / "topic.yaml"
    name = unique("cli")

    def cli(*args: str) -> str:
        done = subprocess.run([str(AWS_CLI), "--endpoint-url", endpoint, "cloudformation", *args],
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    template.write_text("Parameters:\n  Shown: {Type: String}\nResources:\n"
                        "  Topic: {Type: AWS::SNS::Topic, Properties: {DisplayName: !Ref Shown}}\n")
    assert name in json.loads(cli("create-stack", "--stack-name", name, "--template-body", f"file://{template}",
                                  "--parameters", "ParameterKey=Shown,ParameterValue=one"))["StackId"]
    cli("wait", "stack-create-complete", "--stack-name", name)
    topic = stack_resources(cf, name)["Topic"]
    cli("update-stack", "--stack-name", name, "--use-previous-template",
        "--parameters", "ParameterKey=Shown,ParameterValue=two")
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    assert aws("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "two"
    cli("delete-stack", "--stack-name", name)
    cli("wait", "stack-delete-complete", "--stack-name", name)
    assert topics_of(aws, name) == []


def starter_types(version: str, description: str, days: int, shards: int, enabled: bool, policy: str) -> dict:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "ec2.amazonaws.com"}}]}
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    return {"Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"VersioningConfiguration": {"Status": version},
                                                             "Tags": [{"Key": "v", "Value": version}]}},
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": description}},
        "Subscription": {"Type": "AWS::SNS::Subscription", "Properties": {
            "TopicArn": {"Ref": "Topic"}, "Protocol": "email", "Endpoint": "ops@example.com",
            "FilterPolicy": {"kind": [description]}}},
        "Group": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": days}},
        "Key": {"Type": "AWS::KMS::Key", "Properties": {"Description": description, "Enabled": enabled}},
        "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": shards}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": trust,
            "Policies": [{"PolicyName": policy, "PolicyDocument": {"Version": "2012-10-17",
                                                                   "Statement": [statement]}}]}}}}


def test_every_starter_type_updates_in_place(cf, aws):
    name, stack = create(cf, starter_types("Enabled", "one", 7, 1, True, "first"), Capabilities=["CAPABILITY_IAM"])
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    before = stack_resources(cf, name)
    cf.update_stack(StackName=name, TemplateBody=json.dumps(starter_types("Suspended", "two", 14, 2, False, "second")),
                    Capabilities=["CAPABILITY_IAM"])
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    after = stack_resources(cf, name)
    assert after == before
    s3, sns, kms, iam = aws("s3"), aws("sns"), aws("kms"), aws("iam")
    assert s3.get_bucket_versioning(Bucket=after["Bucket"])["Status"] == "Suspended"
    assert s3.get_bucket_tagging(Bucket=after["Bucket"])["TagSet"] == [{"Key": "v", "Value": "Suspended"}]
    assert sns.get_topic_attributes(TopicArn=after["Topic"])["Attributes"]["DisplayName"] == "two"
    attributes = sns.get_subscription_attributes(SubscriptionArn=after["Subscription"])["Attributes"]
    assert json.loads(attributes["FilterPolicy"]) == {"kind": ["two"]}
    group = aws("logs").describe_log_groups(logGroupNamePrefix=after["Group"])["logGroups"][0]
    assert group["retentionInDays"] == 14
    key = kms.describe_key(KeyId=after["Key"])["KeyMetadata"]
    assert (key["Description"], key["KeyState"]) == ("two", "Disabled")
    summary = aws("kinesis").describe_stream_summary(StreamName=after["Stream"])["StreamDescriptionSummary"]
    assert summary["OpenShardCount"] == 2
    assert iam.list_role_policies(RoleName=after["Role"])["PolicyNames"] == ["second"]
    updated = {e[0] for e in stack_events(cf, name) if e[1] == "UPDATE_COMPLETE"} - {name}
    assert updated == {"Bucket", "Topic", "Subscription", "Group", "Key", "Stream", "Role"}


def test_template_summary_and_imports_of_an_unknown_export(cf):
    body = json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Description": "summary",
                       "Parameters": {"Env": {"Type": "String", "AllowedValues": ["a", "b"], "Default": "a"}},
                       "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}, "Key": {"Type": "AWS::KMS::Key"}}})
    summary = cf.get_template_summary(TemplateBody=body)
    assert (summary["Description"], summary["ResourceTypes"], summary["Version"]) == (
        "summary", ["AWS::KMS::Key", "AWS::SNS::Topic"], "2010-09-09")
    assert summary["Parameters"] == [{"ParameterKey": "Env", "DefaultValue": "a", "ParameterType": "String",
                                      "NoEcho": False, "ParameterConstraints": {"AllowedValues": ["a", "b"]}}]
    export = unique("nobody")
    assert error_of(cf.list_imports, ExportName=export).worded == (
        "ValidationError", f"Export '{export}' is not imported by any stack.")


def test_update_replace_policy_retain_keeps_the_replaced_resource(cf, aws):
    ssm, first, second = aws("ssm"), unique("/kept"), unique("/kept")
    template = {"Resources": {"Param": {"Type": "AWS::SSM::Parameter", "UpdateReplacePolicy": "Retain",
                                        "Properties": {"Name": first, "Type": "String", "Value": "v"}}}}
    name, _ = create(cf, template)
    template["Resources"]["Param"]["Properties"]["Name"] = second
    cf.update_stack(StackName=name, TemplateBody=json.dumps(template))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    assert stack_resources(cf, name)["Param"] == second
    assert [ssm.get_parameter(Name=n)["Parameter"]["Value"] for n in (first, second)] == ["v", "v"]
    assert ("Param", "DELETE_SKIPPED", "") in stack_events(cf, name)


def test_on_failure_delete_removes_the_failed_stack(cf, aws):
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"},
                              "Vpc": {"Type": "AWS::EC2::VPC", "DependsOn": "Topic"}}}
    name = unique("ondelete")
    stack_id = cf.create_stack(StackName=name, TemplateBody=json.dumps(template), OnFailure="DELETE")["StackId"]
    assert settled_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE"
    assert [e[1] for e in stack_events(cf, stack_id) if e[0] == name] == [
        "CREATE_IN_PROGRESS", "CREATE_FAILED", "DELETE_IN_PROGRESS", "DELETE_COMPLETE"]
    assert [e[:2] for e in stack_events(cf, stack_id) if e[0] == "Topic"][-1] == ("Topic", "DELETE_COMPLETE")
    assert topics_of(aws, name) == []
    assert error_of(cf.create_stack, StackName=name, TemplateBody=json.dumps(template), OnFailure="DELETE",
                    DisableRollback=True).worded == (
        "ValidationError", "You cannot specify both DisableRollback and OnFailure.")


def test_independent_resources_are_made_at_once(cf):
    """Each stream takes Kinesis's transition time to turn ACTIVE: made one after the other, the first
    would be complete before the second started."""
    name, stack = create(cf, {"Resources": {
        "First": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}},
        "Second": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}},
        "After": {"Type": "AWS::SSM::Parameter", "Properties": {
            "Type": "String", "Value": {"Fn::Join": [",", [{"Ref": "First"}, {"Ref": "Second"}]]}}}}})
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    events = [e[:2] for e in stack_events(cf, name) if e[0] != name]
    started = max(events.index((s, "CREATE_IN_PROGRESS")) for s in ("First", "Second"))
    assert started < min(events.index((s, "CREATE_COMPLETE")) for s in ("First", "Second"))
    assert events.index(("After", "CREATE_IN_PROGRESS")) > max(
        events.index((s, "CREATE_COMPLETE")) for s in ("First", "Second"))
    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"
