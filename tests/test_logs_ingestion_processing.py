"""CloudWatch Logs applies a group's transformer when PutLogEvents accepts events (subscription and metric filters
see the transformed events when they ask to), and masks Insights results and GetLogRecord for groups with a data
protection policy."""
from __future__ import annotations

import json

from nimbus.core.metrics import METRIC
from tests.support import error_of, group_with_stream, insights_finished, virtual_now_ms

EMAILS = ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"]
POLICY = json.dumps({"Name": "protect", "Version": "2021-06-01", "Statement": [
    {"Sid": "audit", "DataIdentifier": EMAILS, "Operation": {"Audit": {"FindingsDestination": {}}}},
    {"Sid": "redact", "DataIdentifier": EMAILS, "Operation": {"Deidentify": {"MaskConfig": {}}}}]})


def test_put_log_events_stores_what_the_transformer_makes(aws, endpoint):
    logs = aws("logs")
    group = group_with_stream(logs)
    logs.put_transformer(logGroupIdentifier=group, transformerConfig=[
        {"parseJSON": {}}, {"addKeys": {"entries": [{"key": "env", "value": "prod"}]}},
        {"renameKeys": {"entries": [{"key": "msg", "renameTo": "text"}]}},
        {"copyValue": {"entries": [{"source": "level", "target": "severity"}]}},
        {"lowerCaseString": {"withKeys": ["level"]}}, {"trimString": {"withKeys": ["text"]}},
        {"deleteKeys": {"withKeys": ["secret"]}}])
    now = virtual_now_ms(endpoint)
    logs.put_log_events(logGroupName=group, logStreamName="app", logEvents=[
        {"timestamp": now, "message": '{"level":"ERROR","msg":"  disk full ","secret":"x"}'},
        {"timestamp": now, "message": "not json"}])
    read = [e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName="app",
                                                      startFromHead=True)["events"]]
    assert [json.loads(read[0]), read[1]] == [
        {"level": "error", "text": "disk full", "env": "prod", "severity": "ERROR"}, "not json"]
    assert [e["message"] for e in logs.filter_log_events(logGroupName=group, filterPattern='{ $.env = "prod" }')[
        "events"]] == [read[0]]


def test_parse_key_value_transformer_and_metric_filters_on_transformed_logs(aws, account, endpoint, server):
    logs = aws("logs")
    group = group_with_stream(logs)
    config = [{"parseKeyValue": {"fieldDelimiter": " ", "keyValueDelimiter": "="}},
              {"upperCaseString": {"withKeys": ["user"]}}]
    assert json.loads(logs.test_transformer(transformerConfig=config, logEventMessages=["user=bob status=200"])[
        "transformedLogs"][0]["transformedEventMessage"]) == {"user": "BOB", "status": "200"}
    logs.put_transformer(logGroupIdentifier=group, transformerConfig=config)
    namespace = f"Transformed{account}"
    for name, on_transformed in (("transformed", True), ("original", False)):
        logs.put_metric_filter(logGroupName=group, filterName=name, filterPattern='{ $.user = "BOB" }',
                               applyOnTransformedLogs=on_transformed, metricTransformations=[
                                   {"metricName": name, "metricNamespace": namespace, "metricValue": "1"}])
    seen: list = []
    server.runtime.events.subscribe(METRIC, seen.append)
    try:
        logs.put_log_events(logGroupName=group, logStreamName="app", logEvents=[
            {"timestamp": virtual_now_ms(endpoint), "message": "user=bob status=200"}])
        server.runtime.events.flush()
    finally:
        server.runtime.events.unsubscribe(METRIC, seen.append)
    assert [d.name for d in seen if d.namespace == namespace] == ["transformed"]
    stored = logs.get_log_events(logGroupName=group, logStreamName="app")["events"][0]["message"]
    assert json.loads(stored) == {"user": "BOB", "status": "200"}


def test_insights_results_and_log_records_are_masked(aws, endpoint):
    logs = aws("logs")
    group = group_with_stream(logs)
    now = virtual_now_ms(endpoint)
    logs.put_log_events(logGroupName=group, logStreamName="app", logEvents=[
        {"timestamp": now, "message": '{"user":"bob@example.com","action":"login"}'}])
    logs.put_data_protection_policy(logGroupIdentifier=group, policyDocument=POLICY)
    query_id = logs.start_query(logGroupName=group, startTime=now // 1000 - 60, endTime=now // 1000 + 60,
                                queryString="fields @message, user, @ptr")["queryId"]
    answer = insights_finished(logs, query_id)
    row = {cell["field"]: cell["value"] for cell in answer["results"][0]}
    assert row["user"] == "*" * 15 and "bob@example.com" not in row["@message"]
    record = logs.get_log_record(logRecordPointer=row["@ptr"])["logRecord"]
    assert record["user"] == "*" * 15 and "bob@example.com" not in record["@message"]
    unmasked = logs.get_log_record(logRecordPointer=row["@ptr"], unmask=True)["logRecord"]
    assert unmasked["user"] == "bob@example.com"


def test_grok_transformer_parses_at_ingestion_and_refuses_unknown_patterns(aws, endpoint):
    logs = aws("logs")
    group = group_with_stream(logs)
    match = "%{IP:client} %{WORD:method} %{URIPATHPARAM:path} %{NUMBER:bytes:int} %{LOGLEVEL:level}"
    logs.put_transformer(logGroupIdentifier=group, transformerConfig=[{"grok": {"match": match}}])
    logs.put_log_events(logGroupName=group, logStreamName="app", logEvents=[
        {"timestamp": virtual_now_ms(endpoint), "message": "10.0.0.1 GET /a/b?x=1 512 ERROR"}])
    stored = logs.get_log_events(logGroupName=group, logStreamName="app")["events"][0]["message"]
    assert json.loads(stored) == {"client": "10.0.0.1", "method": "GET", "path": "/a/b?x=1", "bytes": 512,
                                  "level": "ERROR"}
    for bad in ("%{NOPE:x}", "%{WORD:a} (\\1)"):
        assert error_of(logs.put_transformer, logGroupIdentifier=group,
                        transformerConfig=[{"grok": {"match": bad}}]) == ("InvalidParameterException", 400)
