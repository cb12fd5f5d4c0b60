"""Remediation that really runs: AWS's automation documents carried out as the AutomationAssumeRole,
manually and automatically (retried on the virtual clock), remediation exceptions, and AWS's errors."""
from __future__ import annotations

import json

import pytest

from tests.support import advance_clock, error_of, start_recording, unique

BUCKET = "AWS::S3::Bucket"


def _role(iam, service: str = "ssm.amazonaws.com") -> str:
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName=unique("remediation"), AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="s3", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    return role["Arn"]


def _remediation(rule: str, target: str, bucket_parameter: str, role: str, **extra) -> dict:
    return {"ConfigRuleName": rule, "TargetType": "SSM_DOCUMENT", "TargetId": target, "ResourceType": BUCKET,
            "Parameters": {bucket_parameter: {"ResourceValue": {"Value": "RESOURCE_ID"}},
                           "AutomationAssumeRole": {"StaticValue": {"Values": [role]}}}, **extra}


def _rule(config, identifier: str) -> str:
    name = unique(identifier.lower().replace("_", "-")[:30])
    config.put_config_rule(ConfigRule={"ConfigRuleName": name, "Source": {"Owner": "AWS",
                                                                           "SourceIdentifier": identifier}})
    return name


def _status(config, rule: str, bucket: str) -> dict:
    [status] = config.describe_remediation_execution_status(
        ConfigRuleName=rule, ResourceKeys=[{"resourceType": BUCKET, "resourceId": bucket}])[
        "RemediationExecutionStatuses"]
    return status


def _compliance(config, rule: str, bucket: str) -> str:
    results = config.get_compliance_details_by_config_rule(ConfigRuleName=rule)["EvaluationResults"]
    [found] = [r for r in results if r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"] == bucket]
    return found["ComplianceType"]


@pytest.fixture(scope="module")
def recording(aws):
    return start_recording(aws)


def test_a_manual_remediation_runs_as_its_role(aws, recording):
    s3, config = aws("s3"), aws("config")
    bucket = unique("unversioned")
    s3.create_bucket(Bucket=bucket)
    rule = _rule(config, "S3_BUCKET_VERSIONING_ENABLED")
    assert _compliance(config, rule, bucket) == "NON_COMPLIANT"
    config.put_remediation_configurations(RemediationConfigurations=[
        _remediation(rule, "AWS-ConfigureS3BucketVersioning", "BucketName", _role(aws("iam")))])
    [described] = config.describe_remediation_configurations(ConfigRuleNames=[rule])["RemediationConfigurations"]
    assert described["TargetId"] == "AWS-ConfigureS3BucketVersioning" and described["Arn"].startswith("arn:aws:config:")
    assert config.start_remediation_execution(ConfigRuleName=rule, ResourceKeys=[
        {"resourceType": BUCKET, "resourceId": bucket}])["FailedItems"] == []
    status = _status(config, rule, bucket)
    assert status["State"] == "SUCCEEDED" and status["StepDetails"][0]["Name"] == "AWS-ConfigureS3BucketVersioning"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert _compliance(config, rule, bucket) == "COMPLIANT"


def test_automatic_remediation_fixes_what_turns_non_compliant(aws, recording):
    s3, config = aws("s3"), aws("config")
    rule = _rule(config, "S3_BUCKET_PUBLIC_WRITE_PROHIBITED")
    config.put_remediation_configurations(RemediationConfigurations=[_remediation(
        rule, "AWS-DisableS3BucketPublicReadWrite", "S3BucketName", _role(aws("iam")), Automatic=True)])
    public, excepted = unique("public"), unique("excepted")
    config.put_remediation_exceptions(ConfigRuleName=rule, ResourceKeys=[{"ResourceType": BUCKET,
                                                                          "ResourceId": excepted}], Message="lab")
    for bucket in (public, excepted):
        s3.create_bucket(Bucket=bucket)
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
            "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False})
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    config.start_config_rules_evaluation(ConfigRuleNames=[rule])
    assert _status(config, rule, public)["State"] == "SUCCEEDED"
    block = s3.get_public_access_block(Bucket=public)["PublicAccessBlockConfiguration"]
    assert block["RestrictPublicBuckets"] and block["IgnorePublicAcls"]
    assert _compliance(config, rule, public) == "COMPLIANT"
    assert _compliance(config, rule, excepted) == "NON_COMPLIANT"
    [exception] = config.describe_remediation_exceptions(ConfigRuleName=rule)["RemediationExceptions"]
    assert exception["ResourceId"] == excepted and exception["Message"] == "lab"
    config.delete_remediation_exceptions(ConfigRuleName=rule, ResourceKeys=[{"ResourceType": BUCKET,
                                                                             "ResourceId": excepted}])
    assert config.describe_remediation_exceptions(ConfigRuleName=rule)["RemediationExceptions"] == []


def test_a_failing_automatic_remediation_is_retried_up_to_its_attempts(endpoint, aws, recording):
    s3, config = aws("s3"), aws("config")
    rule = _rule(config, "S3_BUCKET_VERSIONING_ENABLED")
    untrusted = _role(aws("iam"), service="ec2.amazonaws.com")  # SSM Automation may not assume it
    config.put_remediation_configurations(RemediationConfigurations=[_remediation(
        rule, "AWS-ConfigureS3BucketVersioning", "BucketName", untrusted, Automatic=True,
        MaximumAutomaticAttempts=2, RetryAttemptSeconds=120)])
    bucket = unique("stuck")
    s3.create_bucket(Bucket=bucket)
    assert _compliance(config, rule, bucket) == "NON_COMPLIANT"
    first = _status(config, rule, bucket)
    assert first["State"] == "FAILED" and "AccessDenied" in first["StepDetails"][0]["ErrorMessage"]
    advance_clock(endpoint, 180)
    second = _status(config, rule, bucket)
    assert second["State"] == "FAILED" and second["InvocationTime"] > first["InvocationTime"]
    advance_clock(endpoint, 180)
    assert _status(config, rule, bucket)["InvocationTime"] == second["InvocationTime"]  # no attempts left


def test_remediation_errors(aws, recording):
    config = aws("config")
    rule = _rule(config, "S3_BUCKET_LOGGING_ENABLED")
    assert error_of(lambda: config.put_remediation_configurations(RemediationConfigurations=[
        {"ConfigRuleName": rule, "TargetType": "SSM_DOCUMENT", "TargetId": "AWS-RestartEC2Instance"}])) == (
        "InvalidParameterValueException", 400)
    assert error_of(lambda: config.put_remediation_configurations(RemediationConfigurations=[
        {"ConfigRuleName": rule, "TargetType": "SSM_DOCUMENT", "TargetId": "AWS-ConfigureS3BucketVersioning",
         "Parameters": {"BucketName": {"ResourceValue": {"Value": "RESOURCE_ID"}}}}])) == (
        "InvalidParameterValueException", 400)  # no AutomationAssumeRole: nothing to run as
    assert error_of(lambda: config.delete_remediation_configuration(ConfigRuleName=rule)) == (
        "NoSuchRemediationConfigurationException", 400)
    assert error_of(lambda: config.start_remediation_execution(ConfigRuleName=rule, ResourceKeys=[
        {"resourceType": BUCKET, "resourceId": "b"}])) == ("NoSuchRemediationConfigurationException", 400)
