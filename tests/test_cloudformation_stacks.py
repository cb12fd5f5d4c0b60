"""CloudFormation stacks through boto3: every starter type made for real and seen through its own
service's API, deleted in reverse order, DeletionPolicy Retain, termination protection, and a stack
that survives a restart."""
from __future__ import annotations

import json

import pytest

from tests.support import error_of, make_client, settled_stack, stack_events, stack_resources, start_server, unique

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}

EVERY_TYPE = """
AWSTemplateFormatVersion: 2010-09-09
Description: every starter type
Parameters:
  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration: {Status: Enabled}
      Tags: [{Key: env, Value: !Ref Env}]
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: {SSEAlgorithm: AES256}
  BucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Deny, Principal: "*", Action: "s3:DeleteObject", Resource: !Sub "${Bucket.Arn}/*"}
  Topic: {Type: AWS::SNS::Topic, Properties: {DisplayName: !Sub "${AWS::StackName} alerts"}}
  Subscription:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref Topic, Protocol: email, Endpoint: ops@example.com}
  Param:
    Type: AWS::SSM::Parameter
    Properties: {Type: String, Value: !Join [":", [!Ref Bucket, !GetAtt Topic.TopicName]]}
  Group: {Type: AWS::Logs::LogGroup, Properties: {RetentionInDays: 7}}
  Key: {Type: AWS::KMS::Key, Properties: {Description: stack key}}
  Alias: {Type: AWS::KMS::Alias, Properties: {AliasName: !Sub "alias/${AWS::StackName}", TargetKeyId: !Ref Key}}
  Stream: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 2}}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: TRUST_POLICY
      ManagedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]
      Policies:
        - PolicyName: write-bucket
          PolicyDocument:
            Version: "2012-10-17"
            Statement: [{Effect: Allow, Action: "s3:PutObject", Resource: !Sub "${Bucket.Arn}/*"}]
Outputs:
  BucketArn: {Value: !GetAtt Bucket.Arn}
  DomainName: {Value: !GetAtt Bucket.DomainName}
  RoleArn: {Value: !GetAtt Role.Arn}
  RoleId: {Value: !GetAtt Role.RoleId}
  StreamArn: {Value: !GetAtt Stream.Arn}
  KeyArn: {Value: !GetAtt Key.Arn}
  GroupArn: {Value: !GetAtt Group.Arn}
""".replace("TRUST_POLICY", json.dumps(TRUST))


@pytest.fixture(scope="module")
def cf(aws):
    return aws("cloudformation")


@pytest.fixture(scope="module")
def deployed(cf):
    name = unique("every")
    stack_id = cf.create_stack(StackName=name, TemplateBody=EVERY_TYPE, Capabilities=["CAPABILITY_IAM"])["StackId"]
    assert cf.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] in ("CREATE_IN_PROGRESS", "CREATE_COMPLETE")
    cf.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return name, stack_id


def outputs(stack: dict) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def test_every_starter_type_is_real(cf, aws, deployed):
    name, stack_id = deployed
    stack = cf.describe_stacks(StackName=name)["Stacks"][0]
    assert (stack["StackId"], stack["StackStatus"], stack["Description"]) == (stack_id, "CREATE_COMPLETE",
                                                                             "every starter type")
    physical = stack_resources(cf, name)
    bucket = physical["Bucket"]
    assert bucket.startswith(f"{name}-bucket-") and bucket == bucket.lower()
    s3 = aws("s3")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "env", "Value": "dev"}]
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"][0]["Effect"] == "Deny"
    sns = aws("sns")
    topic = physical["Topic"]
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == f"{name} alerts"
    assert [s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]] == \
        ["ops@example.com"]
    ssm = aws("ssm")
    assert physical["Param"].startswith("CFN-Param-")
    assert ssm.get_parameter(Name=physical["Param"])["Parameter"]["Value"] == f"{bucket}:{topic.split(':')[-1]}"
    logs = aws("logs")
    group = logs.describe_log_groups(logGroupNamePrefix=physical["Group"])["logGroups"][0]
    assert group["retentionInDays"] == 7
    kms = aws("kms")
    assert kms.describe_key(KeyId=physical["Key"])["KeyMetadata"]["Description"] == "stack key"
    assert kms.describe_key(KeyId=f"alias/{name}")["KeyMetadata"]["KeyId"] == physical["Key"]
    kinesis = aws("kinesis")
    summary = kinesis.describe_stream_summary(StreamName=physical["Stream"])["StreamDescriptionSummary"]
    assert (summary["StreamStatus"], summary["OpenShardCount"]) == ("ACTIVE", 2)
    iam = aws("iam")
    role = iam.get_role(RoleName=physical["Role"])["Role"]
    assert iam.list_role_policies(RoleName=physical["Role"])["PolicyNames"] == ["write-bucket"]
    assert [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=physical["Role"])["AttachedPolicies"]] \
        == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert outputs(stack) == {
        "BucketArn": f"arn:aws:s3:::{bucket}", "DomainName": f"{bucket}.s3.amazonaws.com", "RoleArn": role["Arn"],
        "RoleId": role["RoleId"], "StreamArn": summary["StreamARN"],
        "KeyArn": kms.describe_key(KeyId=physical["Key"])["KeyMetadata"]["Arn"],
        "GroupArn": f"{group['arn']}"}


def test_resources_and_events_describe_the_creation(cf, deployed):
    name, stack_id = deployed
    detail = cf.describe_stack_resource(StackName=name, LogicalResourceId="Topic")["StackResourceDetail"]
    assert (detail["StackId"], detail["ResourceType"], detail["ResourceStatus"]) == (
        stack_id, "AWS::SNS::Topic", "CREATE_COMPLETE")
    described = cf.describe_stack_resources(StackName=name)["StackResources"]
    assert {r["LogicalResourceId"] for r in described} == set(stack_resources(cf, name))
    events = stack_events(cf, name)
    assert events[0] == (name, "CREATE_IN_PROGRESS", "User Initiated")
    assert events[-1] == (name, "CREATE_COMPLETE", "")
    order = [logical for logical, status, _ in events if status == "CREATE_COMPLETE"]
    assert order.index("Bucket") < order.index("BucketPolicy") and order.index("Bucket") < order.index("Role")
    assert order.index("Topic") < order.index("Subscription") and order.index("Key") < order.index("Alias")
    assert error_of(cf.describe_stack_resource, StackName=name, LogicalResourceId="Nope").code == "ValidationError"
    summaries = cf.list_stacks(StackStatusFilter=["CREATE_COMPLETE"])["StackSummaries"]
    assert [s["StackName"] for s in summaries] == [name]
    assert cf.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"] == []
    assert cf.get_template(StackName=name)["TemplateBody"] == EVERY_TYPE


def test_delete_removes_everything_and_termination_protection_blocks_it(cf, aws, deployed):
    name, stack_id = deployed
    physical = stack_resources(cf, name)
    cf.update_termination_protection(StackName=name, EnableTerminationProtection=True)
    assert error_of(cf.delete_stack, StackName=name).worded == (
        "ValidationError", f"Stack [{name}] cannot be deleted while TerminationProtection is enabled")
    cf.update_termination_protection(StackName=name, EnableTerminationProtection=False)
    cf.delete_stack(StackName=name)
    cf.get_waiter("stack_delete_complete").wait(StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    assert error_of(cf.describe_stacks, StackName=name).worded == ("ValidationError",
                                                                   f"Stack with id {name} does not exist")
    assert cf.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert [s["StackName"] for s in cf.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]] == [name]
    assert aws("s3").list_buckets()["Buckets"] == []
    assert aws("sns").list_topics()["Topics"] == []
    assert aws("ssm").describe_parameters()["Parameters"] == []
    assert aws("logs").describe_log_groups()["logGroups"] == []
    assert aws("kinesis").list_streams()["StreamNames"] == []
    assert error_of(aws("iam").get_role, RoleName=physical["Role"]).code == "NoSuchEntity"
    assert aws("kms").describe_key(KeyId=physical["Key"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
    deleted = [logical for logical, status, _ in stack_events(cf, stack_id) if status == "DELETE_COMPLETE"]
    assert deleted.index("Role") < deleted.index("BucketPolicy") < deleted.index("Bucket")
    assert cf.delete_stack(StackName=name)["ResponseMetadata"]["HTTPStatusCode"] == 200  # gone: still fine


def test_retain_keeps_the_resource(cf, aws):
    name = unique("retain")
    template = {"Resources": {"Kept": {"Type": "AWS::SNS::Topic", "DeletionPolicy": "Retain"},
                              "Dropped": {"Type": "AWS::SNS::Topic"}}}
    stack_id = cf.create_stack(StackName=name, TemplateBody=json.dumps(template))["StackId"]
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    kept = stack_resources(cf, name)["Kept"]
    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE"
    assert [t["TopicArn"] for t in aws("sns").list_topics()["Topics"]] == [kept]
    assert ("Kept", "DELETE_SKIPPED", "") in stack_events(cf, stack_id)


def test_a_stack_survives_a_restart(tmp_path):
    template = json.dumps({"Parameters": {"Secret": {"Type": "String", "NoEcho": True}},
                           "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                           "Outputs": {"Arn": {"Value": {"Ref": "Topic"}, "Export": {"Name": "restart-topic"}}}})
    with start_server(tmp_path) as first:
        cf = make_client(first.endpoint, "cloudformation")
        cf.create_stack(StackName="durable", TemplateBody=template,
                        Parameters=[{"ParameterKey": "Secret", "ParameterValue": "hush"}])
        before = settled_stack(cf, "durable")
    with start_server(tmp_path) as second:
        cf = make_client(second.endpoint, "cloudformation")
        after = cf.describe_stacks(StackName="durable")["Stacks"][0]
        assert (after["StackStatus"], after["Outputs"], after["Parameters"]) == (
            "CREATE_COMPLETE", before["Outputs"], [{"ParameterKey": "Secret", "ParameterValue": "****"}])
        assert cf.list_exports()["Exports"][0]["Value"] == stack_resources(cf, "durable")["Topic"]
        cf.update_stack(StackName="durable", UsePreviousTemplate=True,
                        Parameters=[{"ParameterKey": "Secret", "ParameterValue": "other"}])
        assert settled_stack(cf, "durable")["StackStatus"] == "UPDATE_COMPLETE"
        cf.delete_stack(StackName="durable")
        assert settled_stack(cf, after["StackId"])["StackStatus"] == "DELETE_COMPLETE"
        assert make_client(second.endpoint, "sns").list_topics()["Topics"] == []
