"""Managed Service for Apache Flink: applications, versions, rollback, configuration parts, operations,
snapshots' checks, tags and errors, through boto3 and the AWS CLI."""
from __future__ import annotations

import time

import pytest

from tests.support import analytics_role, aws_cli, aws_cli_error, error_of, unique

TEXT_SQL = {"ApplicationCodeConfiguration": {"CodeContentType": "PLAINTEXT", "CodeContent": {"TextContent": (
    'CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (a INTEGER);'
    'CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM" SELECT STREAM "a" FROM "SOURCE_SQL_STREAM_001";')}}}


@pytest.fixture(scope="module")
def role(aws):
    return analytics_role(aws("iam"), unique("flink-api"))


@pytest.fixture(scope="module")
def flink(aws):
    return aws("kinesisanalyticsv2")


def new_flink_app(flink, role, **configuration) -> str:
    name = unique("app")
    flink.create_application(ApplicationName=name, RuntimeEnvironment="FLINK-1_20", ServiceExecutionRole=role,
                             ApplicationConfiguration={
                                 "ApplicationCodeConfiguration": {"CodeContentType": "ZIPFILE", "CodeContent": {
                                     "ZipFileContent": b"PK\x05\x06" + bytes(18)}}, **configuration})
    return name


def detail(flink, name: str) -> dict:
    return flink.describe_application(ApplicationName=name)["ApplicationDetail"]


def test_create_describe_list_with_aws_defaults(flink, role, account):
    name = new_flink_app(flink, role, EnvironmentProperties={"PropertyGroups": [
        {"PropertyGroupId": "app", "PropertyMap": {"k": "v"}}]})
    got = detail(flink, name)
    assert got["ApplicationARN"] == f"arn:aws:kinesisanalytics:us-east-1:{account}:application/{name}"
    assert (got["ApplicationStatus"], got["ApplicationVersionId"], got["ApplicationMode"]) == ("READY", 1, "STREAMING")
    described = got["ApplicationConfigurationDescription"]
    flink_conf = described["FlinkApplicationConfigurationDescription"]
    assert flink_conf["CheckpointConfigurationDescription"] == {
        "ConfigurationType": "DEFAULT", "CheckpointingEnabled": True, "CheckpointInterval": 60000,
        "MinPauseBetweenCheckpoints": 5000}
    assert flink_conf["ParallelismConfigurationDescription"]["CurrentParallelism"] == 1
    assert described["EnvironmentPropertyDescriptions"]["PropertyGroupDescriptions"] == [
        {"PropertyGroupId": "app", "PropertyMap": {"k": "v"}}]
    code = described["ApplicationCodeConfigurationDescription"]
    assert code["CodeContentType"] == "ZIPFILE" and code["CodeContentDescription"]["CodeSize"] == 22
    assert described["ApplicationSnapshotConfigurationDescription"] == {"SnapshotsEnabled": False}
    summaries = flink.list_applications()["ApplicationSummaries"]
    assert {"ApplicationName": name, "ApplicationARN": got["ApplicationARN"], "ApplicationStatus": "READY",
            "ApplicationVersionId": 1, "RuntimeEnvironment": "FLINK-1_20",
            "ApplicationMode": "STREAMING"} in summaries


def test_update_versions_and_rollback(flink, role):
    name = new_flink_app(flink, role)
    flink.update_application(ApplicationName=name, CurrentApplicationVersionId=1, ApplicationConfigurationUpdate={
        "FlinkApplicationConfigurationUpdate": {"ParallelismConfigurationUpdate": {
            "ConfigurationTypeUpdate": "CUSTOM", "ParallelismUpdate": 4, "AutoScalingEnabledUpdate": False}},
        "ApplicationSnapshotConfigurationUpdate": {"SnapshotsEnabledUpdate": True}})
    got = detail(flink, name)
    assert got["ApplicationVersionId"] == 2 and got["ApplicationVersionUpdatedFrom"] == 1
    described = got["ApplicationConfigurationDescription"]
    assert described["FlinkApplicationConfigurationDescription"]["ParallelismConfigurationDescription"][
        "Parallelism"] == 4
    assert described["ApplicationSnapshotConfigurationDescription"] == {"SnapshotsEnabled": True}
    stale = error_of(flink.update_application, ApplicationName=name, CurrentApplicationVersionId=1,
                     ApplicationConfigurationUpdate={})
    assert (stale.code, stale.status) == ("ConcurrentModificationException", 400)
    versions = flink.list_application_versions(ApplicationName=name)["ApplicationVersionSummaries"]
    assert [v["ApplicationVersionId"] for v in versions] == [2, 1]
    first = flink.describe_application_version(ApplicationName=name, ApplicationVersionId=1)
    assert first["ApplicationVersionDetail"]["ApplicationConfigurationDescription"][
        "ApplicationSnapshotConfigurationDescription"] == {"SnapshotsEnabled": False}

    flink.rollback_application(ApplicationName=name, CurrentApplicationVersionId=2)
    got = detail(flink, name)
    assert got["ApplicationVersionId"] == 3 and got["ApplicationVersionRolledBackFrom"] == 2
    assert got["ApplicationConfigurationDescription"]["ApplicationSnapshotConfigurationDescription"] == {
        "SnapshotsEnabled": False}
    token = got["ConditionalToken"]
    flink.update_application(ApplicationName=name, ConditionalToken=token, ApplicationConfigurationUpdate={
        "EnvironmentPropertyUpdates": {"PropertyGroups": [{"PropertyGroupId": "g", "PropertyMap": {"a": "b"}}]}})
    assert detail(flink, name)["ApplicationVersionId"] == 4
    assert error_of(flink.update_application, ApplicationName=name, ConditionalToken=token,
                    ApplicationConfigurationUpdate={}).code == "ConcurrentModificationException"


def test_sql_applications_inputs_outputs_and_logging(flink, role, account):
    name = unique("sql")
    stream = f"arn:aws:kinesis:us-east-1:{account}:stream/ticks"
    flink.create_application(ApplicationName=name, RuntimeEnvironment="SQL-1_0", ServiceExecutionRole=role,
                             ApplicationConfiguration=TEXT_SQL)
    assert error_of(flink.start_application, ApplicationName=name,
                    RunConfiguration={}).code == "InvalidApplicationConfigurationException"
    added = flink.add_application_input(ApplicationName=name, CurrentApplicationVersionId=1, Input={
        "NamePrefix": "SOURCE_SQL_STREAM", "KinesisStreamsInput": {"ResourceARN": stream},
        "InputSchema": {"RecordFormat": {"RecordFormatType": "CSV", "MappingParameters": {
            "CSVMappingParameters": {"RecordRowDelimiter": "\n", "RecordColumnDelimiter": ","}}},
            "RecordColumns": [{"Name": "a", "SqlType": "INTEGER"}]}})
    (described,) = added["InputDescriptions"]
    assert described["InAppStreamNames"] == ["SOURCE_SQL_STREAM_001"]
    assert described["KinesisStreamsInputDescription"] == {"ResourceARN": stream}
    output = flink.add_application_output(ApplicationName=name, CurrentApplicationVersionId=2, Output={
        "Name": "DESTINATION_SQL_STREAM", "KinesisStreamsOutput": {"ResourceARN": stream},
        "DestinationSchema": {"RecordFormatType": "JSON"}})["OutputDescriptions"][0]
    flink.delete_application_output(ApplicationName=name, CurrentApplicationVersionId=3,
                                    OutputId=output["OutputId"])
    logging = flink.add_application_cloud_watch_logging_option(
        ApplicationName=name, CurrentApplicationVersionId=4, CloudWatchLoggingOption={
            "LogStreamARN": f"arn:aws:logs:us-east-1:{account}:log-group:g:log-stream:s"})
    assert logging["ApplicationVersionId"] == 5
    (option,) = logging["CloudWatchLoggingOptionDescriptions"]
    flink.delete_application_cloud_watch_logging_option(
        ApplicationName=name, CurrentApplicationVersionId=5, CloudWatchLoggingOptionId=option["CloudWatchLoggingOptionId"])
    assert detail(flink, name)["CloudWatchLoggingOptionDescriptions"] == []
    assert flink.start_application(ApplicationName=name)["OperationId"]
    assert detail(flink, name)["ApplicationStatus"] == "RUNNING"
    assert error_of(flink.create_application_snapshot, ApplicationName=name,
                    SnapshotName="s").code == "UnsupportedOperationException"
    flink.stop_application(ApplicationName=name)
    assert detail(flink, name)["ApplicationStatus"] == "READY"
    operations = flink.list_application_operations(ApplicationName=name)["ApplicationOperationInfoList"]
    assert [o["Operation"] for o in operations][:2] == ["StopApplication", "StartApplication"]
    one = flink.describe_application_operation(ApplicationName=name, OperationId=operations[0]["OperationId"])
    assert one["ApplicationOperationInfoDetails"]["OperationStatus"] == "SUCCESSFUL"


def test_bad_input_gets_aws_errors(flink, role, aws):
    name = new_flink_app(flink, role)
    assert error_of(flink.create_application, ApplicationName=name, RuntimeEnvironment="FLINK-1_20",
                    ServiceExecutionRole=role).code == "ResourceInUseException"
    missing = error_of(flink.describe_application, ApplicationName="nope")
    assert (missing.code, missing.status) == ("ResourceNotFoundException", 400)
    assert error_of(flink.create_application, ApplicationName=unique("text"), RuntimeEnvironment="FLINK-1_20",
                    ServiceExecutionRole=role,
                    ApplicationConfiguration=TEXT_SQL).code == "InvalidApplicationConfigurationException"
    untrusted = aws("iam").create_role(RoleName=unique("untrusted"), AssumeRolePolicyDocument=(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},'
        '"Action":"sts:AssumeRole"}]}'))["Role"]["Arn"]
    assert error_of(flink.create_application, ApplicationName=unique("role"), RuntimeEnvironment="FLINK-1_20",
                    ServiceExecutionRole=untrusted).code == "InvalidArgumentException"
    assert error_of(flink.stop_application, ApplicationName=name).code == "ResourceInUseException"
    assert error_of(flink.create_application_snapshot, ApplicationName=name,
                    SnapshotName="s").code == "InvalidApplicationConfigurationException"
    assert error_of(flink.describe_application_snapshot, ApplicationName=name,
                    SnapshotName="s").code == "ResourceNotFoundException"
    created = detail(flink, name)["CreateTimestamp"]
    assert error_of(flink.delete_application, ApplicationName=name,
                    CreateTimestamp=created.replace(year=2001)).code == "InvalidArgumentException"
    flink.delete_application(ApplicationName=name, CreateTimestamp=created)
    assert error_of(flink.describe_application, ApplicationName=name).code == "ResourceNotFoundException"


def test_tags_and_the_cli(flink, role, endpoint):
    name = new_flink_app(flink, role)
    arn = detail(flink, name)["ApplicationARN"]
    flink.tag_resource(ResourceARN=arn, Tags=[{"Key": "team", "Value": "data"}])
    flink.untag_resource(ResourceARN=arn, TagKeys=["nothing"])
    assert flink.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "data"}]
    assert error_of(flink.tag_resource, ResourceARN=arn, Tags=[{"Key": "aws:x", "Value": "1"}]).code == \
        "InvalidArgumentException"
    assert error_of(flink.tag_resource, ResourceARN=arn, Tags=[
        {"Key": f"k{n}", "Value": "v"} for n in range(50)]).code == "TooManyTagsException"
    assert "ApplicationSummaries" in aws_cli(endpoint, "kinesisanalyticsv2", "list-applications")
    assert "ResourceNotFoundException" in aws_cli_error(endpoint, "kinesisanalyticsv2", "describe-application",
                                                        "--application-name", unique("missing"))


def test_code_that_cannot_start_leaves_the_application_ready_with_the_failure_logged(flink, role, aws, account):
    logs, group, log_stream = aws("logs"), unique("flink-logs"), "app"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=log_stream)
    name = unique("broken")
    flink.create_application(
        ApplicationName=name, RuntimeEnvironment="FLINK-1_20", ServiceExecutionRole=role,
        CloudWatchLoggingOptions=[{"LogStreamARN": f"arn:aws:logs:us-east-1:{account}:log-group:{group}:log-stream:app"}],
        ApplicationConfiguration={"ApplicationCodeConfiguration": {"CodeContentType": "ZIPFILE", "CodeContent": {
            "S3ContentLocation": {"BucketARN": f"arn:aws:s3:::{unique('nobucket')}", "FileKey": "app.zip"}}}})
    operation = flink.start_application(ApplicationName=name)["OperationId"]
    deadline = time.monotonic() + 60
    while detail(flink, name)["ApplicationStatus"] != "READY" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert detail(flink, name)["ApplicationStatus"] == "READY"
    (event,) = logs.get_log_events(logGroupName=group, logStreamName=log_stream)["events"]
    assert "Could not fetch the application code" in event["message"] and "NoSuchBucket" in event["message"]
    failed = flink.describe_application_operation(ApplicationName=name, OperationId=operation)
    assert failed["ApplicationOperationInfoDetails"]["OperationStatus"] == "FAILED"
    assert "NoSuchBucket" in failed["ApplicationOperationInfoDetails"]["OperationFailureDetails"]["ErrorInfo"][
        "ErrorString"]
