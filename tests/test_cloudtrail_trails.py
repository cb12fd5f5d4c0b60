"""CloudTrail trails: lifecycle, status, tags, event selectors, and the checks AWS makes on destinations."""
from __future__ import annotations

import json

from tests.support import error_of, trail_bucket, unique


def test_trail_lifecycle(aws, account):
    ct = aws("cloudtrail")
    bucket = trail_bucket(aws("s3"), account, "pfx")
    name = unique("trail")
    created = ct.create_trail(Name=name, S3BucketName=bucket, S3KeyPrefix="pfx",
                              TagsList=[{"Key": "team", "Value": "audit"}])
    arn = created["TrailARN"]
    assert arn == f"arn:aws:cloudtrail:us-east-1:{account}:trail/{name}"
    assert created["IncludeGlobalServiceEvents"] is True and created["IsMultiRegionTrail"] is False
    trail = ct.get_trail(Name=name)["Trail"]
    assert trail["HomeRegion"] == "us-east-1" and trail["S3KeyPrefix"] == "pfx"
    assert ct.get_trail(Name=arn)["Trail"]["Name"] == name
    assert name in [t["Name"] for t in ct.describe_trails()["trailList"]]
    assert name in [t["Name"] for t in ct.list_trails()["Trails"]]
    status = ct.get_trail_status(Name=name)
    assert status["IsLogging"] is False
    ct.start_logging(Name=name)
    status = ct.get_trail_status(Name=name)
    assert status["IsLogging"] is True and status["StartLoggingTime"] and status["TimeLoggingStarted"]
    ct.stop_logging(Name=name)
    status = ct.get_trail_status(Name=name)
    assert status["IsLogging"] is False and status["StopLoggingTime"] and status["TimeLoggingStopped"]
    updated = ct.update_trail(Name=name, IsMultiRegionTrail=True, EnableLogFileValidation=True)
    assert updated["IsMultiRegionTrail"] is True and updated["LogFileValidationEnabled"] is True
    assert ct.list_tags(ResourceIdList=[arn])["ResourceTagList"][0]["TagsList"] == [
        {"Key": "team", "Value": "audit"}]
    ct.add_tags(ResourceId=arn, TagsList=[{"Key": "env", "Value": "dev"}])
    ct.remove_tags(ResourceId=arn, TagsList=[{"Key": "team"}])
    assert ct.list_tags(ResourceIdList=[arn])["ResourceTagList"][0]["TagsList"] == [{"Key": "env", "Value": "dev"}]
    # A multi-region trail shows (as a shadow) from other regions; it is changed only from home.
    west = aws("cloudtrail", region="us-west-2")
    assert name in [t["Name"] for t in west.describe_trails()["trailList"]]
    assert name not in [t["Name"] for t in west.describe_trails(includeShadowTrails=False)["trailList"]]
    assert error_of(west.start_logging, Name=arn).code == "InvalidHomeRegionException"
    ct.delete_trail(Name=name)
    assert error_of(ct.get_trail, Name=name).code == "TrailNotFoundException"
    assert error_of(ct.get_trail_status, Name=name).code == "TrailNotFoundException"


def test_creation_checks(aws, account):
    ct = aws("cloudtrail")
    assert error_of(ct.create_trail, Name=unique("trail"), S3BucketName=unique("nobucket")).code == \
        "S3BucketDoesNotExistException"
    bucket = trail_bucket(aws("s3"), account)
    name = unique("trail")
    ct.create_trail(Name=name, S3BucketName=bucket)
    assert error_of(ct.create_trail, Name=name, S3BucketName=bucket).code == "TrailAlreadyExistsException"
    assert error_of(ct.create_trail, Name="a..b", S3BucketName=bucket).code == "InvalidTrailNameException"
    assert error_of(ct.create_trail, Name="192.168.5.4", S3BucketName=bucket).code == "InvalidTrailNameException"
    assert error_of(ct.get_trail, Name=unique("nosuch")).code == "TrailNotFoundException"
    assert error_of(ct.create_trail, Name=unique("trail"), S3BucketName=bucket, IsMultiRegionTrail=True,
                    IncludeGlobalServiceEvents=False).code == "InvalidParameterCombinationException"
    # A trail always delivers somewhere: an empty bucket name is a bucket that does not exist.
    assert error_of(ct.update_trail, Name=name, S3BucketName="") == ("S3BucketDoesNotExistException", 400)
    assert ct.get_trail(Name=name)["Trail"]["S3BucketName"] == bucket


def test_bucket_policy_must_let_cloudtrail_write(aws, account):
    s3, ct = aws("s3"), aws("cloudtrail")
    bucket = unique("ct-nopolicy")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    assert error_of(ct.create_trail, Name=unique("trail"), S3BucketName=bucket).code == \
        "InsufficientS3BucketPolicyException"


def test_sns_topic_policy_must_let_cloudtrail_publish(aws, account):
    ct, sns = aws("cloudtrail"), aws("sns")
    bucket = trail_bucket(aws("s3"), account)
    topic = sns.create_topic(Name=unique("ct-topic"))["TopicArn"]
    name = unique("trail")
    assert error_of(ct.create_trail, Name=name, S3BucketName=bucket, SnsTopicName=topic).code == \
        "InsufficientSnsTopicPolicyException"
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                                                "Action": "SNS:Publish", "Resource": topic}]}))
    created = ct.create_trail(Name=name, S3BucketName=bucket, SnsTopicName=topic.split(":")[-1])
    assert created["SnsTopicARN"] == topic


def test_kms_key_policy_must_let_cloudtrail_encrypt(aws, account):
    ct, kms = aws("cloudtrail"), aws("kms")
    bucket = trail_bucket(aws("s3"), account)
    assert error_of(ct.create_trail, Name=unique("trail"), S3BucketName=bucket,
                    KmsKeyId=f"arn:aws:kms:us-east-1:{account}:key/00000000-0000-0000-0000-000000000000").code == \
        "KmsKeyNotFoundException"
    plain = kms.create_key()["KeyMetadata"]["Arn"]
    assert error_of(ct.create_trail, Name=unique("trail"), S3BucketName=bucket, KmsKeyId=plain).code == \
        "InsufficientEncryptionPolicyException"
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "kms:GenerateDataKey*",
         "Resource": "*"}]})
    key = kms.create_key(Policy=policy)["KeyMetadata"]["Arn"]
    assert ct.create_trail(Name=unique("trail"), S3BucketName=bucket, KmsKeyId=key)["KmsKeyId"] == key


def test_event_selectors(aws, account):
    ct = aws("cloudtrail")
    bucket = trail_bucket(aws("s3"), account)
    name = unique("trail")
    ct.create_trail(Name=name, S3BucketName=bucket)
    default = ct.get_event_selectors(TrailName=name)["EventSelectors"]
    assert default[0]["ReadWriteType"] == "All" and default[0]["IncludeManagementEvents"] is True
    selectors = [{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True,
                  "DataResources": [{"Type": "AWS::S3::Object", "Values": [f"arn:aws:s3:::{bucket}/"]}],
                  "ExcludeManagementEventSources": ["kms.amazonaws.com"]}]
    out = ct.put_event_selectors(TrailName=name, EventSelectors=selectors)
    assert out["EventSelectors"][0]["DataResources"][0]["Values"] == [f"arn:aws:s3:::{bucket}/"]
    assert ct.get_event_selectors(TrailName=name)["EventSelectors"][0]["ReadWriteType"] == "WriteOnly"
    assert ct.get_trail(Name=name)["Trail"]["HasCustomEventSelectors"] is True
    advanced = [{"Name": "s3 data", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
        {"Field": "resources.ARN", "StartsWith": [f"arn:aws:s3:::{bucket}/"]}]}]
    out = ct.put_event_selectors(TrailName=name, AdvancedEventSelectors=advanced)
    assert out["AdvancedEventSelectors"][0]["Name"] == "s3 data"
    assert "EventSelectors" not in ct.get_event_selectors(TrailName=name)
    bad = [
        {"EventSelectors": [{"ExcludeManagementEventSources": ["iam.amazonaws.com"]}]},
        {"EventSelectors": [{"DataResources": [{"Type": "AWS::S3::Bucket", "Values": ["arn:aws:s3:::x/"]}]}]},
        {"EventSelectors": [{"DataResources": [{"Type": "AWS::S3::Object", "Values": ["bucket-name"]}]}]},
        {"EventSelectors": [{}] * 6},
        {"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "readOnly", "Equals": ["true"]}]}]},
        {"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}]}]},
        {"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]},
                                                        {"Field": "eventName", "Equals": ["X"]}]}]},
        {"AdvancedEventSelectors": [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]},
                                                        {"Field": "bogus", "Equals": ["X"]}]}]},
    ]
    for params in bad:
        assert error_of(ct.put_event_selectors, TrailName=name, **params).code == "InvalidEventSelectorsException", \
            params
    assert error_of(ct.put_event_selectors, TrailName=name, EventSelectors=selectors,
                    AdvancedEventSelectors=advanced).code == "InvalidParameterCombinationException"
    # A failed put leaves the selectors as they were.
    assert ct.get_event_selectors(TrailName=name)["AdvancedEventSelectors"][0]["Name"] == "s3 data"


def test_list_public_keys(aws):
    ct = aws("cloudtrail")
    keys = ct.list_public_keys()["PublicKeyList"]
    assert keys and keys[0]["Value"][:2] == b"\x30\x82"  # DER
    assert keys[0]["ValidityStartTime"] < keys[0]["ValidityEndTime"] and len(keys[0]["Fingerprint"]) == 32
