"""AWS::S3::Bucket with every property nimbus S3 serves, created and updated in place through S3's API and
checked through it; the attributes AWS documents; properties S3 does not serve fail the stack by name;
AWS::S3::BucketPolicy updates."""
from __future__ import annotations

import json

import pytest

from nimbus.services.cloudformation.handlers.s3 import Bucket
from tests.support import error_of, handler_api, settled_stack, stack_events, stack_resources, unique

FULL = """
Parameters:
  TopicArn: {Type: String}
  Index: {Type: String, Default: index.html}
Resources:
  Key: {Type: AWS::KMS::Key, Properties: {Description: bucket key}}
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration: {Status: Enabled}
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: {SSEAlgorithm: "aws:kms", KMSMasterKeyID: !GetAtt Key.Arn}
            BucketKeyEnabled: true
      LifecycleConfiguration:
        Rules:
          - {Id: expire-logs, Status: Enabled, Prefix: logs/, ExpirationInDays: 30,
             NoncurrentVersionExpiration: {NoncurrentDays: 7},
             AbortIncompleteMultipartUpload: {DaysAfterInitiation: 2}}
          - Id: archive
            Status: Enabled
            TagFilters: [{Key: class, Value: cold}]
            Transitions: [{StorageClass: GLACIER, TransitionInDays: 90}]
      CorsConfiguration:
        CorsRules:
          - {Id: web, AllowedMethods: [GET, PUT], AllowedOrigins: ["https://example.com"],
             AllowedHeaders: ["*"], ExposedHeaders: [ETag], MaxAge: 300}
      WebsiteConfiguration:
        IndexDocument: !Ref Index
        ErrorDocument: error.html
        RoutingRules:
          - RoutingRuleCondition: {KeyPrefixEquals: old/}
            RedirectRule: {ReplaceKeyPrefixWith: new/}
      NotificationConfiguration:
        TopicConfigurations:
          - Event: "s3:ObjectCreated:*"
            Topic: !Ref TopicArn
            Filter: {S3Key: {Rules: [{Name: prefix, Value: uploads/}]}}
      PublicAccessBlockConfiguration:
        {BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: false}
      OwnershipControls: {Rules: [{ObjectOwnership: BucketOwnerEnforced}]}
      Tags: [{Key: team, Value: storage}]
Outputs:
  Arn: {Value: !GetAtt Bucket.Arn}
  DomainName: {Value: !GetAtt Bucket.DomainName}
  RegionalDomainName: {Value: !GetAtt Bucket.RegionalDomainName}
  DualStackDomainName: {Value: !GetAtt Bucket.DualStackDomainName}
  WebsiteURL: {Value: !GetAtt Bucket.WebsiteURL}
"""

# The same bucket after an update: some properties changed, some removed, the rest as they were.
CHANGED = FULL.replace("{Status: Enabled}\n", "{Status: Suspended}\n", 1) \
    .replace("MaxAge: 300", "MaxAge: 600") \
    .replace("RestrictPublicBuckets: false", "RestrictPublicBuckets: true") \
    .replace("      Tags: [{Key: team, Value: storage}]\n", "      Tags: [{Key: team, Value: archive}]\n") \
    .replace("""      OwnershipControls: {Rules: [{ObjectOwnership: BucketOwnerEnforced}]}\n""", "")
CHANGED = CHANGED[:CHANGED.index("      WebsiteConfiguration:")] + CHANGED[CHANGED.index("      NotificationConfiguration:"):]


@pytest.fixture(scope="module")
def cf(aws):
    return aws("cloudformation")


@pytest.fixture(scope="module")
def topic(aws, account):
    """A topic S3 may publish to (its policy lets the S3 service principal in)."""
    sns = aws("sns")
    arn = sns.create_topic(Name=unique("bucket-events"))["TopicArn"]
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sns:*", "Resource": arn},
        {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sns:Publish", "Resource": arn}]}
    sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(policy))
    return arn


@pytest.fixture(scope="module")
def deployed(cf, topic):
    name = unique("buckets")
    cf.create_stack(StackName=name, TemplateBody=FULL, Parameters=[{"ParameterKey": "TopicArn", "ParameterValue": topic}])
    stack = settled_stack(cf, name)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack_events(cf, name)
    return name, stack_resources(cf, name)["Bucket"]


def test_every_property_is_set_through_s3(aws, deployed, topic):
    name, bucket = deployed
    s3 = aws("s3")
    key_arn = aws("kms").describe_key(KeyId=stack_resources(aws("cloudformation"), name)["Key"])["KeyMetadata"]["Arn"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"] == [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
         "BucketKeyEnabled": True}]
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert rules["expire-logs"]["Filter"] == {"Prefix": "logs/"}
    assert rules["expire-logs"]["Expiration"] == {"Days": 30}
    assert rules["expire-logs"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 7
    assert rules["expire-logs"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 2}
    assert rules["archive"]["Filter"] == {"Tag": {"Key": "class", "Value": "cold"}}
    assert rules["archive"]["Transitions"] == [{"Days": 90, "StorageClass": "GLACIER"}]
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == [
        {"ID": "web", "AllowedMethods": ["GET", "PUT"], "AllowedOrigins": ["https://example.com"],
         "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 300}]
    website = s3.get_bucket_website(Bucket=bucket)
    assert (website["IndexDocument"], website["ErrorDocument"]) == ({"Suffix": "index.html"}, {"Key": "error.html"})
    assert website["RoutingRules"] == [{"Condition": {"KeyPrefixEquals": "old/"},
                                        "Redirect": {"ReplaceKeyPrefixWith": "new/"}}]
    notification = s3.get_bucket_notification_configuration(Bucket=bucket)["TopicConfigurations"][0]
    assert (notification["TopicArn"], notification["Events"]) == (topic, ["s3:ObjectCreated:*"])
    assert notification["Filter"] == {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}}
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": False}
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}]
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "team", "Value": "storage"}]


def test_attributes_are_as_aws_documents_them(cf, deployed):
    name, bucket = deployed
    outputs = {o["OutputKey"]: o["OutputValue"] for o in cf.describe_stacks(StackName=name)["Stacks"][0]["Outputs"]}
    assert outputs == {"Arn": f"arn:aws:s3:::{bucket}", "DomainName": f"{bucket}.s3.amazonaws.com",
                       "RegionalDomainName": f"{bucket}.s3.us-east-1.amazonaws.com",
                       "DualStackDomainName": f"{bucket}.s3.dualstack.us-east-1.amazonaws.com",
                       "WebsiteURL": f"http://{bucket}.s3-website-us-east-1.amazonaws.com"}


def test_an_update_changes_the_bucket_in_place(cf, aws, deployed, topic):
    name, bucket = deployed
    cf.update_stack(StackName=name, TemplateBody=CHANGED, Parameters=[{"ParameterKey": "TopicArn",
                                                                        "UsePreviousValue": True}])
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE", stack_events(cf, name)
    assert stack_resources(cf, name)["Bucket"] == bucket  # no create-only property changed: same bucket
    s3 = aws("s3")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["MaxAgeSeconds"] == 600
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"]
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "team", "Value": "archive"}]
    assert error_of(s3.get_bucket_website, Bucket=bucket).code == "NoSuchWebsiteConfiguration"
    assert error_of(s3.get_bucket_ownership_controls, Bucket=bucket).code == "OwnershipControlsNotFoundError"
    assert s3.get_bucket_notification_configuration(Bucket=bucket)["TopicConfigurations"][0]["TopicArn"] == topic


def test_read_returns_the_live_properties(aws, account, deployed, topic):
    """The handler's read hook (what drift detection compares) answers in the template's words."""
    name, bucket = deployed
    s3 = aws("s3")

    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    live = Bucket().read(handler_api(aws, account), bucket, {})
    assert live["VersioningConfiguration"] == {"Status": "Enabled"}
    assert live["Tags"] == [{"Key": "team", "Value": "archive"}]
    assert live["CorsConfiguration"]["CorsRules"][0]["MaxAge"] == 600
    assert live["NotificationConfiguration"] == {"TopicConfigurations": [
        {"Topic": topic, "Event": "s3:ObjectCreated:*", "Filter": {"S3Key": {"Rules": [
            {"Name": "prefix", "Value": "uploads/"}]}}}]}
    assert live["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == 30
    assert "WebsiteConfiguration" not in live and "OwnershipControls" not in live


def test_a_property_s3_does_not_serve_fails_by_name(cf, aws):
    name = unique("unserved")
    template = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {
        "BucketName": name, "ObjectLockEnabled": True, "LoggingConfiguration": {"LogFilePrefix": "x/"}}}}}
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template))
    assert settled_stack(cf, name)["StackStatus"] == "ROLLBACK_COMPLETE"
    failed = [reason for logical, status, reason in stack_events(cf, name) if status == "CREATE_FAILED"]
    assert "nimbus S3 does not serve the bucket properties LoggingConfiguration, ObjectLockEnabled" in failed[0]
    assert name not in [b["Name"] for b in aws("s3").list_buckets()["Buckets"]]


def test_a_bucket_policy_updates_in_place(cf, aws):
    name = unique("policy")

    def template(action: str) -> str:
        return json.dumps({"Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket"},
            "Policy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Bucket"}, "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": action,
                                                        "Resource": {"Fn::Sub": "${Bucket.Arn}/*"}}]}}}}})
    stack_id = cf.create_stack(StackName=name, TemplateBody=template("s3:DeleteObject"))["StackId"]
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    bucket = stack_resources(cf, name)["Bucket"]
    cf.update_stack(StackName=name, TemplateBody=template("s3:PutObject"))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    policy = json.loads(aws("s3").get_bucket_policy(Bucket=bucket)["Policy"])
    assert policy["Statement"][0]["Action"] == "s3:PutObject"
    assert ("Policy", "UPDATE_COMPLETE", "") in stack_events(cf, name)
    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE"
    assert bucket not in [b["Name"] for b in aws("s3").list_buckets()["Buckets"]]


def test_a_canned_acl_a_name_prefix_and_a_failed_property_that_leaves_nothing(cf, aws, account):
    name, prefix = unique("acl"), unique("logs-")
    template = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {
        "BucketNamePrefix": prefix, "AccessControl": "AuthenticatedRead",
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]},
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": False, "IgnorePublicAcls": False}}}}}
    stack_id = cf.create_stack(StackName=name, TemplateBody=json.dumps(template))["StackId"]
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE", [e[2] for e in stack_events(cf, name)]
    bucket = stack_resources(cf, name)["Bucket"]
    assert bucket.startswith(prefix) and len(bucket) == len(prefix) + 12
    grants = aws("s3").get_bucket_acl(Bucket=bucket)["Grants"]
    assert [g["Permission"] for g in grants if g["Grantee"].get("URI", "").endswith("/AuthenticatedUsers")] == ["READ"]
    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE"

    # S3 refuses a property after the bucket exists: the bucket goes with the failed create.
    failing, missing_topic = unique("failing"), f"arn:aws:sns:us-east-1:{account}:{unique('no-such-topic')}"
    template = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {
        "BucketName": failing, "NotificationConfiguration": {"TopicConfigurations": [
            {"Event": "s3:ObjectCreated:*", "Topic": missing_topic}]}}}}}
    cf.create_stack(StackName=failing, TemplateBody=json.dumps(template))
    assert settled_stack(cf, failing)["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = [reason for _, status, reason in stack_events(cf, failing) if status == "CREATE_FAILED"]
    assert "Unable to validate the following destination configurations" in reasons[0]
    assert error_of(aws("s3").head_bucket, Bucket=failing).code == "404"
