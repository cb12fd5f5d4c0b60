"""CloudFormation's Kinesis Data Analytics types: an application, its output and its reference data
source made, updated in place and deleted through the service's own API."""
from __future__ import annotations

import json

from tests.support import TICK_SCHEMA, analytics_role, settled_stack, stack_resources, unique


def template(account: str, role: str, code: str, output_stream: str, file_key: str) -> dict:
    stream = f"arn:aws:kinesis:us-east-1:{account}:stream/"
    return {"Resources": {
        "App": {"Type": "AWS::KinesisAnalytics::Application", "Properties": {
            "ApplicationCode": code,
            "Inputs": [{"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": TICK_SCHEMA,
                        "InputParallelism": {"Count": "1"},
                        "KinesisStreamsInput": {"ResourceARN": stream + "ticks", "RoleARN": role}}]}},
        "Out": {"Type": "AWS::KinesisAnalytics::ApplicationOutput", "Properties": {
            "ApplicationName": {"Ref": "App"},
            "Output": {"Name": "DESTINATION_SQL_STREAM", "DestinationSchema": {"RecordFormatType": "JSON"},
                       "KinesisStreamsOutput": {"ResourceARN": stream + output_stream, "RoleARN": role}}}},
        "Reference": {"Type": "AWS::KinesisAnalytics::ApplicationReferenceDataSource", "DependsOn": "Out",
                      "Properties": {
            "ApplicationName": {"Ref": "App"},
            "ReferenceDataSource": {"TableName": "companies", "ReferenceSchema": TICK_SCHEMA,
                                    "S3ReferenceDataSource": {"BucketARN": "arn:aws:s3:::ref", "FileKey": file_key,
                                                              "ReferenceRoleARN": role}}}}}}


def test_application_output_and_reference_data(aws, account):
    cf, analytics = aws("cloudformation"), aws("kinesisanalytics")
    role = analytics_role(aws("iam"), "stack-analytics")
    name = unique("analytics")
    stack = cf.create_stack(StackName=name, TemplateBody=json.dumps(template(account, role, "-- v1", "out1",
                                                                             "a.json")))
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    app = stack_resources(cf, name)["App"]
    detail = analytics.describe_application(ApplicationName=app)["ApplicationDetail"]
    assert detail["ApplicationCode"] == "-- v1"
    assert detail["OutputDescriptions"][0]["KinesisStreamsOutputDescription"]["ResourceARN"].endswith("/out1")
    assert detail["ReferenceDataSourceDescriptions"][0]["S3ReferenceDataSourceDescription"]["FileKey"] == "a.json"
    assert stack_resources(cf, name)["Out"] == detail["OutputDescriptions"][0]["OutputId"]

    cf.update_stack(StackName=name, TemplateBody=json.dumps(template(account, role, "-- v2", "out2", "b.json")))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    detail = analytics.describe_application(ApplicationName=app)["ApplicationDetail"]
    assert detail["ApplicationCode"] == "-- v2"
    assert detail["OutputDescriptions"][0]["KinesisStreamsOutputDescription"]["ResourceARN"].endswith("/out2")
    assert detail["ReferenceDataSourceDescriptions"][0]["S3ReferenceDataSourceDescription"]["FileKey"] == "b.json"

    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"
    assert app not in [a["ApplicationName"] for a in analytics.list_applications()["ApplicationSummaries"]]
