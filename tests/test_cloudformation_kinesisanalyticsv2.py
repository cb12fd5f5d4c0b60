"""CloudFormation's Managed Service for Apache Flink types: an application updated in place, a SQL
application's output and logging option added, changed and removed, through the service's own API."""
from __future__ import annotations

import json

from tests.support import analytics_role, settled_stack, stack_resources, unique


def flink_template(role: str, bucket: str, key: str, parallelism: int) -> dict:
    return {"Resources": {"App": {"Type": "AWS::KinesisAnalyticsV2::Application", "Properties": {
        "RuntimeEnvironment": "FLINK-1_20", "ServiceExecutionRole": role,
        "ApplicationMaintenanceConfiguration": {"ApplicationMaintenanceWindowStartTime": "03:00"},
        "Tags": [{"Key": "team", "Value": "data"}],
        "ApplicationConfiguration": {
            "ApplicationCodeConfiguration": {"CodeContentType": "ZIPFILE", "CodeContent": {
                "S3ContentLocation": {"BucketARN": f"arn:aws:s3:::{bucket}", "FileKey": key}}},
            "FlinkApplicationConfiguration": {"ParallelismConfiguration": {
                "ConfigurationType": "CUSTOM", "Parallelism": str(parallelism), "AutoScalingEnabled": "false"}},
            "EnvironmentProperties": {"PropertyGroups": [{"PropertyGroupId": "g", "PropertyMap": {"k": key}}]}}}}}}


def test_flink_application_created_updated_and_deleted(aws):
    cf, flink = aws("cloudformation"), aws("kinesisanalyticsv2")
    role, name = analytics_role(aws("iam"), unique("stack-flink")), unique("flink-stack")
    stack = cf.create_stack(StackName=name, TemplateBody=json.dumps(flink_template(role, "code", "v1.zip", 2)))
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    app = stack_resources(cf, name)["App"]
    detail = flink.describe_application(ApplicationName=app)["ApplicationDetail"]
    described = detail["ApplicationConfigurationDescription"]
    assert described["FlinkApplicationConfigurationDescription"]["ParallelismConfigurationDescription"][
        "Parallelism"] == 2
    assert detail["ApplicationMaintenanceConfigurationDescription"]["ApplicationMaintenanceWindowStartTime"] == "03:00"
    assert flink.list_tags_for_resource(ResourceARN=detail["ApplicationARN"])["Tags"] == [
        {"Key": "team", "Value": "data"}]

    cf.update_stack(StackName=name, TemplateBody=json.dumps(flink_template(role, "code", "v2.zip", 4)))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    detail = flink.describe_application(ApplicationName=app)["ApplicationDetail"]
    described = detail["ApplicationConfigurationDescription"]
    assert detail["ApplicationVersionId"] == 2
    assert described["ApplicationCodeConfigurationDescription"]["CodeContentDescription"][
        "S3ApplicationCodeLocationDescription"]["FileKey"] == "v2.zip"
    assert described["FlinkApplicationConfigurationDescription"]["ParallelismConfigurationDescription"][
        "Parallelism"] == 4
    assert described["EnvironmentPropertyDescriptions"]["PropertyGroupDescriptions"][0]["PropertyMap"] == {
        "k": "v2.zip"}

    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"
    assert app not in [a["ApplicationName"] for a in flink.list_applications()["ApplicationSummaries"]]


def sql_template(role: str, account: str, output_stream: str) -> dict:
    return {"Resources": {
        "App": {"Type": "AWS::KinesisAnalyticsV2::Application", "Properties": {
            "RuntimeEnvironment": "SQL-1_0", "ServiceExecutionRole": role}},
        "Out": {"Type": "AWS::KinesisAnalyticsV2::ApplicationOutput", "Properties": {
            "ApplicationName": {"Ref": "App"},
            "Output": {"Name": "DESTINATION_SQL_STREAM", "DestinationSchema": {"RecordFormatType": "JSON"},
                       "KinesisStreamsOutput": {
                           "ResourceARN": f"arn:aws:kinesis:us-east-1:{account}:stream/{output_stream}"}}}},
        "Logging": {"Type": "AWS::KinesisAnalyticsV2::ApplicationCloudWatchLoggingOption", "DependsOn": "Out",
                    "Properties": {"ApplicationName": {"Ref": "App"}, "CloudWatchLoggingOption": {
                        "LogStreamARN": f"arn:aws:logs:us-east-1:{account}:log-group:g:log-stream:s"}}}}}


def test_sql_application_output_and_logging_option(aws, account):
    cf, flink = aws("cloudformation"), aws("kinesisanalyticsv2")
    role, name = analytics_role(aws("iam"), unique("stack-sql")), unique("sql-stack")
    stack = cf.create_stack(StackName=name, TemplateBody=json.dumps(sql_template(role, account, "out1")))
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    resources = stack_resources(cf, name)
    detail = flink.describe_application(ApplicationName=resources["App"])["ApplicationDetail"]
    (output,) = detail["ApplicationConfigurationDescription"]["SqlApplicationConfigurationDescription"][
        "OutputDescriptions"]
    assert output["OutputId"] == resources["Out"]
    assert detail["CloudWatchLoggingOptionDescriptions"][0]["CloudWatchLoggingOptionId"] == resources["Logging"]

    cf.update_stack(StackName=name, TemplateBody=json.dumps(sql_template(role, account, "out2")))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    detail = flink.describe_application(ApplicationName=resources["App"])["ApplicationDetail"]
    (output,) = detail["ApplicationConfigurationDescription"]["SqlApplicationConfigurationDescription"][
        "OutputDescriptions"]
    assert output["KinesisStreamsOutputDescription"]["ResourceARN"].endswith("/out2")
    assert stack_resources(cf, name)["Out"] == output["OutputId"]
    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"
