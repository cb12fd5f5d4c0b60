"""AWS Config rules: continuous audit and compliance over real resources, and a remediation that fixes them.

From the Config notes: "continuous audit and compliance". A managed rule finds an unversioned bucket
NON_COMPLIANT, a remediation (AWS's automation document, run as the role it names) turns versioning on,
and the rule finds the bucket COMPLIANT; a conformance pack then checks a set of rules at once.

Run:  AWS_ENDPOINT_URL=http://localhost:4566 python examples/config_compliance.py
"""
from __future__ import annotations

import json
import uuid

from common import clients, wait_for

CONFIG_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
AUTOMATION_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
PACK = """
Resources:
  Encryption:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: s3-bucket-server-side-encryption-enabled
      Source: {Owner: AWS, SourceIdentifier: S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED}
  SslOnly:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: s3-bucket-ssl-requests-only
      Source: {Owner: AWS, SourceIdentifier: S3_BUCKET_SSL_REQUESTS_ONLY}
"""


def compliance(config, rule: str, bucket: str) -> str | None:
    results = config.get_compliance_details_by_config_rule(ConfigRuleName=rule)["EvaluationResults"]
    return next((r["ComplianceType"] for r in results
                 if r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"] == bucket), None)


def main(endpoint: str | None = None) -> dict:
    aws = clients(endpoint)
    s3, iam, config = aws("s3"), aws("iam"), aws("config")
    suffix = uuid.uuid4().hex[:8]

    # Step 1: a recorder and its delivery channel: rules evaluate what it records.
    role = iam.create_role(RoleName=f"config-{suffix}", AssumeRolePolicyDocument=json.dumps(CONFIG_TRUST))["Role"]
    config.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": role["Arn"],
                                                             "recordingGroup": {"allSupported": True}})
    delivery = f"config-delivery-{suffix}"
    s3.create_bucket(Bucket=delivery)
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": delivery})
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    print("1. recorder started")

    # Step 2: a managed rule finds an unversioned bucket non-compliant.
    bucket = f"app-data-{suffix}"
    s3.create_bucket(Bucket=bucket)
    rule = "s3-bucket-versioning-enabled"
    config.put_config_rule(ConfigRule={"ConfigRuleName": rule, "Source": {
        "Owner": "AWS", "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"}})
    before = wait_for("the bucket evaluated", lambda: compliance(config, rule, bucket))
    print(f"2. {rule}: {bucket} is {before}")

    # Step 3: a remediation runs AWS-ConfigureS3BucketVersioning as a role SSM Automation may assume.
    automation = iam.create_role(RoleName=f"remediation-{suffix}",
                                 AssumeRolePolicyDocument=json.dumps(AUTOMATION_TRUST))["Role"]
    iam.put_role_policy(RoleName=automation["RoleName"], PolicyName="versioning", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutBucketVersioning",
                                                "Resource": "*"}]}))
    config.put_remediation_configurations(RemediationConfigurations=[{
        "ConfigRuleName": rule, "TargetType": "SSM_DOCUMENT", "TargetId": "AWS-ConfigureS3BucketVersioning",
        "Parameters": {"BucketName": {"ResourceValue": {"Value": "RESOURCE_ID"}},
                       "AutomationAssumeRole": {"StaticValue": {"Values": [automation["Arn"]]}}}}])
    config.start_remediation_execution(ConfigRuleName=rule, ResourceKeys=[
        {"resourceType": "AWS::S3::Bucket", "resourceId": bucket}])
    [status] = config.describe_remediation_execution_status(ConfigRuleName=rule)["RemediationExecutionStatuses"]
    print(f"3. remediation {status['State']}: versioning is {s3.get_bucket_versioning(Bucket=bucket)['Status']}")

    # Step 4: the rule sees the fix.
    after = wait_for("the fix evaluated", lambda: compliance(config, rule, bucket) == "COMPLIANT" and "COMPLIANT")
    print(f"4. {rule}: {bucket} is {after}")

    # Step 5: a conformance pack of two more rules, and its compliance.
    config.put_conformance_pack(ConformancePackName=f"s3-baseline-{suffix}", TemplateBody=PACK)
    pack = config.describe_conformance_pack_compliance(ConformancePackName=f"s3-baseline-{suffix}")[
        "ConformancePackRuleComplianceList"]
    by_rule = {r["ConfigRuleName"].split("-conformance-pack-")[0]: r["ComplianceType"] for r in pack}
    print(f"5. conformance pack: {by_rule}")

    config.stop_configuration_recorder(ConfigurationRecorderName="default")
    return {"before": before, "remediation": status["State"], "after": after, "pack": by_rule}


if __name__ == "__main__":
    main()
