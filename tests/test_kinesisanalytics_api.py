"""Kinesis Data Analytics v1: applications, their versioned configuration, states, tags, errors."""
from __future__ import annotations

import pytest

from tests.support import TICK_SCHEMA, advance_clock, analytics_role, error_of, unique


@pytest.fixture(scope="module")
def role(aws):
    return analytics_role(aws("iam"), "analytics")


@pytest.fixture(scope="module")
def analytics(aws):
    return aws("kinesisanalytics")


def stream_input(role: str, account: str, stream: str = "ticks") -> dict:
    return {"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": TICK_SCHEMA,
            "KinesisStreamsInput": {"ResourceARN": f"arn:aws:kinesis:us-east-1:{account}:stream/{stream}",
                                    "RoleARN": role}}


def new_app(analytics, role, account, **extra) -> str:
    name = unique("app")
    analytics.create_application(ApplicationName=name, Inputs=[stream_input(role, account)], **extra)
    return name


def detail(analytics, name: str) -> dict:
    return analytics.describe_application(ApplicationName=name)["ApplicationDetail"]


def test_create_describe_list(analytics, role, account):
    name = unique("app")
    summary = analytics.create_application(
        ApplicationName=name, ApplicationDescription="ticks", ApplicationCode="CREATE STREAM s (a INT);",
        Inputs=[{**stream_input(role, account), "InputParallelism": {"Count": 2}}],
        Outputs=[{"Name": "DESTINATION_SQL_STREAM", "DestinationSchema": {"RecordFormatType": "CSV"},
                  "KinesisStreamsOutput": {"ResourceARN": f"arn:aws:kinesis:us-east-1:{account}:stream/out",
                                           "RoleARN": role}}])["ApplicationSummary"]
    assert summary == {"ApplicationName": name, "ApplicationStatus": "READY",
                       "ApplicationARN": f"arn:aws:kinesisanalytics:us-east-1:{account}:application/{name}"}
    got = detail(analytics, name)
    assert got["ApplicationVersionId"] == 1 and got["ApplicationCode"] == "CREATE STREAM s (a INT);"
    (described,) = got["InputDescriptions"]
    assert described["InputId"] == "1.1"
    assert described["InAppStreamNames"] == ["SOURCE_SQL_STREAM_001", "SOURCE_SQL_STREAM_002"]
    assert described["KinesisStreamsInputDescription"]["RoleARN"] == role
    assert got["OutputDescriptions"][0]["KinesisStreamsOutputDescription"]["ResourceARN"].endswith("stream/out")
    names = [app["ApplicationName"] for app in analytics.list_applications()["ApplicationSummaries"]]
    assert name in names
    page = analytics.list_applications(Limit=1)
    assert len(page["ApplicationSummaries"]) == 1 and page["HasMoreApplications"] == (len(names) > 1)
    assert error_of(analytics.create_application, ApplicationName=name).code == "ResourceInUseException"


def test_versioned_changes(analytics, role, account):
    name = new_app(analytics, role, account)
    output = {"Name": "OUT", "DestinationSchema": {"RecordFormatType": "JSON"},
              "KinesisFirehoseOutput": {"ResourceARN": f"arn:aws:firehose:us-east-1:{account}:deliverystream/d",
                                        "RoleARN": role}}
    stale = error_of(analytics.add_application_output, ApplicationName=name, CurrentApplicationVersionId=5,
                     Output=output)
    assert stale.code == "ConcurrentModificationException"
    analytics.add_application_output(ApplicationName=name, CurrentApplicationVersionId=1, Output=output)
    output_id = detail(analytics, name)["OutputDescriptions"][0]["OutputId"]
    analytics.add_application_reference_data_source(
        ApplicationName=name, CurrentApplicationVersionId=2, ReferenceDataSource={
            "TableName": "companies", "ReferenceSchema": TICK_SCHEMA,
            "S3ReferenceDataSource": {"BucketARN": "arn:aws:s3:::ref", "FileKey": "c.json",
                                      "ReferenceRoleARN": role}})
    analytics.add_application_cloud_watch_logging_option(
        ApplicationName=name, CurrentApplicationVersionId=3, CloudWatchLoggingOption={
            "LogStreamARN": f"arn:aws:logs:us-east-1:{account}:log-group:g:log-stream:s", "RoleARN": role})
    analytics.update_application(ApplicationName=name, CurrentApplicationVersionId=4, ApplicationUpdate={
        "ApplicationCodeUpdate": "-- new",
        "InputUpdates": [{"InputId": "1.1", "NamePrefixUpdate": "IN", "InputParallelismUpdate": {"CountUpdate": 3},
                          "InputSchemaUpdate": {"RecordColumnUpdates": TICK_SCHEMA["RecordColumns"][:1]}}],
        "OutputUpdates": [{"OutputId": output_id, "NameUpdate": "OUT2"}]})
    got = detail(analytics, name)
    assert got["ApplicationVersionId"] == 5 and got["ApplicationCode"] == "-- new"
    (described,) = got["InputDescriptions"]
    assert described["InAppStreamNames"] == ["IN_001", "IN_002", "IN_003"]
    assert described["InputSchema"]["RecordColumns"] == TICK_SCHEMA["RecordColumns"][:1]
    assert described["InputSchema"]["RecordFormat"] == TICK_SCHEMA["RecordFormat"]
    assert got["OutputDescriptions"][0]["Name"] == "OUT2"
    assert got["ReferenceDataSourceDescriptions"][0]["S3ReferenceDataSourceDescription"]["FileKey"] == "c.json"
    option = got["CloudWatchLoggingOptionDescriptions"][0]["CloudWatchLoggingOptionId"]
    analytics.delete_application_cloud_watch_logging_option(
        ApplicationName=name, CurrentApplicationVersionId=5, CloudWatchLoggingOptionId=option)
    analytics.delete_application_output(ApplicationName=name, CurrentApplicationVersionId=6, OutputId=output_id)
    reference = got["ReferenceDataSourceDescriptions"][0]["ReferenceId"]
    analytics.delete_application_reference_data_source(ApplicationName=name, CurrentApplicationVersionId=7,
                                                       ReferenceId=reference)
    got = detail(analytics, name)
    assert got["ApplicationVersionId"] == 8
    assert not got["OutputDescriptions"] and not got["ReferenceDataSourceDescriptions"]
    assert error_of(analytics.delete_application_output, ApplicationName=name, CurrentApplicationVersionId=8,
                    OutputId=output_id).code == "ResourceNotFoundException"


def test_input_processing_configuration(analytics, role, account):
    name = new_app(analytics, role, account)
    lambda_arn = f"arn:aws:lambda:us-east-1:{account}:function:pre"
    analytics.add_application_input_processing_configuration(
        ApplicationName=name, CurrentApplicationVersionId=1, InputId="1.1",
        InputProcessingConfiguration={"InputLambdaProcessor": {"ResourceARN": lambda_arn, "RoleARN": role}})
    (described,) = detail(analytics, name)["InputDescriptions"]
    assert described["InputProcessingConfigurationDescription"] == {
        "InputLambdaProcessorDescription": {"ResourceARN": lambda_arn, "RoleARN": role}}
    analytics.delete_application_input_processing_configuration(ApplicationName=name, CurrentApplicationVersionId=2,
                                                                InputId="1.1")
    assert "InputProcessingConfigurationDescription" not in detail(analytics, name)["InputDescriptions"][0]


def test_start_stop_states(analytics, role, account, endpoint):
    bare = unique("bare")
    analytics.create_application(ApplicationName=bare)
    assert error_of(analytics.start_application, ApplicationName=bare, InputConfigurations=[
        {"Id": "1.1", "InputStartingPositionConfiguration": {"InputStartingPosition": "NOW"}}]).code == \
        "InvalidApplicationConfigurationException"
    name = new_app(analytics, role, account)
    analytics.start_application(ApplicationName=name, InputConfigurations=[
        {"Id": "1.1", "InputStartingPositionConfiguration": {"InputStartingPosition": "TRIM_HORIZON"}}])
    assert detail(analytics, name)["ApplicationStatus"] == "STARTING"
    assert error_of(analytics.update_application, ApplicationName=name, CurrentApplicationVersionId=1,
                    ApplicationUpdate={"ApplicationCodeUpdate": "x"}).code == "ResourceInUseException"
    advance_clock(endpoint, 2)
    got = detail(analytics, name)
    assert got["ApplicationStatus"] == "RUNNING"
    assert got["InputDescriptions"][0]["InputStartingPositionConfiguration"] == {"InputStartingPosition": "TRIM_HORIZON"}
    analytics.update_application(ApplicationName=name, CurrentApplicationVersionId=1,
                                 ApplicationUpdate={"ApplicationCodeUpdate": "-- v2"})
    assert detail(analytics, name)["ApplicationStatus"] == "UPDATING"
    advance_clock(endpoint, 2)
    analytics.stop_application(ApplicationName=name)
    assert detail(analytics, name)["ApplicationStatus"] == "STOPPING"
    advance_clock(endpoint, 2)
    assert detail(analytics, name)["ApplicationStatus"] == "READY"


def test_delete_checks_the_create_timestamp(analytics, role, account):
    name = new_app(analytics, role, account)
    created = detail(analytics, name)["CreateTimestamp"]
    assert error_of(analytics.delete_application, ApplicationName=name,
                    CreateTimestamp=created.replace(year=2001)).code == "InvalidArgumentException"
    analytics.delete_application(ApplicationName=name, CreateTimestamp=created)
    assert error_of(analytics.describe_application, ApplicationName=name).worded == (
        "ResourceNotFoundException", f"Application {name} is not found.")


def test_tags(analytics, role, account):
    name = new_app(analytics, role, account, Tags=[{"Key": "team", "Value": "a"}])
    arn = detail(analytics, name)["ApplicationARN"]
    analytics.tag_resource(ResourceARN=arn, Tags=[{"Key": "env", "Value": "dev"}])
    analytics.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert analytics.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]
    too_many = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    assert error_of(analytics.tag_resource, ResourceARN=arn, Tags=too_many).code == "TooManyTagsException"


def test_roles_must_be_assumable(analytics, account):
    bad_role = f"arn:aws:iam::{account}:role/no-such-role"
    assert error_of(analytics.create_application, ApplicationName=unique("app"),
                    Inputs=[stream_input(bad_role, account)]).code == "InvalidArgumentException"
