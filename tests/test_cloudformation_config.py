"""AWS Config's CloudFormation types: a stack that makes a recorder and a delivery channel (which start
recording together, as AWS's handlers do), a managed rule with its GetAtt attributes, and a conformance
pack; then updated, and deleted with everything it made."""
from __future__ import annotations

import json

from tests.support import config_role, error_of, settled_stack, stack_resources, unique


def _template(bucket: str, role: str, frequency: str | None = None) -> str:
    rule: dict = {"Type": "AWS::Config::ConfigRule", "DependsOn": "Channel", "Properties": {
        "Source": {"Owner": "AWS", "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"},
        "Scope": {"ComplianceResourceTypes": ["AWS::S3::Bucket"]}}}
    if frequency:
        rule["Properties"]["Source"]["SourceIdentifier"] = "CLOUD_TRAIL_ENABLED"
        rule["Properties"]["MaximumExecutionFrequency"] = frequency
        rule["Properties"].pop("Scope")
    pack = {"Resources": {"Keys": {"Type": "AWS::Config::ConfigRule", "Properties": {
        "ConfigRuleName": "kinesis-encrypted", "Source": {"Owner": "AWS", "SourceIdentifier": "KINESIS_STREAM_ENCRYPTED"}}}}}
    return json.dumps({"Resources": {
        "Recorder": {"Type": "AWS::Config::ConfigurationRecorder", "Properties": {
            "RoleARN": role, "RecordingGroup": {"AllSupported": True, "IncludeGlobalResourceTypes": True}}},
        "Channel": {"Type": "AWS::Config::DeliveryChannel", "DependsOn": "Recorder", "Properties": {
            "S3BucketName": bucket, "ConfigSnapshotDeliveryProperties": {"DeliveryFrequency": "Six_Hours"}}},
        "Rule": rule,
        "Pack": {"Type": "AWS::Config::ConformancePack", "DependsOn": "Channel", "Properties": {
            "ConformancePackName": "stack-pack", "TemplateBody": json.dumps(pack)}}},
        "Outputs": {"RuleArn": {"Value": {"Fn::GetAtt": ["Rule", "Arn"]}},
                    "Compliance": {"Value": {"Fn::GetAtt": ["Rule", "Compliance.Type"]}}}})


def test_a_stack_of_config_resources(aws):
    cf, s3, config = aws("cloudformation"), aws("s3"), aws("config")
    bucket = unique("config-bucket")
    s3.create_bucket(Bucket=bucket)
    role = config_role(aws("iam"))
    name = unique("config-stack")
    cf.create_stack(StackName=name, TemplateBody=_template(bucket, role))
    stack = settled_stack(cf, name)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    resources = stack_resources(cf, name)
    [status] = config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
    assert status["name"] == resources["Recorder"] and status["recording"]
    [channel] = config.describe_delivery_channels()["DeliveryChannels"]
    assert channel["s3BucketName"] == bucket and channel["configSnapshotDeliveryProperties"] == {
        "deliveryFrequency": "Six_Hours"}
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    [rule] = config.describe_config_rules(ConfigRuleNames=[resources["Rule"]])["ConfigRules"]
    assert outputs["RuleArn"] == rule["ConfigRuleArn"] and outputs["Compliance"] == "NON_COMPLIANT"
    assert config.describe_conformance_packs(ConformancePackNames=["stack-pack"])["ConformancePackDetails"]
    cf.update_stack(StackName=name, TemplateBody=_template(bucket, role, frequency="One_Hour"))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    [rule] = config.describe_config_rules(ConfigRuleNames=[resources["Rule"]])["ConfigRules"]
    assert rule["Source"]["SourceIdentifier"] == "CLOUD_TRAIL_ENABLED" and rule["MaximumExecutionFrequency"] == "One_Hour"
    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"
    assert config.describe_configuration_recorders()["ConfigurationRecorders"] == []
    assert config.describe_delivery_channels()["DeliveryChannels"] == []
    assert error_of(lambda: config.describe_conformance_packs(ConformancePackNames=["stack-pack"])) == (
        "NoSuchConformancePackException", 400)
