"""CloudWatch Logs metric filters: the operations, TestMetricFilter, and the metrics published on the event bus
(metric filters' transformations and Logs' own AWS/Logs ingestion metrics)."""
from __future__ import annotations

import time

import pytest

from nimbus.core.metrics import METRIC
from tests.support import active_stream, error_of, group_with_stream, logs_role, unique, virtual_now_ms


@pytest.fixture
def published(server):
    """Every metric datum the in-process server publishes while the test runs."""
    seen: list = []
    server.runtime.events.subscribe(METRIC, seen.append)
    yield lambda: (server.runtime.events.flush(), list(seen))[1]
    server.runtime.events.unsubscribe(METRIC, seen.append)


def of_account(data: list, account: str, namespace: str) -> list[tuple]:
    return [(d.name, dict(d.dimensions), d.value, d.unit) for d in data
            if d.account_id == account and d.namespace == namespace]


def test_json_metric_filter_publishes_values_dimensions_and_units(aws, account, endpoint, published):
    logs = aws("logs")
    group = group_with_stream(logs)
    logs.put_metric_filter(logGroupName=group, filterName="latency", filterPattern='{ $.status = 200 }',
                           metricTransformations=[{
                               "metricName": "Latency", "metricNamespace": "App", "metricValue": "$.ms",
                               "unit": "Milliseconds", "dimensions": {"Path": "$.path"}}])
    logs.put_metric_filter(logGroupName=group, filterName="errors", filterPattern='{ $.status >= 500 }',
                           metricTransformations=[{"metricName": "Errors", "metricNamespace": "App",
                                                   "metricValue": "1", "defaultValue": 0}])
    now = virtual_now_ms(endpoint)
    logs.put_log_events(logGroupName=group, logStreamName="app", logEvents=[
        {"timestamp": now, "message": '{"status": 200, "ms": 12.5, "path": "/a"}'},
        {"timestamp": now + 1, "message": '{"status": 200, "path": "/b"}'},  # no value: nothing published
        {"timestamp": now + 2, "message": "not json"}])
    assert sorted(of_account(published(), account, "App")) == [
        ("Errors", {}, 0.0, "None"), ("Latency", {"Path": "/a"}, 12.5, "Milliseconds")]
    logs_metrics = of_account(published(), account, "AWS/Logs")
    assert ("IncomingLogEvents", {"LogGroupName": group}, 3.0, "None") in logs_metrics
    assert ("IncomingLogEvents", {}, 3.0, "None") in logs_metrics
    size = len('{"status": 200, "ms": 12.5, "path": "/a"}') + len('{"status": 200, "path": "/b"}') + len("not json")
    assert ("IncomingBytes", {"LogGroupName": group}, float(size), "Bytes") in logs_metrics
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["metricFilterCount"] == 2
    described = logs.describe_metric_filters(logGroupName=group)["metricFilters"]
    assert [f["filterName"] for f in described] == ["errors", "latency"]
    by_metric = logs.describe_metric_filters(metricName="Errors", metricNamespace="App")["metricFilters"]
    assert [(f["logGroupName"], f["filterName"]) for f in by_metric] == [(group, "errors")]


def test_space_delimited_metric_value_and_test_metric_filter(aws, account, endpoint, published):
    logs = aws("logs")
    group = group_with_stream(logs)
    pattern = "[ip, user, verb, status = 5*, bytes]"
    logs.put_metric_filter(logGroupName=group, filterName="bytes", filterPattern=pattern, metricTransformations=[
        {"metricName": "FailedBytes", "metricNamespace": "Web", "metricValue": "$bytes", "unit": "Bytes",
         "dimensions": {"Verb": "$verb"}}])
    logs.put_log_events(logGroupName=group, logStreamName="app", logEvents=[
        {"timestamp": virtual_now_ms(endpoint), "message": "10.0.0.1 bob GET 503 1200"},
        {"timestamp": virtual_now_ms(endpoint), "message": "10.0.0.2 amy PUT 200 99"}])
    assert of_account(published(), account, "Web") == [("FailedBytes", {"Verb": "GET"}, 1200.0, "Bytes")]
    matches = logs.test_metric_filter(filterPattern=pattern, logEventMessages=[
        "10.0.0.1 bob GET 503 1200", "10.0.0.2 amy PUT 200 99"])["matches"]
    assert [(m["eventNumber"], m["extractedValues"]["$user"], m["extractedValues"]["$5"]) for m in matches] == [
        (1, "bob", "1200")]


def test_metric_filter_errors_and_deletion(aws):
    logs = aws("logs")
    group = group_with_stream(logs)
    put = logs.put_metric_filter
    good = [{"metricName": "M", "metricNamespace": "N", "metricValue": "1"}]
    assert error_of(put, logGroupName=group, filterName="f", filterPattern="{ $.a = ",
                    metricTransformations=good) == ("InvalidParameterException", 400)
    assert error_of(put, logGroupName=group, filterName="f", filterPattern="", metricTransformations=[
        {**good[0], "metricValue": "lots"}]) == ("InvalidParameterException", 400)
    assert error_of(put, logGroupName=group, filterName="f", filterPattern="{ $.a = 1 }", metricTransformations=[
        {**good[0], "defaultValue": 0, "dimensions": {"A": "$.a"}}]) == ("InvalidParameterException", 400)
    assert error_of(put, logGroupName=unique("none"), filterName="f", filterPattern="",
                    metricTransformations=good) == ("ResourceNotFoundException", 400)
    assert error_of(logs.describe_metric_filters, metricName="M") == ("InvalidParameterException", 400)
    put(logGroupName=group, filterName="f", filterPattern="", metricTransformations=good)
    logs.delete_metric_filter(logGroupName=group, filterName="f")
    put(logGroupName=group, filterName="kept", filterPattern="", metricTransformations=good)
    logs.delete_log_group(logGroupName=group)
    logs.create_log_group(logGroupName=group)  # a new group of the name starts without the old filters
    assert logs.describe_metric_filters(logGroupName=group)["metricFilters"] == []
    assert error_of(logs.delete_metric_filter, logGroupName=group, filterName="f") == \
        ("ResourceNotFoundException", 400)


def test_subscription_deliveries_publish_forwarded_metrics(aws, account, endpoint, published):
    logs, kinesis = aws("logs"), aws("kinesis")
    name = active_stream(kinesis, endpoint)
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    group = group_with_stream(logs)
    logs.put_subscription_filter(logGroupName=group, filterName="all", filterPattern="", destinationArn=arn,
                                 roleArn=logs_role(aws("iam")))
    logs.put_log_events(logGroupName=group, logStreamName="app", logEvents=[
        {"timestamp": virtual_now_ms(endpoint), "message": "abc"}, {"timestamp": virtual_now_ms(endpoint), "message": "de"}])
    dimensions = {"LogGroupName": group, "DestinationType": "Kinesis", "FilterName": "all"}
    until = time.monotonic() + 20
    while ("ForwardedLogEvents", dimensions, 2.0, "None") not in of_account(published(), account, "AWS/Logs"):
        assert time.monotonic() < until, of_account(published(), account, "AWS/Logs")
        time.sleep(0.1)
    assert ("ForwardedBytes", dimensions, 5.0, "Bytes") in of_account(published(), account, "AWS/Logs")
