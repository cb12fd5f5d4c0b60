"""Configuration items recorded from real changes: discovery of what exists when the recorder starts, the
history of every change (the notes' "change management": a bucket policy changed twice), IAM's global
types and their relationships, deletions, and the inventory reads with AWS's errors."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.support import advance_clock, config_history, config_role, error_of, start_recording, trail_bucket, unique

BUCKET = "AWS::S3::Bucket"


@pytest.fixture(scope="module")
def recorded(aws):
    """Resources made before the recorder starts, then the recorder."""
    s3, iam = aws("s3"), aws("iam")
    before = unique("before")
    s3.create_bucket(Bucket=before)
    s3.put_bucket_tagging(Bucket=before, Tagging={"TagSet": [{"Key": "team", "Value": "data"}]})
    user = iam.create_user(UserName=unique("alice"))["User"]
    group = iam.create_group(GroupName=unique("readers"))["Group"]
    iam.add_user_to_group(GroupName=group["GroupName"], UserName=user["UserName"])
    policy = iam.create_policy(PolicyName=unique("read"), PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))["Policy"]
    iam.attach_user_policy(UserName=user["UserName"], PolicyArn=policy["Arn"])
    delivery = start_recording(aws)
    return {"before": before, "user": user, "group": group, "policy": policy, "delivery": delivery}


def test_starting_discovers_every_existing_resource(aws, recorded):
    config = aws("config")
    buckets = {r["resourceId"] for r in config.list_discovered_resources(resourceType=BUCKET)["resourceIdentifiers"]}
    assert {recorded["before"], recorded["delivery"]} <= buckets
    [item] = config_history(config, BUCKET, recorded["before"])
    assert item["configurationItemStatus"] == "ResourceDiscovered"
    assert item["version"] == "1.3" and item["arn"] == f"arn:aws:s3:::{recorded['before']}"
    assert item["resourceName"] == recorded["before"] and item["awsRegion"] == "us-east-1"
    assert item["availabilityZone"] == "Regional" and item["tags"] == {"team": "data"}
    assert item["configuration"]["name"] == recorded["before"] and "creationDate" in item["configuration"]
    supplementary = {k: json.loads(v) for k, v in item["supplementaryConfiguration"].items()}
    assert supplementary["BucketVersioningConfiguration"] == {"status": "Off", "isMfaDeleteEnabled": None}
    assert supplementary["BucketTaggingConfiguration"] == {"tagSets": [{"tags": {"team": "data"}}]}
    assert supplementary["ServerSideEncryptionConfiguration"]["rules"][0]["applyServerSideEncryptionByDefault"][
        "sseAlgorithm"] == "AES256"
    assert item["configurationItemMD5Hash"] and item["configurationStateId"].isdigit()
    counts = config.get_discovered_resource_counts()
    by_type = {c["resourceType"]: c["count"] for c in counts["resourceCounts"]}
    assert by_type[BUCKET] >= 2 and by_type["AWS::IAM::User"] == 1
    assert counts["totalDiscoveredResources"] == sum(by_type.values())


def test_iam_types_are_global_with_their_relationships(aws, recorded):
    config = aws("config")
    user, group, policy = recorded["user"], recorded["group"], recorded["policy"]
    [item] = config_history(config, "AWS::IAM::User", user["UserId"])
    assert item["awsRegion"] == "global" and item["availabilityZone"] == "Not Applicable"
    assert item["resourceName"] == user["UserName"]
    assert item["configuration"]["groupList"] == [group["GroupName"]]
    assert item["configuration"]["attachedManagedPolicies"] == [
        {"policyName": policy["PolicyName"], "policyArn": policy["Arn"]}]
    related = {(r["resourceType"], r["resourceName"], r["relationshipName"]) for r in item["relationships"]}
    assert related == {("AWS::IAM::Group", group["GroupName"], "Is attached to Group"),
                       ("AWS::IAM::Policy", policy["PolicyName"], "Is attached to CustomerManagedPolicy")}
    [policy_item] = config_history(config, "AWS::IAM::Policy", policy["PolicyId"])
    assert [(r["resourceName"], r["relationshipName"]) for r in policy_item["relationships"]] == [
        (user["UserName"], "Is attached to IAMUser")]


def test_joining_a_group_is_a_change_of_the_user_and_the_group(aws, recorded):
    iam, config = aws("iam"), aws("config")
    user = recorded["user"]
    team = iam.create_group(GroupName=unique("team"))["Group"]
    iam.add_user_to_group(GroupName=team["GroupName"], UserName=user["UserName"])
    latest = config_history(config, "AWS::IAM::User", user["UserId"])[-1]
    assert latest["configurationItemStatus"] == "OK"
    assert sorted(latest["configuration"]["groupList"]) == sorted([recorded["group"]["GroupName"], team["GroupName"]])
    [group_item] = config_history(config, "AWS::IAM::Group", team["GroupId"])[-1:]
    assert [(r["resourceName"], r["relationshipName"]) for r in group_item["relationships"]] == [
        (user["UserName"], "Contains User")]


def test_a_bucket_policy_changed_twice_is_in_the_history_with_its_relationships(endpoint, aws, recorded):
    s3, iam, config = aws("s3"), aws("iam"), aws("config")
    bucket = recorded["before"]
    readers = [config_role(iam, unique("reader")) for _ in range(2)]

    def grant(role: str) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": role},
                           "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]})

    advance_clock(endpoint, 3600)  # an hour between changes, so a time range can tell them apart
    s3.put_bucket_policy(Bucket=bucket, Policy=grant(readers[0]))
    assert len(config_history(config, BUCKET, bucket)) == 2  # each change is readable once it is made
    advance_clock(endpoint, 3600)
    s3.put_bucket_policy(Bucket=bucket, Policy=grant(readers[1]))
    history = config_history(config, BUCKET, bucket)
    assert [i["configurationItemStatus"] for i in history] == ["ResourceDiscovered", "OK", "OK"]
    policies = [json.loads(i["supplementaryConfiguration"]["BucketPolicy"])["policyText"] for i in history]
    assert policies == [None, grant(readers[0]), grant(readers[1])]
    roles = [[r["resourceName"] for r in i["relationships"] if r["resourceType"] == "AWS::IAM::Role"] for i in history]
    assert roles == [[], [readers[0].split("/")[-1]], [readers[1].split("/")[-1]]]
    assert all(r["relationshipName"] == "Is associated with Role" for r in history[2]["relationships"])
    states = [int(i["configurationStateId"]) for i in history]
    assert states == sorted(set(states))
    # Newest first by default; paged; a time range.
    newest = config.get_resource_config_history(resourceType=BUCKET, resourceId=bucket, limit=1)
    assert newest["configurationItems"][0]["configurationStateId"] == history[-1]["configurationStateId"]
    rest = config.get_resource_config_history(resourceType=BUCKET, resourceId=bucket, limit=1,
                                              nextToken=newest["nextToken"])
    assert rest["configurationItems"][0]["configurationStateId"] == history[-2]["configurationStateId"]
    second = history[1]["configurationItemCaptureTime"]
    ranged = config_history(config, BUCKET, bucket, earlierTime=second - timedelta(seconds=60),
                            laterTime=second + timedelta(seconds=60))
    assert [i["configurationStateId"] for i in ranged] == [history[1]["configurationStateId"]]


def test_a_change_that_changes_nothing_records_nothing(aws, recorded):
    s3, config = aws("s3"), aws("config")
    bucket = recorded["delivery"]
    count = len(config_history(config, BUCKET, bucket))
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    history = config_history(config, BUCKET, bucket)
    assert len(history) == count + 1
    assert json.loads(history[-1]["supplementaryConfiguration"]["BucketVersioningConfiguration"])["status"] == "Enabled"


def test_a_stream_and_its_kms_key(aws, recorded):
    kinesis, kms, config = aws("kinesis"), aws("kms"), aws("config")
    key = kms.create_key()["KeyMetadata"]
    name = unique("orders")
    kinesis.create_stream(StreamName=name, ShardCount=1)
    kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.2})
    kinesis.start_stream_encryption(StreamName=name, EncryptionType="KMS", KeyId=key["Arn"])
    kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.2})
    [key_item] = config_history(config, "AWS::KMS::Key", key["KeyId"])
    assert key_item["configuration"]["keyId"] == key["KeyId"] and key_item["configuration"]["keyState"] == "Enabled"
    latest = config_history(config, "AWS::Kinesis::Stream", name)[-1]
    assert latest["configuration"]["Name"] == name
    assert latest["configuration"]["StreamEncryption"] == {"EncryptionType": "KMS", "KeyId": key["Arn"]}
    assert [(r["resourceType"], r["resourceId"]) for r in latest["relationships"]] == [("AWS::KMS::Key", key["KeyId"])]


def test_a_trail_and_its_bucket(aws, account, recorded):
    cloudtrail, config = aws("cloudtrail"), aws("config")
    logs = trail_bucket(aws("s3"), account)
    name = unique("audit")
    cloudtrail.create_trail(Name=name, S3BucketName=logs)
    cloudtrail.start_logging(Name=name)
    latest = config_history(config, "AWS::CloudTrail::Trail", name)[-1]
    assert latest["configuration"]["S3BucketName"] == logs and latest["configuration"]["IsLogging"] is True
    assert [(r["resourceType"], r["resourceId"], r["relationshipName"]) for r in latest["relationships"]] == [
        ("AWS::S3::Bucket", logs, "Is associated with Bucket")]
    cloudtrail.delete_trail(Name=name)
    assert config_history(config, "AWS::CloudTrail::Trail", name)[-1]["configurationItemStatus"] == "ResourceDeleted"


def test_a_repository(aws, recorded):
    ecr, config = aws("ecr"), aws("config")
    name = unique("images")
    ecr.create_repository(repositoryName=name, imageScanningConfiguration={"scanOnPush": True})
    ecr.put_image_tag_mutability(repositoryName=name, imageTagMutability="IMMUTABLE")
    latest = config_history(config, "AWS::ECR::Repository", name)[-1]
    assert latest["configuration"]["ImageScanningConfiguration"] == {"ScanOnPush": True}
    assert latest["configuration"]["ImageTagMutability"] == "IMMUTABLE"


def test_deleted_resources_and_the_inventory_reads(aws, recorded):
    s3, config = aws("s3"), aws("config")
    gone = unique("short-lived")
    s3.create_bucket(Bucket=gone)
    assert config_history(config, BUCKET, gone)[0]["configurationItemStatus"] == "ResourceDiscovered"
    s3.delete_bucket(Bucket=gone)
    history = config_history(config, BUCKET, gone)
    assert [i["configurationItemStatus"] for i in history][-1] == "ResourceDeleted"
    assert history[-1]["configuration"] is None
    listed = config.list_discovered_resources(resourceType=BUCKET)["resourceIdentifiers"]
    assert gone not in {r["resourceId"] for r in listed}
    with_deleted = config.list_discovered_resources(resourceType=BUCKET, includeDeletedResources=True,
                                                    resourceIds=[gone])["resourceIdentifiers"]
    assert with_deleted[0]["resourceId"] == gone and "resourceDeletionTime" in with_deleted[0]
    by_name = config.list_discovered_resources(resourceType=BUCKET, resourceName=recorded["before"])
    assert [r["resourceId"] for r in by_name["resourceIdentifiers"]] == [recorded["before"]]
    page = config.list_discovered_resources(resourceType=BUCKET, limit=1)
    assert len(page["resourceIdentifiers"]) == 1 and page["nextToken"]
    batch = config.batch_get_resource_config(resourceKeys=[
        {"resourceType": BUCKET, "resourceId": recorded["before"]}, {"resourceType": BUCKET, "resourceId": gone}])
    assert [i["resourceId"] for i in batch["baseConfigurationItems"]] == [recorded["before"]]
    assert "tags" not in batch["baseConfigurationItems"][0]


def test_reads_answer_aws_errors(aws, recorded):
    config = aws("config")
    assert error_of(config.get_resource_config_history, resourceType=BUCKET, resourceId=unique("never")) == (
        "ResourceNotDiscoveredException", 400)
    history = config_history(config, BUCKET, recorded["before"])
    later = history[0]["configurationItemCaptureTime"]
    assert error_of(config.get_resource_config_history, resourceType=BUCKET, resourceId=recorded["before"],
                    laterTime=later, earlierTime=later + timedelta(seconds=1)) == ("InvalidTimeRangeException", 400)
    assert error_of(config.get_resource_config_history, resourceType=BUCKET, resourceId=recorded["before"],
                    nextToken="garbage") == ("InvalidNextTokenException", 400)
    assert error_of(config.list_discovered_resources, resourceType=BUCKET, resourceIds=["a"], resourceName="a") == (
        "ValidationException", 400)
    assert error_of(aws("config", region="eu-north-1").get_resource_config_history, resourceType=BUCKET,
                    resourceId="x") == ("NoAvailableConfigurationRecorderException", 400)
