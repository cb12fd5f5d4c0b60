"""Config rules over real resources: managed rules evaluated on each recorded change and periodically on
the virtual clock, their scope and parameters, compliance read every way AWS answers it, and AWS's errors
for what nimbus cannot run (custom Lambda rules, result tokens it never issued)."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.support import (
    advance_clock,
    distribution_config,
    error_of,
    legacy_behaviour,
    rule_compliance,
    s3_origin,
    start_recording,
    trail_bucket,
    unique,
)

BUCKET = "AWS::S3::Bucket"


def _rule(config, name: str, identifier: str, **extra) -> str:
    config.put_config_rule(ConfigRule={"ConfigRuleName": name, "Source": {"Owner": "AWS",
                                                                           "SourceIdentifier": identifier}, **extra})
    return name


@pytest.fixture(scope="module")
def recording(aws):
    return start_recording(aws)


def test_a_change_turns_a_bucket_compliant(aws, recording):
    s3, config = aws("s3"), aws("config")
    plain, versioned = unique("plain"), unique("versioned")
    for bucket in (plain, versioned):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=versioned, VersioningConfiguration={"Status": "Enabled"})
    rule = _rule(config, unique("versioning"), "S3_BUCKET_VERSIONING_ENABLED")
    found = rule_compliance(config, rule)
    assert found[plain] == "NON_COMPLIANT" and found[versioned] == "COMPLIANT"
    s3.put_bucket_versioning(Bucket=plain, VersioningConfiguration={"Status": "Enabled"})
    assert rule_compliance(config, rule)[plain] == "COMPLIANT"
    [described] = config.describe_config_rules(ConfigRuleNames=[rule])["ConfigRules"]
    assert described["ConfigRuleState"] == "ACTIVE" and described["ConfigRuleArn"].endswith(described["ConfigRuleId"])
    [status] = config.describe_config_rule_evaluation_status(ConfigRuleNames=[rule])["ConfigRulesEvaluationStatus"]
    assert status["FirstEvaluationStarted"] and "LastSuccessfulEvaluationTime" in status


def test_compliance_by_rule_by_resource_and_summaries(aws, recording):
    s3, config = aws("s3"), aws("config")
    public = unique("public")
    s3.create_bucket(Bucket=public)
    s3.put_public_access_block(Bucket=public, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False})
    s3.put_bucket_policy(Bucket=public, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{public}/*"}]}))
    rule = _rule(config, unique("public-read"), "S3_BUCKET_PUBLIC_READ_PROHIBITED")
    assert rule_compliance(config, rule)[public] == "NON_COMPLIANT"
    [by_rule] = config.describe_compliance_by_config_rule(ConfigRuleNames=[rule])["ComplianceByConfigRules"]
    assert by_rule["Compliance"]["ComplianceType"] == "NON_COMPLIANT"
    assert by_rule["Compliance"]["ComplianceContributorCount"] == {"CappedCount": 1, "CapExceeded": False}
    [by_resource] = config.describe_compliance_by_resource(ResourceType=BUCKET, ResourceId=public)[
        "ComplianceByResources"]
    assert by_resource["Compliance"]["ComplianceType"] == "NON_COMPLIANT"
    details = config.get_compliance_details_by_resource(ResourceType=BUCKET, ResourceId=public,
                                                        ComplianceTypes=["NON_COMPLIANT"])["EvaluationResults"]
    by_name = {d["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ConfigRuleName"]: d for d in details}
    assert rule in by_name and by_name[rule]["Annotation"]  # the versioning rule finds it non-compliant too
    summary = config.get_compliance_summary_by_resource_type(ResourceTypes=[BUCKET])[
        "ComplianceSummariesByResourceType"][0]
    assert summary["ResourceType"] == BUCKET and summary["ComplianceSummary"]["NonCompliantResourceCount"][
        "CappedCount"] >= 1
    assert config.get_compliance_summary_by_config_rule()["ComplianceSummary"]["NonCompliantResourceCount"][
        "CappedCount"] >= 1
    config.delete_evaluation_results(ConfigRuleName=rule)
    assert rule_compliance(config, rule) == {}
    config.start_config_rules_evaluation(ConfigRuleNames=[rule])
    assert rule_compliance(config, rule)[public] == "NON_COMPLIANT"
    s3.delete_bucket_policy(Bucket=public)
    assert rule_compliance(config, rule)[public] == "COMPLIANT"


def test_scope_and_parameters(aws, recording):
    s3, config = aws("s3"), aws("config")
    tagged, other = unique("tagged"), unique("other")
    for bucket in (tagged, other):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_tagging(Bucket=tagged, Tagging={"TagSet": [{"Key": "audit", "Value": "yes"}]})
    rule = _rule(config, unique("logging"), "S3_BUCKET_LOGGING_ENABLED", Scope={"TagKey": "audit", "TagValue": "yes"},
                 InputParameters=json.dumps({"targetBucket": "logs"}))
    assert rule_compliance(config, rule) == {tagged: "NON_COMPLIANT"}
    by_id = _rule(config, unique("by-id"), "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
                  Scope={"ComplianceResourceTypes": [BUCKET], "ComplianceResourceId": other})
    assert rule_compliance(config, by_id) == {other: "COMPLIANT"}
    assert error_of(lambda: _rule(config, "bad-params", "S3_BUCKET_LOGGING_ENABLED",
                                  InputParameters=json.dumps({"nope": 1}))) == ("InvalidParameterValueException", 400)


def test_periodic_account_rules_on_the_virtual_clock(endpoint, aws, recording):
    s3, cloudtrail, config = aws("s3"), aws("cloudtrail"), aws("config")
    account = aws("sts").get_caller_identity()["Account"]
    rule = _rule(config, unique("trails"), "MULTI_REGION_CLOUD_TRAIL_ENABLED", MaximumExecutionFrequency="One_Hour")
    assert rule_compliance(config, rule) == {account: "NON_COMPLIANT"}
    trail = cloudtrail.create_trail(Name=unique("trail"), S3BucketName=trail_bucket(s3, account),
                                    IsMultiRegionTrail=True, EnableLogFileValidation=True)["TrailARN"]
    cloudtrail.start_logging(Name=trail)
    assert rule_compliance(config, rule) == {account: "NON_COMPLIANT"}  # periodic: not evaluated on the change
    advance_clock(endpoint, 3600)
    assert rule_compliance(config, rule) == {account: "COMPLIANT"}
    [result] = config.get_compliance_details_by_config_rule(ConfigRuleName=rule)["EvaluationResults"]
    assert result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceType"] == "AWS::::Account"
    validation = _rule(config, unique("validation"), "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED")
    encryption = _rule(config, unique("trail-kms"), "CLOUD_TRAIL_ENCRYPTION_ENABLED")
    name = trail.rsplit("/", 1)[-1]
    assert rule_compliance(config, validation)[name] == "COMPLIANT"
    assert rule_compliance(config, encryption)[name] == "NON_COMPLIANT"


def test_the_password_policy_rule_reads_iam(aws, recording):
    iam, config = aws("iam"), aws("config")
    account = aws("sts").get_caller_identity()["Account"]
    rule = _rule(config, unique("passwords"), "IAM_PASSWORD_POLICY",
                 InputParameters=json.dumps({"MinimumPasswordLength": "10", "PasswordReusePrevention": "5"}))
    assert rule_compliance(config, rule) == {account: "NON_COMPLIANT"}
    iam.update_account_password_policy(MinimumPasswordLength=12, RequireSymbols=True, RequireNumbers=True,
                                       RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
                                       PasswordReusePrevention=5, MaxPasswordAge=90)
    assert iam.get_account_password_policy()["PasswordPolicy"]["ExpirePasswords"]
    config.start_config_rules_evaluation(ConfigRuleNames=[rule])
    assert rule_compliance(config, rule) == {account: "COMPLIANT"}
    iam.delete_account_password_policy()
    assert error_of(iam.get_account_password_policy) == ("NoSuchEntity", 404)


def test_the_root_access_key_rule_reads_the_account_summary(aws, recording):
    config = aws("config")
    account = aws("sts").get_caller_identity()["Account"]
    present = aws("iam").get_account_summary()["SummaryMap"]["AccountAccessKeysPresent"]
    rule = _rule(config, unique("root-keys"), "IAM_ROOT_ACCESS_KEY_CHECK")
    assert rule_compliance(config, rule) == {account: "NON_COMPLIANT" if present else "COMPLIANT"}


def test_security_rules_over_keys_streams_topics_and_users(aws, recording):
    kms, kinesis, sns, iam, config = aws("kms"), aws("kinesis"), aws("sns"), aws("iam"), aws("config")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    rotation = _rule(config, unique("rotation"), "CMK_BACKING_KEY_ROTATION_ENABLED")
    assert rule_compliance(config, rotation)[key] == "NON_COMPLIANT"
    kms.enable_key_rotation(KeyId=key)
    config.start_config_rules_evaluation(ConfigRuleNames=[rotation])
    assert rule_compliance(config, rotation)[key] == "COMPLIANT"
    deletion = _rule(config, unique("deletion"), "KMS_CMK_NOT_SCHEDULED_FOR_DELETION")
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    assert rule_compliance(config, deletion)[key] == "NON_COMPLIANT"
    stream = unique("stream")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    encrypted = _rule(config, unique("kinesis"), "KINESIS_STREAM_ENCRYPTED")
    assert rule_compliance(config, encrypted)[stream] == "NON_COMPLIANT"
    topic = sns.create_topic(Name=unique("topic"), Attributes={"KmsMasterKeyId": "alias/aws/sns"})["TopicArn"]
    topics = _rule(config, unique("sns"), "SNS_ENCRYPTED_KMS")
    assert rule_compliance(config, topics)[topic] == "COMPLIANT"
    user = iam.create_user(UserName=unique("bob"))["User"]
    no_policies = _rule(config, unique("users"), "IAM_USER_NO_POLICIES_CHECK")
    assert rule_compliance(config, no_policies)[user["UserId"]] == "COMPLIANT"
    iam.put_user_policy(UserName=user["UserName"], PolicyName="inline", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    assert rule_compliance(config, no_policies)[user["UserId"]] == "NON_COMPLIANT"
    admin = iam.create_policy(PolicyName=unique("admin"), PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))["Policy"]
    admins = _rule(config, unique("admin"), "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS")
    assert rule_compliance(config, admins)[admin["PolicyId"]] == "NON_COMPLIANT"


def test_cloudfront_rules_read_the_distributions(aws, recording):
    s3, cloudfront, config = aws("s3"), aws("cloudfront"), aws("config")
    origin = unique("origin")
    s3.create_bucket(Bucket=origin)
    plain = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [s3_origin("s3", origin)], legacy_behaviour("s3")))["Distribution"]["Id"]
    tidy = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [s3_origin("s3", origin)], legacy_behaviour("s3", ViewerProtocolPolicy="redirect-to-https"),
        DefaultRootObject="index.html"))["Distribution"]["Id"]
    root = _rule(config, unique("root"), "CLOUDFRONT_DEFAULT_ROOT_OBJECT_CONFIGURED")
    https = _rule(config, unique("https"), "CLOUDFRONT_VIEWER_POLICY_HTTPS")
    identity = _rule(config, unique("oai"), "CLOUDFRONT_ORIGIN_ACCESS_IDENTITY_ENABLED")
    assert rule_compliance(config, root)[plain] == "NON_COMPLIANT" and rule_compliance(config, root)[tidy] == "COMPLIANT"
    assert rule_compliance(config, https)[plain] == "NON_COMPLIANT" and rule_compliance(config, https)[tidy] == "COMPLIANT"
    assert rule_compliance(config, identity)[tidy] == "NON_COMPLIANT"


def test_process_checks_take_external_evaluations(aws, recording):
    config = aws("config")
    rule = _rule(config, unique("process"), "AWS_CONFIG_PROCESS_CHECK")
    account = aws("sts").get_caller_identity()["Account"]
    config.put_external_evaluation(ConfigRuleName=rule, ExternalEvaluation={
        "ComplianceResourceType": "AWS::::Account", "ComplianceResourceId": account, "ComplianceType": "COMPLIANT",
        "Annotation": "reviewed", "OrderingTimestamp": datetime.now(tz=UTC)})
    assert rule_compliance(config, rule) == {account: "COMPLIANT"}


def test_bad_input_gets_aws_errors(aws, recording):
    config = aws("config")
    unknown = error_of(lambda: _rule(config, "unknown", "S3_BUCKET_NOT_A_RULE"))
    assert unknown == ("InvalidParameterValueException", 400) and "sourceIdentifier" in unknown.message
    lambda_rule = {"ConfigRuleName": "custom", "Source": {
        "Owner": "CUSTOM_LAMBDA", "SourceIdentifier": "arn:aws:lambda:us-east-1:123456789012:function:nope",
        "SourceDetails": [{"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"}]}}
    assert error_of(lambda: config.put_config_rule(ConfigRule=lambda_rule)) == ("InsufficientPermissionsException", 400)
    assert error_of(lambda: config.put_evaluations(ResultToken="made-up", Evaluations=[{
        "ComplianceResourceType": BUCKET, "ComplianceResourceId": "b", "ComplianceType": "COMPLIANT",
        "OrderingTimestamp": datetime.now(tz=UTC)}])) == ("InvalidResultTokenException", 400)
    assert error_of(lambda: config.describe_config_rules(ConfigRuleNames=["missing"])) == (
        "NoSuchConfigRuleException", 400)
    assert error_of(lambda: config.delete_config_rule(ConfigRuleName="missing")) == ("NoSuchConfigRuleException", 400)
    rule = _rule(config, unique("gone"), "S3_BUCKET_SSL_REQUESTS_ONLY")
    config.delete_config_rule(ConfigRuleName=rule)
    assert error_of(lambda: config.get_compliance_details_by_config_rule(ConfigRuleName=rule)) == (
        "NoSuchConfigRuleException", 400)
