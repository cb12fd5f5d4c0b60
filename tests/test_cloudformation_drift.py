"""Drift detection through boto3: every served type read back through its own service's API is IN_SYNC
right after the stack is made; changed through those APIs, the stack is DRIFTED with each property's
difference; a deleted resource is DELETED; a type nimbus cannot read back is NOT_CHECKED."""
from __future__ import annotations

import json

import pytest

from tests.support import settled_stack, stack_resources, unique

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
READ_ONLY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


@pytest.fixture(scope="module")
def cf(aws):
    return aws("cloudformation")


def template() -> dict:
    return {
        "Parameters": {"Secret": {"Type": "String", "NoEcho": True}},
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {
                "VersioningConfiguration": {"Status": "Enabled"}, "Tags": [{"Key": "team", "Value": "a"}],
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}}},
            "Policy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Bucket"}, "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject",
                                                        "Resource": {"Fn::Sub": "${Bucket.Arn}/*"}}]}}},
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "alerts",
                                                                "Tags": [{"Key": "team", "Value": "a"}]}},
            "Param": {"Type": "AWS::SSM::Parameter", "Properties": {
                "Type": "String", "Value": {"Ref": "Secret"}, "Description": "kept", "Tags": {"team": "a"}}},
            "Group": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": "7"}},
            "Stream": {"Type": "AWS::Logs::LogStream", "Properties": {"LogGroupName": {"Ref": "Group"}}},
            "Role": {"Type": "AWS::IAM::Role", "Properties": {
                "AssumeRolePolicyDocument": TRUST, "MaxSessionDuration": 7200,
                "Policies": [{"PolicyName": "read", "PolicyDocument": READ_ONLY}],
                "ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}},
            "User": {"Type": "AWS::IAM::User", "Properties": {"Path": "/ops/"}},
            "Inline": {"Type": "AWS::IAM::Policy", "Properties": {
                "PolicyName": "inline", "PolicyDocument": json.dumps(READ_ONLY), "Users": [{"Ref": "User"}]}},
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"Description": "drift key", "EnableKeyRotation": True,
                                                            "PendingWindowInDays": 7}},
            "Kinesis": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1,
                                                                       "Tags": [{"Key": "team", "Value": "a"}]}}}}


@pytest.fixture(scope="module")
def stack(cf):
    name = unique("drift")
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template()), Capabilities=["CAPABILITY_IAM"],
                    Parameters=[{"ParameterKey": "Secret", "ParameterValue": "hush-hush"}])
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    return name


def detect(cf, name: str) -> dict:
    detection = cf.detect_stack_drift(StackName=name)["StackDriftDetectionId"]
    return cf.describe_stack_drift_detection_status(StackDriftDetectionId=detection)


def drifts(cf, name: str, *statuses: str) -> dict[str, dict]:
    filters = {"StackResourceDriftStatusFilters": list(statuses)} if statuses else {}
    found = cf.describe_stack_resource_drifts(StackName=name, **filters)
    return {d["LogicalResourceId"]: d for d in found["StackResourceDrifts"]}


def test_a_fresh_stack_is_in_sync(cf, stack):
    assert cf.describe_stacks(StackName=stack)["Stacks"][0]["DriftInformation"] == {"StackDriftStatus": "NOT_CHECKED"}
    status = detect(cf, stack)
    assert (status["DetectionStatus"], status["StackDriftStatus"], status["DriftedStackResourceCount"]) == (
        "DETECTION_COMPLETE", "IN_SYNC", 0)
    checked = {k: d["StackResourceDriftStatus"] for k, d in drifts(cf, stack).items()}
    assert checked == {**{k: "IN_SYNC" for k in template()["Resources"]}, "Stream": "NOT_CHECKED"}
    param = drifts(cf, stack)["Param"]
    assert "hush-hush" not in param["ExpectedProperties"] + param["ActualProperties"]
    assert json.loads(param["ExpectedProperties"])["Value"] == "****"
    key = json.loads(drifts(cf, stack)["Key"]["ExpectedProperties"])
    assert key == {"Description": "drift key", "EnableKeyRotation": True}  # PendingWindowInDays is write-only
    compared = {k: sorted(json.loads(d["ActualProperties"])) for k, d in drifts(cf, stack).items() if k != "Stream"}
    assert compared == {k: sorted(r.get("Properties", {})) for k, r in template()["Resources"].items()
                        if k not in ("Stream", "Key", "Param")} | {
        "Key": ["Description", "EnableKeyRotation"], "Param": ["Tags", "Type", "Value"]}  # Description: write-only
    information = cf.describe_stacks(StackName=stack)["Stacks"][0]["DriftInformation"]
    assert information["StackDriftStatus"] == "IN_SYNC" and "LastCheckTimestamp" in information


def test_changes_through_the_services_apis_are_drift(cf, aws, stack):
    physical = stack_resources(cf, stack)
    aws("s3").put_bucket_versioning(Bucket=physical["Bucket"], VersioningConfiguration={"Status": "Suspended"})
    aws("logs").put_retention_policy(logGroupName=physical["Group"], retentionInDays=30)
    aws("iam").detach_role_policy(RoleName=physical["Role"], PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    aws("sns").delete_topic(TopicArn=physical["Topic"])
    status = detect(cf, stack)
    assert (status["StackDriftStatus"], status["DriftedStackResourceCount"]) == ("DRIFTED", 4)
    modified = drifts(cf, stack, "MODIFIED")
    assert set(modified) == {"Bucket", "Group", "Role"}
    assert modified["Bucket"]["PropertyDifferences"] == [{
        "PropertyPath": "/VersioningConfiguration/Status", "ExpectedValue": "Enabled", "ActualValue": "Suspended",
        "DifferenceType": "NOT_EQUAL"}]
    assert json.loads(modified["Bucket"]["ActualProperties"])["VersioningConfiguration"] == {"Status": "Suspended"}
    assert modified["Group"]["PropertyDifferences"] == [{
        "PropertyPath": "/RetentionInDays", "ExpectedValue": "7", "ActualValue": "30", "DifferenceType": "NOT_EQUAL"}]
    assert modified["Role"]["PropertyDifferences"] == [{
        "PropertyPath": "/ManagedPolicyArns/0", "ExpectedValue": "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "ActualValue": "null", "DifferenceType": "REMOVE"}]
    assert list(drifts(cf, stack, "DELETED")) == ["Topic"]
    assert cf.describe_stacks(StackName=stack)["Stacks"][0]["DriftInformation"]["StackDriftStatus"] == "DRIFTED"
    detail = cf.describe_stack_resource(StackName=stack, LogicalResourceId="Bucket")["StackResourceDetail"]
    assert detail["DriftInformation"]["StackResourceDriftStatus"] == "MODIFIED"
    listed = {r["LogicalResourceId"]: r["DriftInformation"]["StackResourceDriftStatus"]
              for r in cf.list_stack_resources(StackName=stack)["StackResourceSummaries"]}
    assert (listed["Topic"], listed["Stream"], listed["Key"]) == ("DELETED", "NOT_CHECKED", "IN_SYNC")


def test_one_resource_is_checked_on_its_own(cf, aws, stack):
    physical = stack_resources(cf, stack)
    aws("s3").put_bucket_versioning(Bucket=physical["Bucket"], VersioningConfiguration={"Status": "Enabled"})
    drift = cf.detect_stack_resource_drift(StackName=stack, LogicalResourceId="Bucket")["StackResourceDrift"]
    assert (drift["StackResourceDriftStatus"], drift["PropertyDifferences"], drift["PhysicalResourceId"]) == (
        "IN_SYNC", [], physical["Bucket"])
    assert cf.describe_stack_resource(StackName=stack, LogicalResourceId="Bucket")["StackResourceDetail"][
        "DriftInformation"]["StackResourceDriftStatus"] == "IN_SYNC"
