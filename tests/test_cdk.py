"""The AWS CDK end to end against nimbus, with the real CDK CLI and library (tests/cdk, installed by
`make test` from its package-lock.json): `cdk bootstrap` (the CDKToolkit stack: a KMS-encrypted staging
bucket whose policy denies insecure transport, an ECR repository, the bootstrap roles, the version
parameter), `cdk deploy` of an app with S3, KMS, Kinesis, SNS, IAM and Logs resources (and Firehose where
CloudFormation serves it) through the bootstrap roles, the resources checked through their own APIs, a
second deploy of the changed app (an update), and `cdk destroy`.

nimbus serves HTTPS here, as AWS does: the bootstrap bucket's policy refuses every request without
aws:SecureTransport."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import boto3
import pytest

from nimbus.services.cloudformation.handlers import HANDLERS
from tests.support import account_key, error_of, self_signed, start_server

APP = Path(__file__).resolve().parent / "cdk"
CDK = APP / "node_modules" / ".bin" / "cdk"
QUALIFIER = "hnb659fds"  # the CDK's default bootstrap qualifier
# The Firehose delivery stream joins the app once CloudFormation serves its type.
WITH_FIREHOSE = "AWS::KinesisFirehose::DeliveryStream" in HANDLERS

pytestmark = pytest.mark.skipif(
    not CDK.exists() or shutil.which("node") is None,
    reason="the AWS CDK is installed by `make test` (make cdk-deps), which CI always runs")


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    """A nimbus of the module's own serving HTTPS, a fresh account on it, and a way to run the CDK CLI."""
    where = tmp_path_factory.mktemp("cdk")
    cert, key = self_signed(where)
    with start_server(where, tls_cert_file=cert, tls_key_file=key) as running:
        account = account_key()
        env = {**os.environ, "AWS_ENDPOINT_URL": running.endpoint, "AWS_ACCESS_KEY_ID": account,
               "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1", "AWS_CA_BUNDLE": cert,
               # No calls home: no version check, no telemetry, no notices (--no-notices below).
               "CDK_DISABLE_VERSION_CHECK": "true", "CDK_DISABLE_CLI_TELEMETRY": "true"}
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
            env.pop(name, None)
        if WITH_FIREHOSE:
            env["CDK_APP_FIREHOSE"] = "1"

        def cdk(*args: str, stage: str = "1") -> str:
            done = subprocess.run([str(CDK), *args, "--no-notices", "--output", str(where / "cdk.out")], cwd=APP,
                                  env={**env, "CDK_APP_STAGE": stage}, capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
            return done.stdout + done.stderr

        def client(service: str):
            return boto3.client(service, endpoint_url=running.endpoint, region_name="us-east-1", verify=cert,
                                aws_access_key_id=account, aws_secret_access_key="test")
        yield account, cdk, client


def assumed_roles(cloudtrail, account: str) -> set[str]:
    """The bootstrap roles (by kind) CloudTrail saw assumed; its history fills within a scheduler tick."""
    deadline = time.monotonic() + 30
    while True:
        events = cloudtrail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                                             "AttributeValue": "AssumeRole"}])["Events"]
        arns = [json.loads(e["CloudTrailEvent"])["requestParameters"]["roleArn"] for e in events]
        kinds = {arn.split(f"cdk-{QUALIFIER}-", 1)[-1].removesuffix(f"-{account}-us-east-1") for arn in arns}
        if {"deploy-role", "file-publishing-role"} <= kinds or time.monotonic() > deadline:
            return kinds
        time.sleep(0.5)


def outputs(cf, stack: str) -> dict[str, str]:
    described = cf.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


@pytest.fixture(scope="module")
def bootstrapped(cloud):
    account, cdk, client = cloud
    cdk("bootstrap", f"aws://{account}/us-east-1")
    return client("cloudformation").describe_stacks(StackName="CDKToolkit")["Stacks"][0]


@pytest.fixture(scope="module")
def deployed(cloud, bootstrapped):
    account, cdk, client = cloud
    cdk("deploy", "--require-approval", "never")
    return outputs(client("cloudformation"), "NimbusCdkApp")


def test_bootstrap_makes_the_toolkit_stack_for_real(cloud, bootstrapped):
    account, _, client = cloud
    assert bootstrapped["StackStatus"] == "CREATE_COMPLETE"
    toolkit = outputs(client("cloudformation"), "CDKToolkit")
    bucket = toolkit["BucketName"]
    assert bucket == f"cdk-{QUALIFIER}-assets-{account}-us-east-1"
    s3 = client("s3")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]["BlockPublicPolicy"]
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    repository = client("ecr").describe_repositories(
        repositoryNames=[f"cdk-{QUALIFIER}-container-assets-{account}-us-east-1"])["repositories"][0]
    assert repository["imageTagMutability"] == "IMMUTABLE"
    version = client("ssm").get_parameter(Name=f"/cdk-bootstrap/{QUALIFIER}/version")["Parameter"]["Value"]
    assert version == toolkit["BootstrapVersion"]
    roles = {r["RoleName"] for r in client("iam").list_roles()["Roles"]}
    for kind in ("deploy-role", "cfn-exec-role", "file-publishing-role", "image-publishing-role", "lookup-role"):
        assert f"cdk-{QUALIFIER}-{kind}-{account}-us-east-1" in roles


def test_deploy_creates_every_resource_through_the_bootstrap_roles(cloud, deployed):
    account, _, client = cloud
    stack = client("cloudformation").describe_stacks(StackName="NimbusCdkApp")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    # The CLI assumed the deploy and file-publishing roles; the deploy role passed the execution role on.
    assert stack["RoleARN"] == f"arn:aws:iam::{account}:role/cdk-{QUALIFIER}-cfn-exec-role-{account}-us-east-1"
    assert {"deploy-role", "file-publishing-role"} <= assumed_roles(client("cloudtrail"), account)
    s3, bucket = client("s3"), deployed["BucketName"]
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms",
                                                          "KMSMasterKeyID": deployed["KeyArn"]}
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]["Expiration"] == {"Days": 1}
    s3.put_object(Bucket=bucket, Key="hello.txt", Body=b"hi")  # over HTTPS, encrypted with the app's key
    assert s3.head_object(Bucket=bucket, Key="hello.txt")["SSEKMSKeyId"] == deployed["KeyArn"]
    listed = s3.list_object_versions(Bucket=bucket)  # versioned: empty it so that destroy can delete it
    for version in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
        s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
    kms = client("kms")
    assert kms.get_key_rotation_status(KeyId=deployed["KeyArn"])["KeyRotationEnabled"]
    assert "alias/NimbusCdkApp-data" in [a["AliasName"] for a in kms.list_aliases()["Aliases"]]
    summary = client("kinesis").describe_stream_summary(StreamName=deployed["StreamName"])["StreamDescriptionSummary"]
    assert (summary["StreamStatus"], summary["RetentionPeriodHours"]) == ("ACTIVE", 24)
    attributes = client("sns").get_topic_attributes(TopicArn=deployed["TopicArn"])["Attributes"]
    assert attributes["DisplayName"] == "nimbus alerts"
    group = client("logs").describe_log_groups(logGroupNamePrefix=deployed["LogGroupName"])["logGroups"][0]
    assert group["retentionInDays"] == 7
    iam = client("iam")
    trust = iam.get_role(RoleName=deployed["RoleName"])["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "firehose.amazonaws.com"}
    policies = iam.list_role_policies(RoleName=deployed["RoleName"])["PolicyNames"]
    granted = json.dumps(iam.get_role_policy(RoleName=deployed["RoleName"], PolicyName=policies[0])["PolicyDocument"])
    assert "s3:PutObject" in granted and "sns:Publish" in granted and "kinesis:GetRecords" in granted
    if WITH_FIREHOSE:
        hoses = client("firehose").list_delivery_streams()["DeliveryStreamNames"]
        assert len(hoses) == 1


def test_a_changed_app_deploys_as_an_update_and_destroy_removes_it(cloud, deployed):
    _, cdk, client = cloud
    cdk("deploy", "--require-approval", "never", stage="2")
    cf = client("cloudformation")
    assert cf.describe_stacks(StackName="NimbusCdkApp")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    after = outputs(cf, "NimbusCdkApp")
    assert after == deployed  # changed in place: the same bucket, key, stream, topic, group and role
    s3 = client("s3")
    assert s3.get_bucket_lifecycle_configuration(Bucket=after["BucketName"])["Rules"][0]["Expiration"] == {"Days": 3}
    summary = client("kinesis").describe_stream_summary(StreamName=after["StreamName"])["StreamDescriptionSummary"]
    assert summary["RetentionPeriodHours"] == 48
    sns = client("sns")
    assert sns.get_topic_attributes(TopicArn=after["TopicArn"])["Attributes"]["DisplayName"] == "nimbus alerts v2"
    assert len(sns.list_topics()["Topics"]) == 2  # the app's new topic
    group = client("logs").describe_log_groups(logGroupNamePrefix=after["LogGroupName"])["logGroups"][0]
    assert group["retentionInDays"] == 30

    cdk("destroy", "--force", stage="2")
    assert error_of(cf.describe_stacks, StackName="NimbusCdkApp").code == "ValidationError"
    assert error_of(s3.head_bucket, Bucket=after["BucketName"]).code == "404"
    assert sns.list_topics()["Topics"] == []
    assert client("kinesis").list_streams()["StreamNames"] == []
    assert client("logs").describe_log_groups(logGroupNamePrefix=after["LogGroupName"])["logGroups"] == []
    assert error_of(client("iam").get_role, RoleName=after["RoleName"]).code == "NoSuchEntity"
    assert client("kms").describe_key(KeyId=after["KeyArn"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
