"""Replication that really copies: new versions (same and other regions, another account with owner
override), delete markers, tag changes both ways, the PENDING → COMPLETED / FAILED status, the role
S3 assumes deciding what it may do, and Replication Time Control's metrics in CloudWatch."""
from __future__ import annotations

import json
import os
import time
from datetime import timedelta

import pytest

from tests.support import error_of, unique, virtual_now

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def replication_role(iam) -> str:
    return iam.create_role(RoleName=unique("replication"), AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]


def versioned_bucket(s3, region: str | None = None) -> str:
    name = unique("repl")
    if region:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    else:
        s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def rule(bucket: str, target: dict | None = None, **extra) -> dict:
    return {"ID": "all", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": ""},
            "DeleteMarkerReplication": {"Status": "Enabled"},
            "Destination": {"Bucket": f"arn:aws:s3:::{bucket}", **(target or {})}, **extra}


def settled(s3, bucket: str, key: str, version_id: str | None = None) -> str:
    """The source version's replication status once it is no longer PENDING (polled with a deadline)."""
    deadline = time.monotonic() + 15
    while True:
        extra = {"VersionId": version_id} if version_id else {}
        status = s3.head_object(Bucket=bucket, Key=key, **extra).get("ReplicationStatus")
        if status != "PENDING" or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


@pytest.fixture(scope="module")
def role(aws):
    return replication_role(aws("iam"))


def test_configuration_rules(aws, role):
    s3 = aws("s3")
    plain = unique("repl")
    s3.create_bucket(Bucket=plain)
    destination = versioned_bucket(s3)
    config = {"Role": role, "Rules": [rule(destination)]}
    error = error_of(s3.put_bucket_replication, Bucket=plain, ReplicationConfiguration=config)
    assert error == ("InvalidRequest", 400)
    assert error.message == "Versioning must be 'Enabled' on the bucket to apply a replication configuration"
    source = versioned_bucket(s3)
    assert error_of(s3.get_bucket_replication, Bucket=source) == ("ReplicationConfigurationNotFoundError", 404)
    assert error_of(s3.put_bucket_replication, Bucket=source, ReplicationConfiguration={
        "Role": role, "Rules": [rule(plain)]}).message == "Destination bucket must have versioning enabled."
    s3.put_bucket_replication(Bucket=source, ReplicationConfiguration=config)
    assert s3.get_bucket_replication(Bucket=source)["ReplicationConfiguration"]["Rules"][0]["ID"] == "all"
    s3.delete_bucket_replication(Bucket=source)
    assert error_of(s3.get_bucket_replication, Bucket=source).code == "ReplicationConfigurationNotFoundError"


def test_objects_markers_and_tags_replicate_across_regions(aws, role):
    s3 = aws("s3")
    source, destination = versioned_bucket(s3), versioned_bucket(s3, "eu-west-1")
    s3.put_bucket_replication(Bucket=source, ReplicationConfiguration={
        "Role": role, "Rules": [rule(destination, target={"StorageClass": "STANDARD_IA"})]})
    put = s3.put_object(Bucket=source, Key="docs/a.txt", Body=b"hello", Metadata={"m": "1"}, Tagging="t=1")
    assert settled(s3, source, "docs/a.txt") == "COMPLETED"
    replica = s3.get_object(Bucket=destination, Key="docs/a.txt")
    assert replica["Body"].read() == b"hello" and replica["ReplicationStatus"] == "REPLICA"
    assert replica["VersionId"] == put["VersionId"] and replica["ETag"] == put["ETag"]
    assert replica["Metadata"] == {"m": "1"} and replica["StorageClass"] == "STANDARD_IA"
    # Tag changes of the source follow.
    s3.put_object_tagging(Bucket=source, Key="docs/a.txt", Tagging={"TagSet": [{"Key": "t", "Value": "2"}]})
    deadline = time.monotonic() + 15
    while s3.get_object_tagging(Bucket=destination, Key="docs/a.txt")["TagSet"] != [{"Key": "t", "Value": "2"}]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # Delete markers too, under the same version id.
    marker = s3.delete_object(Bucket=source, Key="docs/a.txt")["VersionId"]
    deadline = time.monotonic() + 15
    while True:
        markers = s3.list_object_versions(Bucket=destination).get("DeleteMarkers") or []
        if markers:
            break
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert markers[0]["VersionId"] == marker
    assert error_of(s3.get_object, Bucket=destination, Key="docs/a.txt") == ("NoSuchKey", 404)


def test_replica_modifications_sync_back(aws, role):
    s3 = aws("s3")
    first, second = versioned_bucket(s3), versioned_bucket(s3)
    s3.put_bucket_replication(Bucket=first, ReplicationConfiguration={"Role": role, "Rules": [rule(second)]})
    s3.put_bucket_replication(Bucket=second, ReplicationConfiguration={"Role": role, "Rules": [rule(
        first, SourceSelectionCriteria={"ReplicaModifications": {"Status": "Enabled"}})]})
    s3.put_object(Bucket=first, Key="k", Body=b"x")
    assert settled(s3, first, "k") == "COMPLETED"
    # The replica is not replicated back as a new version...
    assert len(s3.list_object_versions(Bucket=first)["Versions"]) == 1
    # ...but its tag change is synced to the source version.
    s3.put_object_tagging(Bucket=second, Key="k", Tagging={"TagSet": [{"Key": "from", "Value": "replica"}]})
    deadline = time.monotonic() + 15
    while s3.get_object_tagging(Bucket=first, Key="k")["TagSet"] != [{"Key": "from", "Value": "replica"}]:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_cross_account_needs_the_destinations_grant(aws, client, role):
    s3 = aws("s3")
    other = client("s3", key="210987654321")
    source, destination = versioned_bucket(s3), versioned_bucket(other)
    config = {"Role": role, "Rules": [rule(destination, target={
        "Account": "210987654321", "AccessControlTranslation": {"Owner": "Destination"}})]}
    s3.put_bucket_replication(Bucket=source, ReplicationConfiguration=config)
    s3.put_object(Bucket=source, Key="refused", Body=b"x")
    assert settled(s3, source, "refused") == "FAILED"  # the destination's owner granted the role nothing
    other.put_bucket_policy(Bucket=destination, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": role},
        "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags",
                   "s3:ObjectOwnerOverrideToBucketOwner"],
        "Resource": f"arn:aws:s3:::{destination}/*"}]}))
    s3.put_object(Bucket=source, Key="granted", Body=b"y")
    assert settled(s3, source, "granted") == "COMPLETED"
    # Owner override: the destination's account owns the replica, so it reads it without any grant.
    assert other.get_object(Bucket=destination, Key="granted")["Body"].read() == b"y"
    assert error_of(other.head_object, Bucket=destination, Key="refused").status == 404


def test_a_role_s3_cannot_assume_fails_the_copy(aws):
    s3, iam = aws("s3"), aws("iam")
    untrusting = iam.create_role(RoleName=unique("nottrusting"), AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    source, destination = versioned_bucket(s3), versioned_bucket(s3)
    s3.put_bucket_replication(Bucket=source, ReplicationConfiguration={"Role": untrusting, "Rules": [rule(destination)]})
    s3.put_object(Bucket=source, Key="k", Body=b"x")
    assert settled(s3, source, "k") == "FAILED"
    assert "Versions" not in s3.list_object_versions(Bucket=destination)


def test_replication_time_control_reports_its_metrics_to_cloudwatch(aws, role, endpoint):
    s3, cloudwatch = aws("s3"), aws("cloudwatch")
    source, destination = versioned_bucket(s3), versioned_bucket(s3)
    s3.put_bucket_replication(Bucket=source, ReplicationConfiguration={"Role": role, "Rules": [rule(destination, {
        "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
        "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}})]})
    s3.put_object(Bucket=source, Key="timed", Body=b"12345")
    assert settled(s3, source, "timed") == "COMPLETED"
    dimensions = [{"Name": "SourceBucket", "Value": source}, {"Name": "DestinationBucket", "Value": destination},
                  {"Name": "RuleId", "Value": "all"}]

    def statistic(name: str, statistic: str) -> list[float]:
        now = virtual_now(endpoint)
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/S3", MetricName=name, Dimensions=dimensions, StartTime=now - timedelta(hours=1),
            EndTime=now + timedelta(minutes=1), Period=3600, Statistics=[statistic])["Datapoints"]
        return [p[statistic] for p in points]

    deadline = time.monotonic() + 15
    while not statistic("ReplicationLatency", "SampleCount") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert statistic("ReplicationLatency", "SampleCount") == [1.0]
    assert statistic("ReplicationLatency", "Maximum")[0] < 60
    assert statistic("OperationsPendingReplication", "Maximum") == [0.0]
    assert statistic("BytesPendingReplication", "Maximum") == [0.0]
    assert statistic("OperationsFailedReplication", "Sum") == []


def test_an_object_kept_as_its_upload_arrived_replicates(aws, role):
    """A body past the gateway's spool threshold is stored as it was encrypted on arrival (its own wrapped key):
    the replicator reads it through that key."""
    s3 = aws("s3")
    source, destination = versioned_bucket(s3), versioned_bucket(s3)
    s3.put_bucket_replication(Bucket=source, ReplicationConfiguration={"Role": role, "Rules": [rule(destination)]})
    body = os.urandom(9 * 1024 * 1024 + 7)
    put = s3.put_object(Bucket=source, Key="large", Body=body)
    assert settled(s3, source, "large") == "COMPLETED"
    replica = s3.get_object(Bucket=destination, Key="large")
    assert replica["ETag"] == put["ETag"] and replica["Body"].read() == body
