"""AWS Config recorders and their delivery channel, driven by boto3 and the AWS CLI: the one recorder per
account and region, recording groups checked as AWS checks them, start and stop with real status times,
and AWS's errors for what is missing."""
from __future__ import annotations

import json

from tests.support import aws_cli, aws_cli_error, config_role, error_of, unique

REGION = "eu-west-2"  # this module's recorder is in a region of its own: other modules record in us-east-1


def test_one_recorder_per_account_and_region(aws):
    config = aws("config", region=REGION)
    role = config_role(aws("iam"))
    config.put_configuration_recorder(ConfigurationRecorder={"name": "main", "roleARN": role})
    recorders = config.describe_configuration_recorders()["ConfigurationRecorders"]
    assert [r["name"] for r in recorders] == ["main"]
    assert recorders[0]["recordingGroup"] == {
        "allSupported": True, "includeGlobalResourceTypes": False, "resourceTypes": [],
        "exclusionByResourceTypes": {"resourceTypes": []},
        "recordingStrategy": {"useOnly": "ALL_SUPPORTED_RESOURCE_TYPES"}}
    assert recorders[0]["recordingMode"]["recordingFrequency"] == "CONTINUOUS"
    assert recorders[0]["arn"].startswith(f"arn:aws:config:{REGION}:")
    error = error_of(config.put_configuration_recorder, ConfigurationRecorder={"name": "second", "roleARN": role})
    assert error == ("MaxNumberOfConfigurationRecordersExceededException", 400)
    # The same name updates it.
    config.put_configuration_recorder(ConfigurationRecorder={
        "name": "main", "roleARN": role, "recordingGroup": {"allSupported": False, "resourceTypes": ["AWS::S3::Bucket"]},
        "recordingMode": {"recordingFrequency": "DAILY"}})
    updated = config.describe_configuration_recorders(ConfigurationRecorderNames=["main"])["ConfigurationRecorders"][0]
    assert updated["recordingGroup"]["recordingStrategy"] == {"useOnly": "INCLUSION_BY_RESOURCE_TYPES"}
    assert updated["recordingMode"]["recordingFrequency"] == "DAILY"
    assert error_of(config.describe_configuration_recorders, ConfigurationRecorderNames=["nope"]) == (
        "NoSuchConfigurationRecorderException", 400)


def test_recording_groups_are_checked(aws):
    config = aws("config", region=REGION)
    role = config_role(aws("iam"))
    for group in ({"allSupported": True, "resourceTypes": ["AWS::S3::Bucket"]},
                  {"allSupported": False, "includeGlobalResourceTypes": True, "resourceTypes": ["AWS::S3::Bucket"]},
                  {"allSupported": False, "exclusionByResourceTypes": {"resourceTypes": ["AWS::S3::Bucket"]},
                   "recordingStrategy": {"useOnly": "INCLUSION_BY_RESOURCE_TYPES"}}):
        error = error_of(config.put_configuration_recorder,
                         ConfigurationRecorder={"name": "main", "roleARN": role, "recordingGroup": group})
        assert error == ("InvalidRecordingGroupException", 400), group
    config.put_configuration_recorder(ConfigurationRecorder={"name": "main", "roleARN": role, "recordingGroup": {
        "allSupported": False, "exclusionByResourceTypes": {"resourceTypes": ["AWS::KMS::Key"]},
        "recordingStrategy": {"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"}}})


def test_role_must_be_one_config_can_assume(aws):
    config, iam = aws("config", region=REGION), aws("iam")
    untrusting = iam.create_role(RoleName=unique("not-config"), AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    error = error_of(config.put_configuration_recorder, ConfigurationRecorder={"name": "main", "roleARN": untrusting})
    assert error == ("InvalidRoleException", 400)
    assert error_of(config.put_configuration_recorder, ConfigurationRecorder={"name": "main"}) == (
        "InvalidRoleException", 400)


def test_start_needs_a_delivery_channel_then_reports_real_status(aws):
    config, s3 = aws("config", region=REGION), aws("s3", region=REGION)
    role = config_role(aws("iam"))
    config.put_configuration_recorder(ConfigurationRecorder={"name": "main", "roleARN": role})
    assert error_of(config.start_configuration_recorder, ConfigurationRecorderName="main") == (
        "NoAvailableDeliveryChannelException", 400)
    assert error_of(config.start_configuration_recorder, ConfigurationRecorderName="other") == (
        "NoSuchConfigurationRecorderException", 400)
    status = config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]
    assert status["recording"] is False and "lastStartTime" not in status

    assert error_of(config.put_delivery_channel, DeliveryChannel={"name": "default", "s3BucketName": unique("gone")}
                    ) == ("NoSuchBucketException", 400)
    bucket = unique("delivery")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    assert error_of(config.put_delivery_channel, DeliveryChannel={
        "name": "default", "s3BucketName": bucket, "s3KeyPrefix": "AWSLogs/x"}) == ("InvalidS3KeyPrefixException", 400)
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket})
    assert error_of(config.put_delivery_channel, DeliveryChannel={"name": "second", "s3BucketName": bucket}) == (
        "MaxNumberOfDeliveryChannelsExceededException", 400)
    # AWS checks it can write there: the file it writes for that is in the bucket.
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert any(k.endswith("/Config/ConfigWritabilityCheckFile") for k in keys)

    config.start_configuration_recorder(ConfigurationRecorderName="main")
    status = config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]
    assert status["recording"] is True and status["lastStatus"] in ("Pending", "Success")
    started = status["lastStartTime"]
    assert error_of(config.delete_delivery_channel, DeliveryChannelName="default") == (
        "LastDeliveryChannelDeleteFailedException", 400)
    config.stop_configuration_recorder(ConfigurationRecorderName="main")
    status = config.describe_configuration_recorder_status(ConfigurationRecorderNames=["main"])[
        "ConfigurationRecordersStatus"][0]
    assert status["recording"] is False and status["lastStopTime"] >= started
    assert config.describe_delivery_channels()["DeliveryChannels"] == [{"name": "default", "s3BucketName": bucket}]
    config.delete_delivery_channel(DeliveryChannelName="default")
    assert config.describe_delivery_channels()["DeliveryChannels"] == []


def test_a_bucket_that_denies_config_is_insufficient(aws):
    config, s3 = aws("config", region="ap-south-1"), aws("s3", region="ap-south-1")
    role = config_role(aws("iam"))
    assert error_of(config.put_delivery_channel, DeliveryChannel={"name": "default", "s3BucketName": "x"}) == (
        "NoAvailableConfigurationRecorderException", 400)
    config.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": role})
    bucket = unique("denying")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": {"AWS": role}, "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    error = error_of(config.put_delivery_channel, DeliveryChannel={"name": "default", "s3BucketName": bucket})
    assert error == ("InsufficientDeliveryPolicyException", 400)
    assert bucket in error.message


def test_the_cli_manages_a_recorder(endpoint, client):
    role = config_role(client("iam"))  # the CLI signs as test/test: the default account
    region = ["--region", "sa-east-1"]
    aws_cli(endpoint, "configservice", "put-configuration-recorder", *region,
            "--configuration-recorder", f"name=default,roleARN={role}",
            "--recording-group", "allSupported=true,includeGlobalResourceTypes=false")
    described = aws_cli(endpoint, "configservice", "describe-configuration-recorders", *region)
    assert described["ConfigurationRecorders"][0]["roleARN"] == role
    assert "NoAvailableDeliveryChannelException" in aws_cli_error(
        endpoint, "configservice", "start-configuration-recorder", *region, "--configuration-recorder-name", "default")
    s3 = client("s3", region="sa-east-1")
    bucket = unique("cli-delivery")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "sa-east-1"})
    aws_cli(endpoint, "configservice", "put-delivery-channel", *region,
            "--delivery-channel", f"name=default,s3BucketName={bucket}")
    aws_cli(endpoint, "configservice", "start-configuration-recorder", *region,
            "--configuration-recorder-name", "default")
    # Discovery, read with the CLI: the delivery bucket existed before the recorder started.
    listed = aws_cli(endpoint, "configservice", "list-discovered-resources", *region,
                     "--resource-type", "AWS::S3::Bucket")
    assert bucket in {r["resourceId"] for r in listed["resourceIdentifiers"]}
    history = aws_cli(endpoint, "configservice", "get-resource-config-history", *region,
                      "--resource-type", "AWS::S3::Bucket", "--resource-id", bucket)
    assert history["configurationItems"][0]["configurationItemStatus"] == "ResourceDiscovered"
    aws_cli(endpoint, "configservice", "stop-configuration-recorder", *region,
            "--configuration-recorder-name", "default")
