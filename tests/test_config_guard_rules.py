"""Config custom policy rules: a Guard 2.x policy, evaluated by Guard's engine against each recorded bucket
on every change; its text kept out of DescribeConfigRules and answered by GetCustomRulePolicy; a policy
Guard cannot parse refused; and the same rule deployed from a CloudFormation template."""
from __future__ import annotations

import json

import pytest

from tests.support import error_of, rule_compliance, settled_stack, start_recording, unique

VERSIONED = """
rule bucket_versioned when resourceType == "AWS::S3::Bucket" {
    supplementaryConfiguration.BucketVersioningConfiguration.status == "Enabled"
}
"""
ON_CHANGE = [{"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"}]


def _guard_rule(name: str, text: str = VERSIONED, **extra) -> dict:
    return {"ConfigRuleName": name, "Scope": {"ComplianceResourceTypes": ["AWS::S3::Bucket"]}, "Source": {
        "Owner": "CUSTOM_POLICY", "SourceDetails": ON_CHANGE,
        "CustomPolicyDetails": {"PolicyRuntime": "guard-2.x.x", "PolicyText": text}}, **extra}


@pytest.fixture(scope="module")
def recording(aws):
    return start_recording(aws)


def test_a_guard_policy_decides_each_buckets_compliance(aws, recording):
    s3, config = aws("s3"), aws("config")
    plain, versioned = unique("guard-plain"), unique("guard-versioned")
    for bucket in (plain, versioned):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=versioned, VersioningConfiguration={"Status": "Enabled"})
    rule = unique("guard")
    config.put_config_rule(ConfigRule=_guard_rule(rule, InputParameters=json.dumps({"note": "free-form"})))
    found = rule_compliance(config, rule)
    assert (found[plain], found[versioned]) == ("NON_COMPLIANT", "COMPLIANT")
    s3.put_bucket_versioning(Bucket=plain, VersioningConfiguration={"Status": "Enabled"})
    assert rule_compliance(config, rule)[plain] == "COMPLIANT"

    [described] = config.describe_config_rules(ConfigRuleNames=[rule])["ConfigRules"]
    assert described["Source"]["Owner"] == "CUSTOM_POLICY"
    assert described["Source"]["CustomPolicyDetails"] == {"PolicyRuntime": "guard-2.x.x",
                                                          "EnableDebugLogDelivery": False}
    assert config.get_custom_rule_policy(ConfigRuleName=rule)["PolicyText"] == VERSIONED


def test_a_policy_whose_rules_all_skip_is_not_applicable(aws, recording):
    s3, config = aws("s3"), aws("config")
    bucket = unique("guard-skip")
    s3.create_bucket(Bucket=bucket)
    only_topics = 'rule topic_encrypted when resourceType == "AWS::SNS::Topic" { configuration.KmsMasterKeyId exists }'
    rule = unique("guard-skip")
    config.put_config_rule(ConfigRule=_guard_rule(rule, only_topics))
    assert rule_compliance(config, rule, ComplianceTypes=["NOT_APPLICABLE"])[bucket] == "NOT_APPLICABLE"


def test_guard_rules_refused_as_aws_refuses_them(aws, recording):
    config = aws("config")
    unparsable = error_of(config.put_config_rule, ConfigRule=_guard_rule(unique("bad"), "rule broken { "))
    assert unparsable == ("InvalidParameterValueException", 400) and "Guard" in unparsable.message
    no_details = _guard_rule(unique("bad"))
    del no_details["Source"]["CustomPolicyDetails"]
    assert error_of(config.put_config_rule, ConfigRule=no_details) == ("InvalidParameterValueException", 400)
    no_triggers = _guard_rule(unique("bad"))
    del no_triggers["Source"]["SourceDetails"]
    assert error_of(config.put_config_rule, ConfigRule=no_triggers) == ("InvalidParameterValueException", 400)
    assert error_of(config.get_custom_rule_policy, ConfigRuleName="missing") == ("NoSuchConfigRuleException", 400)


def test_a_guard_rule_from_a_template_reads_back_in_sync(aws, recording):
    cf = aws("cloudformation")
    name = unique("guard-stack")
    template = {"Resources": {"Rule": {"Type": "AWS::Config::ConfigRule", "Properties": {
        "ConfigRuleName": name, "Scope": {"ComplianceResourceTypes": ["AWS::S3::Bucket"]},
        "Source": {"Owner": "CUSTOM_POLICY", "SourceDetails": ON_CHANGE, "CustomPolicyDetails": {
            "PolicyRuntime": "guard-2.x.x", "PolicyText": VERSIONED, "EnableDebugLogDelivery": False}}}}}}
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template))
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    assert aws("config").get_custom_rule_policy(ConfigRuleName=name)["PolicyText"] == VERSIONED
    drift = cf.detect_stack_resource_drift(StackName=name, LogicalResourceId="Rule")["StackResourceDrift"]
    assert drift["StackResourceDriftStatus"] == "IN_SYNC", drift
