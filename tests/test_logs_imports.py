"""CloudWatch Logs import tasks (a CloudTrail Lake event data store copied into a managed group, read as the import
role), data source summaries and fields, large log objects, and S3 Tables integration sources."""
from __future__ import annotations

import json
import time

from tests.support import aws_cli, aws_cli_error, error_of, unique

CLOUDTRAIL_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def import_role(iam) -> str:
    return iam.create_role(RoleName=unique("cwl-import"), AssumeRolePolicyDocument=CLOUDTRAIL_TRUST)["Role"]["Arn"]


def settled(logs, import_id: str, deadline: float = 60.0) -> dict:
    until = time.monotonic() + deadline
    while True:
        task = logs.describe_import_tasks(importId=import_id)["imports"][0]
        if task["importStatus"] != "IN_PROGRESS" or time.monotonic() > until:
            return task
        time.sleep(0.05)


def test_import_copies_event_data_store_events_into_the_managed_group(aws, account):
    logs, iam, ct = aws("logs"), aws("iam"), aws("cloudtrail")
    store = ct.create_event_data_store(Name=unique("eds"), TerminationProtectionEnabled=False)["EventDataStoreArn"]
    users = [unique("imported") for _ in range(2)]
    for user in users:
        iam.create_user(UserName=user)
    role = import_role(iam)
    created = logs.create_import_task(importSourceArn=store, importRoleArn=role)
    store_id = store.rsplit("/", 1)[1]
    group = f"aws/cloudtrail/{store_id}"
    assert created["importDestinationArn"] == f"arn:aws:logs:us-east-1:{account}:log-group:{group}"
    task = settled(logs, created["importId"])
    assert task["importStatus"] == "COMPLETED", task
    assert task["importSourceArn"] == store and task["importStatistics"]["bytesImported"] > 0
    batches = logs.describe_import_task_batches(importId=created["importId"])
    assert batches["importSourceArn"] == store and {b["status"] for b in batches["importBatches"]} == {"COMPLETED"}
    events = logs.filter_log_events(logGroupName=group)["events"]
    created_users = [json.loads(e["message"]) for e in events if '"CreateUser"' in e["message"]]
    assert len(created_users) == 2
    assert created_users[0]["eventSource"] == "iam.amazonaws.com" and created_users[0]["userIdentity"]["arn"]
    assert created_users[0]["recipientAccountId"] == account

    summaries = logs.list_aggregate_log_group_summaries(groupBy="DATA_SOURCE_NAME_AND_TYPE",
                                                        dataSources=[{"name": "aws_cloudtrail"}])
    assert summaries["aggregateLogGroupSummaries"] == [{"logGroupCount": 1, "groupingIdentifiers": [
        {"key": "dataSource.name", "value": "aws_cloudtrail"}, {"key": "dataSource.type", "value": "cloudtrail"}]}]
    fields = {f["logFieldName"]: f["logFieldType"]["type"] for f in
              logs.get_log_fields(dataSourceName="aws_cloudtrail", dataSourceType="cloudtrail")["logFields"]}
    assert fields["eventName"] == "string" and fields["userIdentity"] == "struct"
    assert error_of(logs.cancel_import_task, importId=created["importId"]) == ("InvalidOperationException", 400)


def test_import_task_validation(aws, account):
    logs, iam = aws("logs"), aws("iam")
    role = import_role(iam)
    assert error_of(logs.create_import_task, importSourceArn="arn:aws:s3:::bucket", importRoleArn=role) == \
        ("InvalidParameterException", 400)
    missing = f"arn:aws:cloudtrail:us-east-1:{account}:eventdatastore/00000000-0000-0000-0000-000000000000"
    assert error_of(logs.create_import_task, importSourceArn=missing, importRoleArn=role) == \
        ("ResourceNotFoundException", 400)
    assert error_of(logs.create_import_task, importSourceArn=missing,
                    importRoleArn=role, importFilter={"startEventTime": 2, "endEventTime": 1}) == \
        ("InvalidParameterException", 400)
    assert error_of(logs.describe_import_task_batches, importId="nope") == ("ResourceNotFoundException", 400)
    assert error_of(logs.cancel_import_task, importId="nope") == ("ResourceNotFoundException", 400)
    assert error_of(logs.describe_import_tasks, importStatus="DONE") == ("InvalidParameterException", 400)


def test_summaries_fields_and_log_objects(aws):
    logs = aws("logs")
    group = unique("plain")
    logs.create_log_group(logGroupName=group, logGroupClass="INFREQUENT_ACCESS")
    summaries = logs.list_aggregate_log_group_summaries(
        groupBy="DATA_SOURCE_NAME_TYPE_AND_FORMAT", logGroupClass="INFREQUENT_ACCESS",
        logGroupNamePattern=f"^{group[:20]}")["aggregateLogGroupSummaries"]
    assert summaries == [{"logGroupCount": 1, "groupingIdentifiers": [
        {"key": "dataSource.name", "value": "unknown"}, {"key": "dataSource.type", "value": "unknown"},
        {"key": "dataSource.format", "value": "unknown"}]}]
    assert error_of(logs.list_aggregate_log_group_summaries, groupBy="NAME") == ("InvalidParameterException", 400)
    assert error_of(logs.get_log_fields, dataSourceName="nothing", dataSourceType="none") == \
        ("ResourceNotFoundException", 400)
    # GetLogObject goes to the model's stream- host prefix (see the live tail notes in the docs)
    assert error_of(aws("logs", inject_host_prefix=False).get_log_object, logObjectPointer="ptr") == \
        ("ResourceNotFoundException", 400)


def test_s3_table_integration_sources(aws, account):
    logs = aws("logs")
    integration = f"arn:aws:observabilityadmin:us-east-1:{account}:s3tableintegration/{unique('i')}"
    identifier = logs.associate_source_to_s3_table_integration(
        integrationArn=integration, dataSource={"name": "aws_cloudtrail", "type": "cloudtrail"})["identifier"]
    assert logs.associate_source_to_s3_table_integration(
        integrationArn=integration, dataSource={"name": "aws_cloudtrail", "type": "cloudtrail"})["identifier"] == \
        identifier
    sources = logs.list_sources_for_s3_table_integration(integrationArn=integration)["sources"]
    assert [(s["identifier"], s["dataSource"]["name"], s["status"]) for s in sources] == \
        [(identifier, "aws_cloudtrail", "ACTIVE")]
    assert logs.disassociate_source_from_s3_table_integration(identifier=identifier)["identifier"] == identifier
    assert logs.list_sources_for_s3_table_integration(integrationArn=integration)["sources"] == []
    assert error_of(logs.disassociate_source_from_s3_table_integration, identifier=identifier) == \
        ("ResourceNotFoundException", 400)
    assert error_of(logs.list_sources_for_s3_table_integration, integrationArn="not-an-arn") == \
        ("ValidationException", 400)


def test_the_aws_cli_reaches_the_new_operations(endpoint):
    assert "imports" in aws_cli(endpoint, "logs", "describe-import-tasks")
    summaries = aws_cli(endpoint, "logs", "list-aggregate-log-group-summaries", "--group-by",
                        "DATA_SOURCE_NAME_AND_TYPE")
    assert "aggregateLogGroupSummaries" in summaries
    assert "ResourceNotFoundException" in aws_cli_error(endpoint, "logs", "cancel-import-task", "--import-id", "nope")
