"""Resource import through boto3: IMPORT change sets bring existing resources under a new or an existing
stack untouched, after AWS's checks (DeletionPolicy, the primary identifier, the resource exists and no
other stack has it, nothing else changes)."""
from __future__ import annotations

import json

import pytest

from tests.support import error_of, settled_stack, stack_events, stack_resources, unique


@pytest.fixture(scope="module")
def cf(aws):
    return aws("cloudformation")


def importing(cf, name: str, template: dict, resources: list[dict], change_set: str = "import") -> dict:
    created = cf.create_change_set(StackName=name, ChangeSetName=change_set, ChangeSetType="IMPORT",
                                   TemplateBody=json.dumps(template), ResourcesToImport=resources)
    return cf.describe_change_set(ChangeSetName=created["Id"])


def test_existing_resources_become_a_new_stack(cf, aws):
    bucket, topic_name = unique("imported"), unique("imported")
    aws("s3").create_bucket(Bucket=bucket)
    aws("s3").put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    topic = aws("sns").create_topic(Name=topic_name)["TopicArn"]
    template = {"Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "Properties": {
            "BucketName": bucket, "VersioningConfiguration": {"Status": "Enabled"}}},
        "Topic": {"Type": "AWS::SNS::Topic", "DeletionPolicy": "Retain", "Properties": {"TopicName": topic_name}}},
        "Outputs": {"BucketArn": {"Value": {"Fn::GetAtt": "Bucket.Arn"}}}}
    name = unique("adopting")
    described = importing(cf, name, template, [
        {"ResourceType": "AWS::S3::Bucket", "LogicalResourceId": "Bucket", "ResourceIdentifier": {"BucketName": bucket}},
        {"ResourceType": "AWS::SNS::Topic", "LogicalResourceId": "Topic", "ResourceIdentifier": {"TopicArn": topic}}])
    assert (described["Status"], described["ExecutionStatus"]) == ("CREATE_COMPLETE", "AVAILABLE")
    assert {c["ResourceChange"]["LogicalResourceId"]: (c["ResourceChange"]["Action"],
                                                       c["ResourceChange"]["PhysicalResourceId"])
            for c in described["Changes"]} == {"Bucket": ("Import", bucket), "Topic": ("Import", topic)}
    assert cf.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"
    cf.execute_change_set(ChangeSetName="import", StackName=name)
    cf.get_waiter("stack_import_complete").wait(StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    stack = cf.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["Outputs"] == [{"OutputKey": "BucketArn", "OutputValue": f"arn:aws:s3:::{bucket}"}]
    assert stack_resources(cf, name) == {"Bucket": bucket, "Topic": topic}
    assert [e[1] for e in stack_events(cf, name) if e[0] == "Bucket"] == ["IMPORT_IN_PROGRESS", "IMPORT_COMPLETE"]
    assert cf.describe_change_set(ChangeSetName="import", StackName=name)["ExecutionStatus"] == "EXECUTE_COMPLETE"
    detection = cf.detect_stack_drift(StackName=name)["StackDriftDetectionId"]
    assert cf.describe_stack_drift_detection_status(StackDriftDetectionId=detection)["StackDriftStatus"] == "IN_SYNC"

    other = unique("second")  # another stack cannot take them
    failed = importing(cf, other, template, [
        {"ResourceType": "AWS::S3::Bucket", "LogicalResourceId": "Bucket", "ResourceIdentifier": {"BucketName": bucket}},
        {"ResourceType": "AWS::SNS::Topic", "LogicalResourceId": "Topic", "ResourceIdentifier": {"TopicArn": topic}}])
    assert (failed["Status"], failed["StatusReason"]) == (
        "FAILED", f"The following resources to import are already managed by another stack: [{bucket} ({name}), "
                  f"{topic} ({name})]")

    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"
    aws("s3").head_bucket(Bucket=bucket)  # Retain: the stack gave it back as it found it
    assert aws("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["TopicArn"] == topic


def test_an_existing_stack_takes_in_a_resource(cf, aws):
    name = unique("growing")
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    stack_id = cf.create_stack(StackName=name, TemplateBody=json.dumps(template))["StackId"]
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    group = unique("/imported/")
    aws("logs").create_log_group(logGroupName=group)
    template["Resources"]["Group"] = {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Delete",
                                      "Properties": {"LogGroupName": group}}
    described = importing(cf, name, template, [{"ResourceType": "AWS::Logs::LogGroup", "LogicalResourceId": "Group",
                                               "ResourceIdentifier": {"LogGroupName": group}}])
    assert [c["ResourceChange"]["Action"] for c in described["Changes"]] == ["Import"]
    cf.execute_change_set(ChangeSetName=described["ChangeSetId"])
    assert settled_stack(cf, name)["StackStatus"] == "IMPORT_COMPLETE"
    template["Resources"]["Group"]["Properties"]["RetentionInDays"] = 3
    cf.update_stack(StackName=name, TemplateBody=json.dumps(template))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    assert aws("logs").describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["retentionInDays"] == 3
    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE"
    assert aws("logs").describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []  # DeletionPolicy Delete


def test_what_aws_refuses_to_import(cf, aws):
    bucket = unique("refused")
    aws("s3").create_bucket(Bucket=bucket)
    name = unique("refusing")
    identified = [{"ResourceType": "AWS::S3::Bucket", "LogicalResourceId": "Bucket",
                   "ResourceIdentifier": {"BucketName": bucket}}]
    template = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": bucket}}}}

    def refused(template: dict, resources: list[dict]) -> tuple[str, str]:
        return error_of(cf.create_change_set, StackName=name, ChangeSetName="refused", ChangeSetType="IMPORT",
                        TemplateBody=json.dumps(template), ResourcesToImport=resources).worded

    assert refused(template, identified) == (
        "ValidationError", "The following resources to import [Bucket] must have DeletionPolicy attribute specified "
                           "in the template.")
    template["Resources"]["Bucket"]["DeletionPolicy"] = "Retain"
    assert refused(template, [{**identified[0], "LogicalResourceId": "Other"}]) == (
        "ValidationError", "Resources [Other] passed in ResourceToImport are not present in the template.")
    assert refused(template, [{**identified[0], "ResourceIdentifier": {"Name": bucket}}]) == (
        "ValidationError", "Invalid ResourceIdentifier for [Bucket]: the identifier of AWS::S3::Bucket is "
                           "[BucketName].")
    extra = {"Resources": {**template["Resources"], "Topic": {"Type": "AWS::SNS::Topic"}}}
    assert refused(extra, identified) == (
        "ValidationError", "As part of the import operation, you cannot modify or add [Topic]")
    stream = {"Resources": {"Stream": {"Type": "AWS::Logs::LogStream", "DeletionPolicy": "Retain",
                                       "Properties": {"LogGroupName": "g"}}}}
    assert refused(stream, [{"ResourceType": "AWS::Logs::LogStream", "LogicalResourceId": "Stream",
                             "ResourceIdentifier": {"LogStreamName": "s"}}]) == (
        "ValidationError", "ResourceType AWS::Logs::LogStream is not supported for import.")
    missing = importing(cf, name, template, [{**identified[0], "ResourceIdentifier": {"BucketName": unique("none")}}])
    assert (missing["Status"], missing["ExecutionStatus"], missing["StatusReason"]) == (
        "FAILED", "UNAVAILABLE", "The following resources to import [Bucket] do not exist.")
