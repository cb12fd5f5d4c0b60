"""CloudFormation's IAM access keys, SNS topic policies, Firehose delivery streams, CloudTrail trails and KMS
replica keys: made, updated and deleted through their own services' APIs, and rolled back completely when
a later resource fails."""
from __future__ import annotations

import json

import pytest
from cryptography.exceptions import InvalidTag

from nimbus.core.identity import root_principal
from nimbus.services.cloudformation.handlers import HANDLERS
from nimbus.services.cloudformation.handlers.base import Api
from nimbus.services.cloudformation.sealed import attribute, seal_attributes
from tests.support import FIREHOSE_TRUST, error_of, make_client, settled_stack, stack_resources, unique


def publish_policy(topics: list, sid: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": sid, "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish",
         "Resource": topics}]}


def keys_template(serial: int, status: str, policy_topics: list[str], sid: str) -> dict:
    return {"Resources": {
        "User": {"Type": "AWS::IAM::User"},
        "Key": {"Type": "AWS::IAM::AccessKey", "Properties": {
            "UserName": {"Ref": "User"}, "Serial": serial, "Status": status}},
        "One": {"Type": "AWS::SNS::Topic"},
        "Two": {"Type": "AWS::SNS::Topic"},
        "Inline": {"Type": "AWS::SNS::Topic"},
        "Policy": {"Type": "AWS::SNS::TopicPolicy", "Properties": {
            "Topics": [{"Ref": t} for t in policy_topics],
            "PolicyDocument": publish_policy([{"Ref": t} for t in policy_topics], sid)}},
        "InlinePolicy": {"Type": "AWS::SNS::TopicInlinePolicy", "Properties": {
            "TopicArn": {"Ref": "Inline"}, "PolicyDocument": publish_policy([{"Ref": "Inline"}], sid)}}},
        "Outputs": {"Secret": {"Value": {"Fn::GetAtt": ["Key", "SecretAccessKey"]}},
                    "PolicyId": {"Value": {"Fn::GetAtt": ["Policy", "Id"]}},
                    "InlineRef": {"Value": {"Ref": "InlinePolicy"}}}}


@pytest.fixture(scope="module")
def cf(aws):
    return aws("cloudformation")


def outputs(stack: dict) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def deploy(cf, name: str, template: dict, update: bool = False) -> dict:
    (cf.update_stack if update else cf.create_stack)(StackName=name, TemplateBody=json.dumps(template),
                                                     Capabilities=["CAPABILITY_IAM"])
    stack = settled_stack(cf, name)
    assert stack["StackStatus"] == ("UPDATE_COMPLETE" if update else "CREATE_COMPLETE"), stack.get("StackStatusReason")
    return stack


def topic_policy(sns, arn: str) -> dict:
    return json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])


def stored_resources(server) -> str:
    """Every stack resource document the store holds (physical ids, properties, attributes), as one text."""
    store = server.runtime.store
    return json.dumps([store.scan(ns) for ns in store.namespaces(("cloudformation",)) if "resources" in ns])


def read_back(server, account: str, type_name: str, physical_id: str, properties: dict | None = None) -> dict:
    """The live properties the type's ``read`` (what drift detection compares) finds through the service's API."""
    def call(service: str, operation: str, params: dict) -> dict:
        return server.runtime.client.call(service, operation, params, account_id=account, region="us-east-1",
                                          principal=root_principal(account))
    found = HANDLERS[type_name].read(Api(call, account, "us-east-1", "stack", "Resource"), physical_id,
                                     properties or {})
    assert found is not None
    return found


def test_access_keys_and_topic_policies(cf, aws, endpoint, server, account):
    iam, sns, name = aws("iam"), aws("sns"), unique("keys")
    stack = deploy(cf, name, keys_template(1, "Active", ["One", "Two"], "first"))
    made, out = stack_resources(cf, name), outputs(stack)
    key_id, user = made["Key"], made["User"]
    assert [(k["AccessKeyId"], k["Status"]) for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]] == [
        (key_id, "Active")]
    identity = make_client(endpoint, "sts", key=key_id, secret=out["Secret"]).get_caller_identity()
    assert identity["Arn"].endswith(f":user/{user}")  # the secret GetAtt answered signs requests
    assert key_id in stored_resources(server) and out["Secret"] not in stored_resources(server)  # sealed
    assert out["InlineRef"] == made["Inline"] and out["PolicyId"] == made["Policy"]
    for topic in ("One", "Two"):
        assert topic_policy(sns, made[topic])["Statement"][0]["Sid"] == "first"
    assert topic_policy(sns, made["Inline"])["Statement"][0]["Sid"] == "first"

    stack = deploy(cf, name, keys_template(1, "Inactive", ["One"], "second"), update=True)
    assert stack_resources(cf, name)["Key"] == key_id and outputs(stack)["Secret"] == out["Secret"]
    assert iam.list_access_keys(UserName=user)["AccessKeyMetadata"][0]["Status"] == "Inactive"
    assert topic_policy(sns, made["One"])["Statement"][0]["Sid"] == "second"
    assert topic_policy(sns, made["Two"])["Id"] == "__default_policy_ID"  # no longer named: SNS's default back
    assert topic_policy(sns, made["Inline"])["Statement"][0]["Sid"] == "second"
    assert read_back(server, account, "AWS::IAM::AccessKey", key_id, {"UserName": user, "Serial": 1}) == {
        "UserName": user, "Status": "Inactive", "Serial": 1}
    assert read_back(server, account, "AWS::SNS::TopicInlinePolicy", made["Inline"])["PolicyDocument"] == \
        topic_policy(sns, made["Inline"])
    declared = {"Topics": [made["One"]], "PolicyDocument": topic_policy(sns, made["One"])}
    assert read_back(server, account, "AWS::SNS::TopicPolicy", made["Policy"], declared) == declared
    sns.set_topic_attributes(TopicArn=made["One"], AttributeName="Policy", AttributeValue=json.dumps(
        publish_policy([made["One"]], "changed")))  # a change outside the stack: the live policy shows it
    assert read_back(server, account, "AWS::SNS::TopicPolicy", made["Policy"], declared)["PolicyDocument"][
        "Statement"][0]["Sid"] == "changed"

    stack = deploy(cf, name, keys_template(2, "Inactive", ["One"], "second"), update=True)  # a new Serial
    replaced = stack_resources(cf, name)["Key"]
    assert replaced != key_id and outputs(stack)["Secret"] != out["Secret"]
    assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]] == [replaced]

    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"
    assert error_of(iam.list_access_keys, UserName=user).code == "NoSuchEntity"
    for topic in ("One", "Two", "Inline"):
        assert error_of(sns.get_topic_attributes, TopicArn=made[topic]).code == "NotFound"


def trail_template(logging: bool, read_write: str, prefix: str, insights: tuple[str, ...] = ()) -> dict:
    trail_policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
         "Resource": {"Fn::GetAtt": ["Bucket", "Arn"]}},
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": {"Fn::Sub": "${Bucket.Arn}/AWSLogs/${AWS::AccountId}/*"},
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]}
    return {"Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"},
        "BucketPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
            "Bucket": {"Ref": "Bucket"}, "PolicyDocument": trail_policy}},
        "Trail": {"Type": "AWS::CloudTrail::Trail", "DependsOn": "BucketPolicy", "Properties": {
            "S3BucketName": {"Ref": "Bucket"}, "IsLogging": logging,
            "EventSelectors": [{"ReadWriteType": read_write, "IncludeManagementEvents": True}],
            **({"InsightSelectors": [{"InsightType": i} for i in insights]} if insights else {})}},
        "DeliveryRole": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": json.loads(FIREHOSE_TRUST), "Policies": [{
                "PolicyName": "deliver", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}]}},
        "Delivery": {"Type": "AWS::KinesisFirehose::DeliveryStream", "Properties": {
            "ExtendedS3DestinationConfiguration": {
                "BucketARN": {"Fn::GetAtt": ["Bucket", "Arn"]}, "RoleARN": {"Fn::GetAtt": ["DeliveryRole", "Arn"]},
                "Prefix": prefix, "BufferingHints": {"IntervalInSeconds": "60", "SizeInMBs": 1}}}}},
        "Outputs": {"TrailArn": {"Value": {"Fn::GetAtt": ["Trail", "Arn"]}},
                    "StreamArn": {"Value": {"Fn::GetAtt": ["Delivery", "Arn"]}}}}


def test_trails_and_delivery_streams(cf, aws, server, account):
    trails, firehose, name = aws("cloudtrail"), aws("firehose"), unique("trail")
    stack = deploy(cf, name, trail_template(True, "WriteOnly", "first/", ("ApiCallRateInsight",)))
    made, out = stack_resources(cf, name), outputs(stack)
    trail = trails.get_trail(Name=made["Trail"])["Trail"]
    assert trail["TrailARN"] == out["TrailArn"] and trail["S3BucketName"] == made["Bucket"]
    assert trails.get_trail_status(Name=made["Trail"])["IsLogging"] is True
    assert trails.get_event_selectors(TrailName=made["Trail"])["EventSelectors"][0]["ReadWriteType"] == "WriteOnly"
    assert [i["InsightType"] for i in trails.get_insight_selectors(TrailName=made["Trail"])["InsightSelectors"]] \
        == ["ApiCallRateInsight"]
    described = firehose.describe_delivery_stream(DeliveryStreamName=made["Delivery"])["DeliveryStreamDescription"]
    destination = described["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert described["DeliveryStreamARN"] == out["StreamArn"] and described["DeliveryStreamStatus"] == "ACTIVE"
    assert destination["Prefix"] == "first/" and destination["BufferingHints"]["IntervalInSeconds"] == 60

    deploy(cf, name, trail_template(False, "ReadOnly", "second/"), update=True)
    assert stack_resources(cf, name) == made  # all in place
    assert trails.get_trail_status(Name=made["Trail"])["IsLogging"] is False
    assert trails.get_event_selectors(TrailName=made["Trail"])["EventSelectors"][0]["ReadWriteType"] == "ReadOnly"
    assert error_of(trails.get_insight_selectors, TrailName=made["Trail"]).code == "InsightNotEnabledException"
    described = firehose.describe_delivery_stream(DeliveryStreamName=made["Delivery"])["DeliveryStreamDescription"]
    assert described["Destinations"][0]["ExtendedS3DestinationDescription"]["Prefix"] == "second/"
    live = read_back(server, account, "AWS::KinesisFirehose::DeliveryStream", made["Delivery"])
    assert live["ExtendedS3DestinationConfiguration"]["Prefix"] == "second/"
    live = read_back(server, account, "AWS::CloudTrail::Trail", made["Trail"], {"EventSelectors": []})
    assert (live["S3BucketName"], live["IsLogging"], live["EventSelectors"][0]["ReadWriteType"]) == (
        made["Bucket"], False, "ReadOnly")

    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"
    assert error_of(trails.get_trail, Name=made["Trail"]).code == "TrailNotFoundException"
    assert error_of(firehose.describe_delivery_stream, DeliveryStreamName=made["Delivery"]).code == \
        "ResourceNotFoundException"


def replica_template(primary_arn: str, description: str, enabled: bool) -> dict:
    root = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*",
                                                    "Principal": {"AWS": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}}}]}
    return {"Resources": {"Replica": {"Type": "AWS::KMS::ReplicaKey", "Properties": {
        "PrimaryKeyArn": primary_arn, "KeyPolicy": root, "Description": description, "Enabled": enabled}}},
        "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Replica", "Arn"]}}}}


def test_replica_keys(cf, aws, server, account):
    primary = aws("kms", region="us-west-2").create_key(MultiRegion=True)["KeyMetadata"]
    kms, name = aws("kms"), unique("replica")
    stack = deploy(cf, name, replica_template(primary["Arn"], "first", True))
    key_id = stack_resources(cf, name)["Replica"]
    assert key_id == primary["KeyId"]  # a replica shares its primary's key id
    metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert metadata["MultiRegionConfiguration"]["MultiRegionKeyType"] == "REPLICA"
    assert metadata["Arn"] == outputs(stack)["Arn"] and ":us-east-1:" in metadata["Arn"]
    assert metadata["Description"] == "first" and metadata["Enabled"] is True

    deploy(cf, name, replica_template(primary["Arn"], "second", False), update=True)
    metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert (metadata["Description"], metadata["Enabled"]) == ("second", False)
    live = read_back(server, account, "AWS::KMS::ReplicaKey", key_id)
    assert (live["PrimaryKeyArn"], live["Description"], live["Enabled"]) == (primary["Arn"], "second", False)

    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"


def test_a_failure_mid_create_rolls_every_type_back(cf, aws):
    iam, sns, trails, firehose = aws("iam"), aws("sns"), aws("cloudtrail"), aws("firehose")
    primary = aws("kms", region="us-west-2").create_key(MultiRegion=True)["KeyMetadata"]
    template = trail_template(True, "All", "logs/")
    template["Resources"]["Bucket"].pop("DeletionPolicy")
    template["Resources"].update(keys_template(1, "Active", ["One"], "only")["Resources"])
    template["Resources"].update(replica_template(primary["Arn"], "doomed", True)["Resources"])
    made_first = sorted(template["Resources"])
    template["Resources"]["Last"] = {"Type": "AWS::EC2::VPC", "DependsOn": made_first,
                                     "Properties": {"CidrBlock": "10.0.0.0/16"}}
    name = unique("doomed")
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_IAM"])
    stack = settled_stack(cf, name)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    events = cf.describe_stack_events(StackName=name)["StackEvents"]
    made = {e["LogicalResourceId"]: e["PhysicalResourceId"] for e in events
            if e["ResourceStatus"] == "CREATE_COMPLETE" and e["LogicalResourceId"] != name}
    assert sorted(made) == made_first  # everything was made before the failure...
    deleted = {e["LogicalResourceId"] for e in events if e["ResourceStatus"] == "DELETE_COMPLETE"}
    assert deleted == {*made_first, "Last"}  # ...and is gone again, as each service's API shows
    assert error_of(iam.get_user, UserName=made["User"]).code == "NoSuchEntity"
    assert error_of(iam.get_role, RoleName=made["DeliveryRole"]).code == "NoSuchEntity"
    for topic in ("One", "Two", "Inline"):
        assert error_of(sns.get_topic_attributes, TopicArn=made[topic]).code == "NotFound"
    assert error_of(trails.get_trail, Name=made["Trail"]).code == "TrailNotFoundException"
    assert error_of(firehose.describe_delivery_stream, DeliveryStreamName=made["Delivery"]).code == \
        "ResourceNotFoundException"
    assert error_of(aws("s3").head_bucket, Bucket=made["Bucket"]).status == 404
    assert aws("kms").describe_key(KeyId=made["Replica"])["KeyMetadata"]["KeyState"] == "PendingDeletion"


@pytest.mark.parametrize("resource, words", [
    ({"Type": "AWS::KinesisFirehose::DeliveryStream", "Properties": {"ExtendedS3DestinationConfiguration": {
        "BucketARN": "arn:aws:s3:::nowhere", "RoleARN": {"Fn::GetAtt": ["Role", "Arn"]}}}},
     "(HandlerErrorCode: InvalidArgumentException)"),  # the role trusts Lambda, not Firehose
    ({"Type": "AWS::CloudTrail::Trail", "Properties": {"S3BucketName": "nowhere", "IsLogging": True}},
     "(HandlerErrorCode: S3BucketDoesNotExistException)"),
    ({"Type": "AWS::CloudTrail::Trail", "Properties": {"S3BucketName": "nowhere", "IsLogging": True,
                                                       "AggregationConfigurations": [{
                                                           "EventCategory": "Data", "Templates": ["API_ACTIVITY"]}]}},
     "nimbus does not serve CloudTrail AggregationConfigurations"),
    ({"Type": "AWS::KMS::ReplicaKey", "Properties": {"PrimaryKeyArn": {"Fn::GetAtt": ["Single", "Arn"]},
                                                     "KeyPolicy": {"Version": "2012-10-17", "Statement": []}}},
     "(HandlerErrorCode: UnsupportedOperationException)"),  # a single-Region key has no replicas
    ({"Type": "AWS::Logs::SubscriptionFilter", "Properties": {
        "LogGroupName": "g", "FilterPattern": "", "DestinationArn": "arn:aws:kinesis:us-east-1:1:stream/s"}},
     "The specified log group does not exist."),
])
def test_a_failing_resource_names_its_cause_and_leaves_nothing(cf, aws, resource, words):
    template = {"Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "lambda.amazonaws.com"}}]}}},
        "Single": {"Type": "AWS::KMS::Key"},
        "Failing": {**resource, "DependsOn": ["Role", "Single"]}}}
    name = unique("failing")
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_IAM"])
    stack = settled_stack(cf, name)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    events = cf.describe_stack_events(StackName=name)["StackEvents"]
    failed = [e["ResourceStatusReason"] for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert len(failed) == 1 and words in failed[0], failed
    made = {e["LogicalResourceId"]: e["PhysicalResourceId"] for e in events if e["ResourceStatus"] == "CREATE_COMPLETE"}
    assert error_of(aws("iam").get_role, RoleName=made["Role"]).code == "NoSuchEntity"
    assert aws("kms").describe_key(KeyId=made["Single"])["KeyMetadata"]["KeyState"] == "PendingDeletion"


def test_a_sealed_attribute_opens_only_where_it_was_sealed(server):
    vault = server.runtime.vault
    attributes = seal_attributes(vault, "stack-a", "Key", "AKIA1", ("SecretAccessKey",), {"SecretAccessKey": "s3cr3t"})
    assert "s3cr3t" not in json.dumps(attributes)
    assert attribute(vault, "stack-a", "Key", "AKIA1", attributes, "SecretAccessKey") == "s3cr3t"
    for elsewhere in (("stack-b", "Key", "AKIA1"), ("stack-a", "Other", "AKIA1"), ("stack-a", "Key", "AKIA2")):
        with pytest.raises(InvalidTag):
            attribute(vault, *elsewhere, attributes, "SecretAccessKey")
