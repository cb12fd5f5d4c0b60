"""A recorder that was recording before a restart records on after it, with its history intact; rules, their
results and remediations stay too."""
from __future__ import annotations

import json

from tests.support import config_history, make_client, start_recording, start_server, unique


def test_recording_survives_a_restart(tmp_path):
    before, after = unique("before-restart"), unique("after-restart")
    with start_server(tmp_path) as first:
        aws = lambda service, **kw: make_client(first.endpoint, service, **kw)  # noqa: E731
        start_recording(aws)
        aws("s3").create_bucket(Bucket=before)
        assert len(config_history(aws("config"), "AWS::S3::Bucket", before)) == 1
    with start_server(tmp_path) as second:
        aws = lambda service, **kw: make_client(second.endpoint, service, **kw)  # noqa: E731
        # Changed before any Config call: the stored recorder alone has Config's engine built at start.
        aws("s3").put_bucket_tagging(Bucket=before, Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
        aws("s3").create_bucket(Bucket=after)
        config = aws("config")
        assert config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]["recording"]
        history = config_history(config, "AWS::S3::Bucket", before)
        assert [i["configurationItemStatus"] for i in history] == ["ResourceDiscovered", "OK"]
        assert history[-1]["tags"] == {"k": "v"}
        assert config_history(config, "AWS::S3::Bucket", after)[0]["configurationItemStatus"] == "ResourceDiscovered"


def test_rules_results_and_remediations_survive_a_restart(tmp_path):
    bucket = unique("durable")
    with start_server(tmp_path) as first:
        aws = lambda service, **kw: make_client(first.endpoint, service, **kw)  # noqa: E731
        start_recording(aws)
        config = aws("config")
        aws("s3").create_bucket(Bucket=bucket)
        config.put_config_rule(ConfigRule={"ConfigRuleName": "versioning", "Source": {
            "Owner": "AWS", "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"}})
        role = aws("iam").create_role(RoleName="automation", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"},
                                                    "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        config.put_remediation_configurations(RemediationConfigurations=[{
            "ConfigRuleName": "versioning", "TargetType": "SSM_DOCUMENT", "TargetId": "AWS-ConfigureS3BucketVersioning",
            "Parameters": {"BucketName": {"ResourceValue": {"Value": "RESOURCE_ID"}},
                           "AutomationAssumeRole": {"StaticValue": {"Values": [role]}}}}])
        assert config.describe_compliance_by_resource(ResourceType="AWS::S3::Bucket", ResourceId=bucket)[
            "ComplianceByResources"][0]["Compliance"]["ComplianceType"] == "NON_COMPLIANT"
    with start_server(tmp_path) as second:
        aws = lambda service, **kw: make_client(second.endpoint, service, **kw)  # noqa: E731
        config = aws("config")
        assert [r["ConfigRuleName"] for r in config.describe_config_rules()["ConfigRules"]] == ["versioning"]
        assert config.describe_compliance_by_resource(ResourceType="AWS::S3::Bucket", ResourceId=bucket)[
            "ComplianceByResources"][0]["Compliance"]["ComplianceType"] == "NON_COMPLIANT"
        config.start_remediation_execution(ConfigRuleName="versioning", ResourceKeys=[
            {"resourceType": "AWS::S3::Bucket", "resourceId": bucket}])
        assert config.describe_compliance_by_resource(ResourceType="AWS::S3::Bucket", ResourceId=bucket)[
            "ComplianceByResources"][0]["Compliance"]["ComplianceType"] == "COMPLIANT"
