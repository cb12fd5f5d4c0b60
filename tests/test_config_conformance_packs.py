"""Conformance packs from templates (a body or an S3 object), which create their rules named with the
pack's suffix, their parameters and conditions, status, compliance, and deletion with their rules."""
from __future__ import annotations

import json

import pytest

from tests.support import error_of, start_recording, unique

TEMPLATE = """
Parameters:
  KeyAge:
    Type: String
    Default: "90"
  CheckLogging:
    Type: String
    Default: "false"
Conditions:
  Logging: !Equals [!Ref CheckLogging, "true"]
Resources:
  Versioning:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: s3-bucket-versioning-enabled
      Scope:
        ComplianceResourceTypes: [AWS::S3::Bucket]
      Source:
        Owner: AWS
        SourceIdentifier: S3_BUCKET_VERSIONING_ENABLED
  Keys:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: access-keys-rotated
      InputParameters:
        maxAccessKeyAge: !Ref KeyAge
      Source:
        Owner: AWS
        SourceIdentifier: ACCESS_KEYS_ROTATED
  Logging:
    Type: AWS::Config::ConfigRule
    Condition: Logging
    Properties:
      ConfigRuleName: s3-bucket-logging-enabled
      Source:
        Owner: AWS
        SourceIdentifier: S3_BUCKET_LOGGING_ENABLED
"""


@pytest.fixture(scope="module")
def recording(aws):
    return start_recording(aws)


def test_a_pack_creates_its_rules_and_answers_their_compliance(aws, recording):
    s3, config = aws("s3"), aws("config")
    bucket = unique("unversioned")
    s3.create_bucket(Bucket=bucket)
    name = unique("pack")
    arn = config.put_conformance_pack(ConformancePackName=name, TemplateBody=TEMPLATE, ConformancePackInputParameters=[
        {"ParameterName": "KeyAge", "ParameterValue": "30"}])["ConformancePackArn"]
    [detail] = config.describe_conformance_packs(ConformancePackNames=[name])["ConformancePackDetails"]
    assert detail["ConformancePackArn"] == arn and detail["ConformancePackId"] in arn
    rules = {r["ConfigRuleName"]: r for r in config.describe_config_rules()["ConfigRules"]
             if "-conformance-pack-" in r["ConfigRuleName"]}
    assert {n.split("-conformance-pack-")[0] for n in rules} == {"s3-bucket-versioning-enabled", "access-keys-rotated"}
    assert len({n.split("-conformance-pack-")[1] for n in rules}) == 1
    keys = next(r for n, r in rules.items() if n.startswith("access-keys-rotated"))
    assert json.loads(keys["InputParameters"]) == {"maxAccessKeyAge": "30"}
    assert keys["CreatedBy"] == "config-conforms.amazonaws.com"
    [status] = config.describe_conformance_pack_status(ConformancePackNames=[name])["ConformancePackStatusDetails"]
    assert status["ConformancePackState"] == "CREATE_COMPLETE"
    compliance = {r["ConfigRuleName"].split("-conformance-pack-")[0]: r["ComplianceType"] for r in
                  config.describe_conformance_pack_compliance(ConformancePackName=name)[
                      "ConformancePackRuleComplianceList"]}
    assert compliance["s3-bucket-versioning-enabled"] == "NON_COMPLIANT"
    details = config.get_conformance_pack_compliance_details(ConformancePackName=name, Filters={
        "ResourceType": "AWS::S3::Bucket", "ResourceIds": [bucket]})["ConformancePackRuleEvaluationResults"]
    assert [d["ComplianceType"] for d in details] == ["NON_COMPLIANT"]
    [summary] = config.get_conformance_pack_compliance_summary(ConformancePackNames=[name])[
        "ConformancePackComplianceSummaryList"]
    assert summary["ConformancePackComplianceStatus"] == "NON_COMPLIANT"
    versioning = next(n for n in rules if n.startswith("s3-bucket-versioning"))
    assert error_of(lambda: config.delete_config_rule(ConfigRuleName=versioning))[0] == "ResourceInUseException"
    config.delete_conformance_pack(ConformancePackName=name)
    assert not [r for r in config.describe_config_rules()["ConfigRules"] if r["ConfigRuleName"] in rules]
    assert error_of(lambda: config.describe_conformance_packs(ConformancePackNames=[name])) == (
        "NoSuchConformancePackException", 400)


def test_a_pack_from_s3_with_a_condition_and_updates(aws, recording):
    s3, config = aws("s3"), aws("config")
    templates = unique("templates")
    s3.create_bucket(Bucket=templates)
    s3.put_object(Bucket=templates, Key="pack.yaml", Body=TEMPLATE.encode())
    name = unique("from-s3")
    config.put_conformance_pack(ConformancePackName=name, TemplateS3Uri=f"s3://{templates}/pack.yaml",
                                ConformancePackInputParameters=[{"ParameterName": "CheckLogging",
                                                                 "ParameterValue": "true"}])
    compliance = config.describe_conformance_pack_compliance(ConformancePackName=name)[
        "ConformancePackRuleComplianceList"]
    assert len(compliance) == 3
    config.put_conformance_pack(ConformancePackName=name, TemplateS3Uri=f"s3://{templates}/pack.yaml")
    compliance = config.describe_conformance_pack_compliance(ConformancePackName=name)[
        "ConformancePackRuleComplianceList"]
    assert len(compliance) == 2  # the rule its condition no longer holds is deleted


def test_bad_templates(aws, recording):
    config = aws("config")
    bad = TEMPLATE.replace("S3_BUCKET_VERSIONING_ENABLED", "NOT_A_RULE")
    assert error_of(lambda: config.put_conformance_pack(ConformancePackName=unique("bad"), TemplateBody=bad))[0] == \
        "InvalidParameterValueException"
    assert error_of(lambda: config.put_conformance_pack(ConformancePackName=unique("bad"), TemplateBody="{ nope")) == (
        "ConformancePackTemplateValidationException", 400)
    assert error_of(lambda: config.put_conformance_pack(
        ConformancePackName=unique("bad"), TemplateBody=TEMPLATE, ConformancePackInputParameters=[
            {"ParameterName": "Nope", "ParameterValue": "1"}])) == ("ConformancePackTemplateValidationException", 400)
