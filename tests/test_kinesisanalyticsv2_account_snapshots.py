"""Account-level snapshots: imported from and exported to nimbus S3 as the role given, described, listed,
deleted, restored by an application, with their operations and AWS's errors (CreateSnapshot of a running
job is in test_kinesisanalyticsv2_flink.py)."""
from __future__ import annotations

import time

import pytest

from nimbus.core.identity import root_principal
from nimbus.services.kinesisanalyticsv2.common import account_snapshots_ns
from nimbus.services.kinesisanalyticsv2.documents import ACCOUNT_SNAPSHOT
from nimbus.services.kinesisanalyticsv2.savepoint_store import SAVEPOINTS_ACCOUNT, savepoints_bucket
from tests.support import analytics_role, error_of, unique

SAVEPOINT = {"_metadata": b"\x00\x01flink-savepoint", "op/state-1": b"state bytes"}


@pytest.fixture(scope="module")
def role(aws):
    return analytics_role(aws("iam"), unique("snapshots"))


@pytest.fixture(scope="module")
def flink(aws):
    return aws("kinesisanalyticsv2")


@pytest.fixture(scope="module")
def savepoints(aws):
    """A bucket holding a savepoint under ``sp/`` and a prefix with no savepoint under ``junk/``."""
    s3, name = aws("s3"), unique("savepoints")
    s3.create_bucket(Bucket=name)
    for key, body in SAVEPOINT.items():
        s3.put_object(Bucket=name, Key=f"sp/{key}", Body=body)
    s3.put_object(Bucket=name, Key="junk/file", Body=b"x")
    return name


def import_from(flink, role, bucket, prefix, name=None, **options) -> tuple[str, dict]:
    name = name or unique("snap")
    return name, flink.import_snapshot(SnapshotName=name, SnapshotDescription="from a cluster", ImportSourceConfiguration={
        "SourceType": "S3", "ImportRoleArn": role,
        "SourceS3PrefixLocation": {"BucketARN": f"arn:aws:s3:::{bucket}", "KeyPrefix": prefix}}, **options)


def kept_keys(server, account: str, name: str) -> list[str]:
    """The objects of an imported snapshot in the service's savepoints bucket, listed as the service."""
    listed = server.runtime.client.call(
        "s3", "ListObjectsV2", {"Bucket": savepoints_bucket("us-east-1"), "Prefix": f"snapshots/{account}/{name}-"},
        account_id=SAVEPOINTS_ACCOUNT, region="us-east-1", principal=root_principal(SAVEPOINTS_ACCOUNT))
    return sorted(item["Key"].split("/", 3)[3] for item in listed.get("Contents") or [])


def test_import_describe_export_list_and_delete(flink, role, savepoints, aws, account, server):
    name, imported = import_from(flink, role, savepoints, "sp/")
    assert kept_keys(server, account, name) == sorted(SAVEPOINT)  # kept in the service's own bucket
    assert imported["SnapshotArn"] == f"arn:aws:kinesisanalytics:us-east-1:{account}:snapshot/{name}"
    assert (imported["SnapshotStatus"], imported["SnapshotOperationStatus"]) == ("READY", "SUCCESSFUL")
    details = flink.describe_snapshot(SnapshotName=name)["SnapshotInfoDetails"]
    assert details["SnapshotInitiatorOperation"] == "ImportSnapshot" and details["SnapshotDescription"] == \
        "from a cluster"
    assert details["SnapshotSizeInBytes"] == sum(len(body) for body in SAVEPOINT.values())
    assert details["SnapshotSourceDescription"]["S3PrefixLocation"]["KeyPrefix"] == "sp/"

    exported = flink.export_snapshot(SnapshotName=name, ExportDestinationConfiguration={
        "DestinationType": "S3", "ExportRoleArn": role,
        "DestinationS3PrefixLocation": {"BucketARN": f"arn:aws:s3:::{savepoints}", "KeyPrefix": "out/"}})
    assert exported["SnapshotOperationStatus"] == "SUCCESSFUL"
    operation = flink.describe_snapshot_operation(SnapshotName=name, SnapshotOperationId=exported[
        "SnapshotOperationId"])["SnapshotOperationInfoDetails"]
    prefix = operation["SnapshotDestinationLocationDescription"]["S3PrefixLocation"]["ExportedPrefix"]
    assert prefix == f"out/{exported['SnapshotOperationId']}/"
    s3 = aws("s3")
    for key, body in SAVEPOINT.items():
        assert s3.get_object(Bucket=savepoints, Key=prefix + key)["Body"].read() == body

    operations = flink.list_snapshot_operations(SnapshotName=name)["SnapshotOperationInfoList"]
    assert [op["SnapshotOperation"] for op in operations] == ["ImportSnapshot", "ExportSnapshot"]
    assert [op["SnapshotOperation"] for op in flink.list_snapshot_operations(
        SnapshotName=name, SnapshotOperation="ExportSnapshot")["SnapshotOperationInfoList"]] == ["ExportSnapshot"]
    listed = flink.list_snapshots(SnapshotInitiatorOperation="ImportSnapshot")["SnapshotInfoList"]
    assert name in [info["SnapshotName"] for info in listed]
    assert flink.list_snapshots(SnapshotInitiatorOperation="CreateSnapshot", SnapshotStatus="READY")[
        "SnapshotInfoList"] == []

    created = details["SnapshotCreationTimestamp"]
    assert error_of(flink.delete_snapshot, SnapshotName=name,
                    SnapshotCreationTimestamp=created.replace(year=2001)).code == "InvalidArgumentException"
    flink.delete_snapshot(SnapshotName=name, SnapshotCreationTimestamp=created)
    assert error_of(flink.describe_snapshot, SnapshotName=name).code == "ResourceNotFoundException"
    assert kept_keys(server, account, name) == []
    assert [op["SnapshotOperation"] for op in flink.list_snapshot_operations(SnapshotName=name)[
        "SnapshotOperationInfoList"]][-1] == "DeleteSnapshot"


def test_an_import_without_a_savepoint_fails_with_its_reason(flink, role, savepoints):
    name, imported = import_from(flink, role, savepoints, "junk/")
    assert (imported["SnapshotStatus"], imported["SnapshotOperationStatus"]) == ("FAILED", "FAILED")
    failure = flink.describe_snapshot_operation(SnapshotName=name, SnapshotOperationId=imported[
        "SnapshotOperationId"])["SnapshotOperationInfoDetails"]["SnapshotOperationFailureDetails"]
    assert "_metadata" in failure["ErrorInfo"]["ErrorString"]
    assert error_of(flink.export_snapshot, SnapshotName=name, ExportDestinationConfiguration={
        "DestinationType": "S3", "ExportRoleArn": role, "DestinationS3PrefixLocation": {
            "BucketARN": f"arn:aws:s3:::{savepoints}", "KeyPrefix": "out/"}}).code == "ResourceInUseException"


def test_an_application_restores_an_imported_snapshot(flink, role, savepoints):
    snapshot, _ = import_from(flink, role, savepoints, "sp/")
    name = unique("restores")
    flink.create_application(ApplicationName=name, RuntimeEnvironment="FLINK-1_20", ServiceExecutionRole=role,
                             ApplicationConfiguration={
                                 "ApplicationCodeConfiguration": {"CodeContentType": "ZIPFILE", "CodeContent": {
                                     "ZipFileContent": b"PK\x05\x06" + bytes(18)}}})

    def start(snapshot_name: str):
        return flink.start_application(ApplicationName=name, RunConfiguration={"ApplicationRestoreConfiguration": {
            "ApplicationRestoreType": "RESTORE_FROM_CUSTOM_SNAPSHOT", "SnapshotName": snapshot_name}})

    assert error_of(start, unique("missing")).code == "ResourceNotFoundException"
    assert start(snapshot)["OperationId"]  # the empty code then fails, and the application is READY again
    deadline = time.monotonic() + 60
    while flink.describe_application(ApplicationName=name)["ApplicationDetail"]["ApplicationStatus"] != "READY":
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_bad_input_gets_aws_errors(flink, role, savepoints):
    name, _ = import_from(flink, role, savepoints, "sp/")
    assert error_of(import_from, flink, role, savepoints, "sp/", name).code == "ResourceInUseException"
    assert error_of(import_from, flink, role, savepoints, "sp/", "..").code == "InvalidArgumentException"
    assert error_of(flink.export_snapshot, SnapshotName=name, ExportDestinationConfiguration={
        "DestinationType": "S3", "ExportRoleArn": role, "DestinationS3PrefixLocation": {
            "BucketARN": f"arn:aws:s3:::{savepoints}", "KeyPrefix": "no-slash"}}).code == "InvalidArgumentException"
    assert error_of(flink.describe_snapshot_operation, SnapshotName=name,
                    SnapshotOperationId="nope").code == "ResourceNotFoundException"
    assert error_of(flink.list_snapshot_operations, SnapshotName=unique("none")).code == "ResourceNotFoundException"
    assert error_of(flink.create_snapshot, ApplicationName=unique("none"),
                    SnapshotName="s").code == "ResourceNotFoundException"
    code = {"ApplicationCodeConfiguration": {"CodeContentType": "ZIPFILE", "CodeContent": {
        "ZipFileContent": b"PK\x05\x06" + bytes(18)}}}
    legacy, enhanced = unique("legacy"), unique("enhanced")
    flink.create_application(ApplicationName=legacy, RuntimeEnvironment="FLINK-1_20", ServiceExecutionRole=role,
                             ApplicationConfiguration=code)
    flink.create_application(ApplicationName=enhanced, RuntimeEnvironment="FLINK-1_20", ServiceExecutionRole=role,
                             ApplicationConfiguration={**code, "ApplicationSnapshotConfiguration": {
                                 "SnapshotsEnabled": True, "SnapshotMode": "ENHANCED_SNAPSHOTS"}})
    assert error_of(flink.create_snapshot, ApplicationName=legacy,
                    SnapshotName="s").code == "InvalidApplicationConfigurationException"
    assert error_of(flink.create_snapshot, ApplicationName=enhanced, SnapshotName="s").code == \
        "ResourceInUseException"  # READY, not RUNNING
    assert error_of(flink.import_snapshot, SnapshotName=unique("tags"), ImportSourceConfiguration={
        "SourceType": "S3", "ImportRoleArn": role, "SourceS3PrefixLocation": {
            "BucketARN": f"arn:aws:s3:::{savepoints}", "KeyPrefix": "sp/"}},
        Tags=[{"Key": "aws:x", "Value": "1"}]).code == "InvalidArgumentException"


def test_a_savepoint_an_older_nimbus_kept_as_files_is_still_served(flink, role, savepoints, aws, account, server,
                                                                    tmp_path):
    """Data dirs of earlier versions name savepoints by file: URIs: described, exported and deleted there."""
    name, _ = import_from(flink, role, savepoints, "sp/")
    for key, body in SAVEPOINT.items():
        (tmp_path / key).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / key).write_bytes(body)
    store, ns = server.runtime.store, account_snapshots_ns(account, "us-east-1")
    record = ACCOUNT_SNAPSHOT.get(store, ns, name)
    ACCOUNT_SNAPSHOT.put(store, ns, name, record | {"Savepoint": f"file://{tmp_path}"})
    details = flink.describe_snapshot(SnapshotName=name)["SnapshotInfoDetails"]
    assert details["SnapshotSizeInBytes"] == sum(len(body) for body in SAVEPOINT.values())
    exported = flink.export_snapshot(SnapshotName=name, ExportDestinationConfiguration={
        "DestinationType": "S3", "ExportRoleArn": role,
        "DestinationS3PrefixLocation": {"BucketARN": f"arn:aws:s3:::{savepoints}", "KeyPrefix": "old/"}})
    assert aws("s3").get_object(Bucket=savepoints, Key=f"old/{exported['SnapshotOperationId']}/op/state-1")[
        "Body"].read() == SAVEPOINT["op/state-1"]
    flink.delete_snapshot(SnapshotName=name, SnapshotCreationTimestamp=details["SnapshotCreationTimestamp"])
    assert not (tmp_path / "_metadata").exists()


def test_tags_of_a_snapshot(flink, role, savepoints, account):
    name, imported = import_from(flink, role, savepoints, "sp/", Tags=[{"Key": "team", "Value": "data"}])
    arn = imported["SnapshotArn"]
    assert flink.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "data"}]
    flink.tag_resource(ResourceARN=arn, Tags=[{"Key": "env", "Value": "test"}])
    flink.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert flink.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "env", "Value": "test"}]
    assert error_of(flink.tag_resource, ResourceARN=arn, Tags=[
        {"Key": f"k{n}", "Value": "v"} for n in range(50)]).code == "TooManyTagsException"
    assert error_of(flink.tag_resource, ResourceARN=arn, Tags=[{"Key": "aws:x", "Value": "1"}]).code == \
        "InvalidArgumentException"
    missing = f"arn:aws:kinesisanalytics:us-east-1:{account}:snapshot/{unique('missing')}"
    assert error_of(flink.list_tags_for_resource, ResourceARN=missing).code == "ResourceNotFoundException"


def test_a_savepoints_bucket_name_taken_by_a_customer_is_never_written_to(aws, role, savepoints):
    """A bucket of the service's name that an account made first: the import fails, the bucket stays empty."""
    region = "ap-southeast-2"
    s3 = aws("s3", region=region)
    s3.create_bucket(Bucket=savepoints_bucket(region), CreateBucketConfiguration={"LocationConstraint": region})
    flink = aws("kinesisanalyticsv2", region=region)
    name, imported = import_from(flink, role, savepoints, "sp/")
    assert (imported["SnapshotStatus"], imported["SnapshotOperationStatus"]) == ("FAILED", "FAILED")
    assert s3.list_objects_v2(Bucket=savepoints_bucket(region)).get("KeyCount") == 0
