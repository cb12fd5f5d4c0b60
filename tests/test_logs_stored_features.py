"""CloudWatch Logs features stored with AWS's validation: deliveries, anomaly detectors, transformers, field
index policies, integrations; the INFREQUENT_ACCESS class's refusals; KMS keys checked against their policy."""
from __future__ import annotations

import json

import pytest

from tests.support import account_key, error_of, group_with_stream, logs_key, unique


def test_delivery_source_destination_policy_and_delivery(aws, account):
    logs = aws("logs")
    source = logs.put_delivery_source(name="src", resourceArn=f"arn:aws:bedrock:us-east-1:{account}:knowledge-base/kb",
                                      logType="APPLICATION_LOGS")["deliverySource"]
    assert source["service"] == "bedrock" and source["arn"].endswith(":delivery-source:src")
    destination = logs.put_delivery_destination(name="dst", deliveryDestinationConfiguration={
        "destinationResourceArn": "arn:aws:s3:::my-bucket"})["deliveryDestination"]
    assert destination["deliveryDestinationType"] == "S3"
    policy = json.dumps({"Version": "2012-10-17", "Statement": []})
    logs.put_delivery_destination_policy(deliveryDestinationName="dst", deliveryDestinationPolicy=policy)
    assert logs.get_delivery_destination_policy(deliveryDestinationName="dst")["policy"] == {
        "deliveryDestinationPolicy": policy}
    delivery = logs.create_delivery(deliverySourceName="src", deliveryDestinationArn=destination["arn"])["delivery"]
    assert error_of(logs.create_delivery, deliverySourceName="src", deliveryDestinationArn=destination["arn"]) == \
        ("ConflictException", 400)
    assert error_of(logs.delete_delivery_source, name="src") == ("ConflictException", 400)
    logs.update_delivery_configuration(id=delivery["id"], fieldDelimiter=",")
    assert logs.get_delivery(id=delivery["id"])["delivery"]["fieldDelimiter"] == ","
    assert [d["id"] for d in logs.describe_deliveries()["deliveries"]] == [delivery["id"]]
    logs.delete_delivery(id=delivery["id"])
    logs.delete_delivery_source(name="src")
    logs.delete_delivery_destination(name="dst")
    assert error_of(logs.get_delivery, id=delivery["id"]) == ("ResourceNotFoundException", 400)
    assert error_of(logs.put_delivery_destination, name="x", deliveryDestinationConfiguration={
        "destinationResourceArn": "arn:aws:sqs:us-east-1:1:q"}) == ("InvalidParameterException", 400)


def test_anomaly_detectors_transformers_indexes_and_integrations(aws, account):
    logs = aws("logs")
    group = group_with_stream(logs)
    arn = f"arn:aws:logs:us-east-1:{account}:log-group:{group}"
    detector = logs.create_log_anomaly_detector(logGroupArnList=[arn], detectorName="d",
                                                evaluationFrequency="TEN_MIN")["anomalyDetectorArn"]
    assert logs.get_log_anomaly_detector(anomalyDetectorArn=detector)["evaluationFrequency"] == "TEN_MIN"
    logs.update_log_anomaly_detector(anomalyDetectorArn=detector, enabled=False)
    assert logs.list_log_anomaly_detectors(filterLogGroupArn=arn)["anomalyDetectors"][0]["anomalyDetectorStatus"] \
        == "PAUSED"
    assert logs.list_anomalies(anomalyDetectorArn=detector)["anomalies"] == []
    logs.delete_log_anomaly_detector(anomalyDetectorArn=detector)
    assert error_of(logs.get_log_anomaly_detector, anomalyDetectorArn=detector) == ("ResourceNotFoundException", 400)

    config = [{"parseJSON": {}}, {"addKeys": {"entries": [{"key": "env", "value": "prod"}]}},
              {"upperCaseString": {"withKeys": ["level"]}}, {"deleteKeys": {"withKeys": ["secret"]}}]
    logs.put_transformer(logGroupIdentifier=group, transformerConfig=config)
    assert logs.get_transformer(logGroupIdentifier=group)["transformerConfig"] == config
    tested = logs.test_transformer(transformerConfig=config, logEventMessages=['{"level":"warn","secret":1}', "x"])
    assert json.loads(tested["transformedLogs"][0]["transformedEventMessage"]) == {"level": "WARN", "env": "prod"}
    assert "transformedEventMessage" not in tested["transformedLogs"][1]
    assert error_of(logs.put_transformer, logGroupIdentifier=group,
                    transformerConfig=[{"addKeys": {"entries": [{"key": "a", "value": "b"}]}}]) == \
        ("InvalidParameterException", 400)
    logs.delete_transformer(logGroupIdentifier=group)

    logs.put_index_policy(logGroupIdentifier=group, policyDocument=json.dumps({"Fields": ["requestId"]}))
    assert [i["fieldIndexName"] for i in logs.describe_field_indexes(logGroupIdentifiers=[group])["fieldIndexes"]] \
        == ["requestId"]
    assert len(logs.describe_index_policies(logGroupIdentifiers=[group])["indexPolicies"]) == 1
    logs.delete_index_policy(logGroupIdentifier=group)
    assert error_of(logs.put_index_policy, logGroupIdentifier=group, policyDocument="{}") == \
        ("InvalidParameterException", 400)

    name = unique("search")
    logs.put_integration(integrationName=name, integrationType="OPENSEARCH", resourceConfig={
        "openSearchResourceConfig": {"dataSourceRoleArn": f"arn:aws:iam::{account}:role/r",
                                     "dashboardViewerPrincipals": [f"arn:aws:iam::{account}:root"],
                                     "retentionDays": 30}})
    assert logs.get_integration(integrationName=name)["integrationStatus"] == "ACTIVE"
    assert [i["integrationName"] for i in logs.list_integrations(integrationNamePrefix=name)["integrationSummaries"]] \
        == [name]
    logs.delete_integration(integrationName=name)


@pytest.mark.parametrize("call, params", [
    ("put_metric_filter", {"filterName": "f", "filterPattern": "", "metricTransformations": [
        {"metricName": "M", "metricNamespace": "N", "metricValue": "1"}]}),
    ("put_subscription_filter", {"filterName": "f", "filterPattern": "",
                                 "destinationArn": "arn:aws:kinesis:us-east-1:1:stream/s", "roleArn": "arn:aws:iam::1:role/r"}),
])
def test_infrequent_access_groups_refuse_what_aws_refuses(aws, call, params):
    logs = aws("logs")
    group = unique("/ia/g")
    logs.create_log_group(logGroupName=group, logGroupClass="INFREQUENT_ACCESS")
    error = error_of(getattr(logs, call), logGroupName=group, **params)
    assert error == ("InvalidParameterException", 400) and "INFREQUENT_ACCESS" in error.message


def test_kms_key_must_exist_and_let_logs_use_it(aws, client, account):
    logs, kms = aws("logs"), aws("kms")
    group = group_with_stream(logs)
    missing = f"arn:aws:kms:us-east-1:{account}:key/00000000-0000-0000-0000-000000000000"
    assert error_of(logs.associate_kms_key, logGroupName=group, kmsKeyId=missing) == ("InvalidParameterException", 400)
    assert error_of(logs.create_log_group, logGroupName=unique("/kms/g"), kmsKeyId=missing) == \
        ("InvalidParameterException", 400)
    assert error_of(logs.associate_kms_key, logGroupName=group, kmsKeyId="alias/nope") == \
        ("InvalidParameterException", 400)
    other = account_key()
    elsewhere = client("kms", key=other)
    closed = elsewhere.create_key()["KeyMetadata"]["Arn"]  # another account's default policy: Logs may not use it
    assert error_of(logs.associate_kms_key, logGroupName=group, kmsKeyId=closed) == ("InvalidParameterException", 400)
    # Its policy lets Logs use it for that account's groups only (the documented aws:logs:arn condition).
    assert error_of(logs.associate_kms_key, logGroupName=group, kmsKeyId=logs_key(elsewhere, other)) == \
        ("InvalidParameterException", 400)
    key = logs_key(kms, account)
    logs.associate_kms_key(logGroupName=group, kmsKeyId=key)
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["kmsKeyId"] == key


def test_list_log_groups_lookup_tables_and_groups_for_query(aws, endpoint):
    logs = aws("logs")
    group = group_with_stream(logs)
    logs.tag_log_group(logGroupName=group, tags={"team": "search"})
    found = logs.list_log_groups(logGroupNamePattern=group.upper(), logGroupTags=[{"key": "team", "values": ["search"]}])["logGroups"]
    assert [(g["logGroupName"], g["logGroupClass"]) for g in found] == [(group, "STANDARD")]
    assert logs.list_log_groups(logGroupNamePattern=group, logGroupTags=[{"key": "team", "values": ["x"]}])["logGroups"] == []
    query_id = logs.start_query(logGroupName=group, startTime=0, endTime=10, queryString="fields @message")["queryId"]
    assert logs.list_log_groups_for_query(queryId=query_id)["logGroupIdentifiers"] == [found[0]["logGroupArn"]]

    name = unique("hosts").replace("-", "_")
    arn = logs.create_lookup_table(lookupTableName=name, tableBody="host,owner\nweb-1,amy\nweb-2,bob\n")["lookupTableArn"]
    assert error_of(logs.create_lookup_table, lookupTableName=name, tableBody="a\n1\n") == \
        ("ResourceAlreadyExistsException", 400)
    described = logs.describe_lookup_tables(lookupTableNamePrefix=name)["lookupTables"][0]
    assert (described["tableFields"], described["recordsCount"]) == (["host", "owner"], 2)
    logs.update_lookup_table(lookupTableArn=arn, tableBody="host,owner\nweb-3,cy\n")
    assert logs.get_lookup_table(lookupTableArn=arn)["tableBody"] == "host,owner\nweb-3,cy\n"
    assert error_of(logs.update_lookup_table, lookupTableArn=arn, tableBody="a,b\n1\n") == \
        ("InvalidParameterException", 400)
    logs.delete_lookup_table(lookupTableArn=arn)
    assert error_of(logs.get_lookup_table, lookupTableArn=arn) == ("ResourceNotFoundException", 400)


def test_scheduled_queries_are_stored_with_their_validation(aws, account):
    logs = aws("logs")
    group = group_with_stream(logs)
    role = f"arn:aws:iam::{account}:role/scheduled"
    made = logs.create_scheduled_query(name="hourly", queryLanguage="CWLI", queryString="stats count(*)",
                                       scheduleExpression="rate(1 hour)", executionRoleArn=role,
                                       logGroupIdentifiers=[group])
    assert made["state"] == "ENABLED"
    assert error_of(logs.create_scheduled_query, name="hourly", queryLanguage="CWLI", queryString="stats count(*)",
                    scheduleExpression="rate(1 hour)", executionRoleArn=role) == ("ConflictException", 400)
    for bad in ({"scheduleExpression": "every hour"}, {"queryString": "frobnicate"}):
        assert error_of(logs.create_scheduled_query, **{
            "name": "bad", "queryLanguage": "CWLI", "queryString": "stats count(*)",
            "scheduleExpression": "rate(5 minutes)", "executionRoleArn": role, **bad})[0] in (
            "InvalidParameterException", "MalformedQueryException")
    logs.update_scheduled_query(identifier="hourly", queryLanguage="CWLI", queryString="stats count(*) by @logStream",
                                scheduleExpression="cron(0 * * * ? *)", executionRoleArn=role, state="DISABLED")
    got = logs.get_scheduled_query(identifier=made["scheduledQueryArn"])
    assert (got["state"], got["scheduleExpression"]) == ("DISABLED", "cron(0 * * * ? *)")
    assert [q["name"] for q in logs.list_scheduled_queries(state="DISABLED")["scheduledQueries"]] == ["hourly"]
    assert logs.get_scheduled_query_history(identifier="hourly", startTime=0, endTime=1)["triggerHistory"] == []
    logs.delete_scheduled_query(identifier="hourly")
    assert error_of(logs.get_scheduled_query, identifier="hourly") == ("ResourceNotFoundException", 400)


def test_storage_tier_syslog_and_bearer_token_settings(aws):
    logs = aws("logs")
    group = group_with_stream(logs)
    assert logs.get_storage_tier_policy()["storageTier"] == "STANDARD"
    logs.put_storage_tier_policy(storageTier="INTELLIGENT_TIERING")
    assert logs.get_storage_tier_policy()["storageTier"] == "INTELLIGENT_TIERING"
    assert error_of(aws("logs", parameter_validation=False).put_storage_tier_policy, storageTier="COLD") == \
        ("InvalidParameterException", 400)
    logs.put_syslog_configuration(logGroupIdentifier=group, vpcEndpointId="vpce-0123")
    listed = logs.list_syslog_configurations(logGroupIdentifier=group)["syslogConfigurations"]
    assert [(c["sourceType"], c["vpcEndpointId"]) for c in listed] == [("VPCE", "vpce-0123")]
    logs.delete_syslog_configuration(logGroupIdentifier=group, vpcEndpointId="vpce-0123")
    assert error_of(logs.delete_syslog_configuration, logGroupIdentifier=group, vpcEndpointId="vpce-0123") == \
        ("ResourceNotFoundException", 400)
    assert error_of(logs.put_syslog_configuration, logGroupIdentifier=group + "-gone") == \
        ("ResourceNotFoundException", 400)
    logs.put_bearer_token_authentication(logGroupIdentifier=group, bearerTokenAuthenticationEnabled=True)
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["bearerTokenAuthenticationEnabled"]
