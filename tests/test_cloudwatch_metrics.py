"""CloudWatch metrics: PutMetricData (values, value lists, statistic sets, high resolution, units), its
errors, GetMetricStatistics with extended statistics, ListMetrics, rollup on the virtual clock; the AWS CLI
(which speaks JSON 1.0 in query mode) and the query protocol older SDKs speak."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from math import isclose
from xml.etree import ElementTree

import pytest

from nimbus.core.metrics import publish_metric
from tests.support import (
    advance_clock,
    aws_cli,
    aws_cli_error,
    error_of,
    make_client,
    send_signed,
    start_server,
    unique,
    virtual_now,
)


@pytest.fixture(scope="module")
def cw(aws):
    return aws("cloudwatch")


def stats(cw, namespace, name, start, end, period=60, dims=(), **extra):
    return cw.get_metric_statistics(Namespace=namespace, MetricName=name, Dimensions=list(dims),
                                     StartTime=start, EndTime=end, Period=period, **extra)["Datapoints"]


def test_values_counts_and_statistic_sets_aggregate(cw, endpoint):
    namespace, now = unique("App"), virtual_now(endpoint)
    at = now.replace(second=0, microsecond=0) - timedelta(minutes=5)
    dims = [{"Name": "Host", "Value": "a"}]
    cw.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "Latency", "Dimensions": dims, "Timestamp": at, "Value": 10, "Unit": "Milliseconds"},
        {"MetricName": "Latency", "Dimensions": dims, "Timestamp": at, "Values": [20, 30], "Counts": [1, 2],
         "Unit": "Milliseconds"},
        {"MetricName": "Latency", "Dimensions": dims, "Timestamp": at, "Unit": "Milliseconds",
         "StatisticValues": {"SampleCount": 2, "Sum": 100, "Minimum": 40, "Maximum": 60}}])
    [point] = stats(cw, namespace, "Latency", at, at + timedelta(minutes=1), dims=dims,
                    Statistics=["SampleCount", "Sum", "Average", "Minimum", "Maximum"])
    assert (point["SampleCount"], point["Sum"], point["Minimum"], point["Maximum"]) == (6, 190, 10, 60)
    assert isclose(point["Average"], 190 / 6) and point["Unit"] == "Milliseconds"
    assert stats(cw, namespace, "Latency", at, at + timedelta(minutes=1), Statistics=["Sum"]) == []  # dims


def test_percentiles_and_trimmed_means(cw, endpoint):
    namespace, now = unique("App"), virtual_now(endpoint)
    at = now.replace(second=0, microsecond=0) - timedelta(minutes=3)
    cw.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "Size", "Timestamp": at, "Values": [float(v) for v in range(1, 101)]}])
    [point] = stats(cw, namespace, "Size", at, at + timedelta(minutes=1),
                    ExtendedStatistics=["p99", "p50", "tm90", "tc90", "wm10:90", "PR(:50)"])
    got = point["ExtendedStatistics"]
    assert got["p99"] == 99 and got["p50"] == 50 and got["tc90"] == 90
    assert isclose(got["tm90"], 45.5) and got["PR(:50)"] == 50


def test_high_resolution_periods_and_rollup(cw, endpoint):
    namespace, now = unique("App"), virtual_now(endpoint)
    at = now.replace(microsecond=0) - timedelta(seconds=30)
    cw.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "Hits", "Timestamp": at + timedelta(seconds=i), "Value": 1, "StorageResolution": 1}
        for i in range(10)])
    start = at - timedelta(seconds=at.second % 10)
    by_second = stats(cw, namespace, "Hits", at, at + timedelta(seconds=10), period=1, Statistics=["Sum"])
    assert len(by_second) == 10
    advance_clock(endpoint, 4 * 3600)  # past 3 hours: 1-second data becomes 1-minute data
    assert stats(cw, namespace, "Hits", at, at + timedelta(seconds=10), period=1, Statistics=["Sum"]) == []
    total = stats(cw, namespace, "Hits", start - timedelta(minutes=2), start + timedelta(minutes=2), period=240,
                  Statistics=["Sum"])
    assert sum(p["Sum"] for p in total) == 10


def test_put_metric_data_errors(cw, endpoint):
    at = virtual_now(endpoint)
    both = error_of(cw.put_metric_data, Namespace="App", MetricData=[
        {"MetricName": "M", "Value": 1, "StatisticValues": {"SampleCount": 1, "Sum": 1, "Minimum": 1,
                                                               "Maximum": 1}}])
    assert both == ("InvalidParameterCombination", 400)
    assert "mutually exclusive" in both.message
    assert error_of(cw.put_metric_data, Namespace="AWS/EC2", MetricData=[{"MetricName": "M", "Value": 1}]) == (
        "InvalidParameterValue", 400)
    assert error_of(cw.put_metric_data, Namespace="App", MetricData=[
        {"MetricName": "M", "Value": 1, "StorageResolution": 5}]).message == (
        "The value 5 for parameter MetricData.member.1.StorageResolution is invalid.")
    assert error_of(cw.put_metric_data, Namespace="App", MetricData=[
        {"MetricName": "M", "Values": [1, 2], "Counts": [1]}]) == ("InvalidParameterValue", 400)
    assert error_of(cw.put_metric_data, Namespace="App", MetricData=[{"MetricName": "M"}]) == (
        "MissingParameter", 400)
    assert error_of(cw.put_metric_data, Namespace="App", MetricData=[
        {"MetricName": "M", "Value": 1, "Timestamp": at - timedelta(days=15)}]) == ("InvalidParameterValue", 400)
    assert error_of(cw.put_metric_data, Namespace="App", MetricData=[
        {"MetricName": f"M{i}", "Value": 1} for i in range(1001)]) == ("InvalidParameterValue", 400)
    assert error_of(cw.get_metric_statistics, Namespace="App", MetricName="M", StartTime=at,
                    EndTime=at + timedelta(hours=1), Period=60) == ("InvalidParameterCombination", 400)


def test_list_metrics_filters_and_pages(cw, endpoint):
    namespace = unique("List")
    cw.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "Requests", "Dimensions": [{"Name": "Api", "Value": f"api{i:03d}"}], "Value": i}
        for i in range(600)] + [{"MetricName": "Errors", "Value": 1}])
    first = cw.list_metrics(Namespace=namespace, MetricName="Requests")
    assert len(first["Metrics"]) == 500 and first["NextToken"]
    rest = cw.list_metrics(Namespace=namespace, MetricName="Requests", NextToken=first["NextToken"])
    assert len(rest["Metrics"]) == 100 and "NextToken" not in rest
    one = cw.list_metrics(Namespace=namespace, Dimensions=[{"Name": "Api", "Value": "api007"}])["Metrics"]
    assert one == [{"Namespace": namespace, "MetricName": "Requests",
                    "Dimensions": [{"Name": "Api", "Value": "api007"}]}]
    assert len(cw.list_metrics(Namespace=namespace, RecentlyActive="PT3H")["Metrics"]) == 500
    advance_clock(endpoint, 4 * 3600)
    assert cw.list_metrics(Namespace=namespace, RecentlyActive="PT3H")["Metrics"] == []
    assert len(cw.list_metrics(Namespace=namespace, MetricName="Errors")["Metrics"]) == 1


def test_the_query_protocol(endpoint):
    form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    namespace = unique("Query")
    put = send_signed(endpoint, "monitoring", f"Action=PutMetricData&Version=2010-08-01&Namespace={namespace}"
                      "&MetricData.member.1.MetricName=Orders&MetricData.member.1.Value=3"
                      "&MetricData.member.1.Dimensions.member.1.Name=Shop"
                      "&MetricData.member.1.Dimensions.member.1.Value=a", form)
    assert put.status_code == 200
    listed = send_signed(endpoint, "monitoring", f"Action=ListMetrics&Version=2010-08-01&Namespace={namespace}", form)
    tree = ElementTree.fromstring(listed.text)
    xmlns = {"cw": "http://monitoring.amazonaws.com/doc/2010-08-01/"}
    assert [e.text for e in tree.iterfind(".//cw:Metrics/cw:member/cw:MetricName", xmlns)] == ["Orders"]
    assert [e.text for e in tree.iterfind(".//cw:Dimensions/cw:member/cw:Value", xmlns)] == ["a"]
    refused = send_signed(endpoint, "monitoring", "Action=PutMetricData&Version=2010-08-01&Namespace=AWS/X"
                          "&MetricData.member.1.MetricName=M&MetricData.member.1.Value=1", form)
    error = ElementTree.fromstring(refused.text).find(".//cw:Error", xmlns)
    assert refused.status_code == 400 and error is not None
    assert (error.findtext("cw:Code", None, xmlns), error.findtext("cw:Type", None, xmlns)) == (
        "InvalidParameterValue", "Sender")


def test_the_cli(endpoint):
    namespace = unique("Cli")
    aws_cli(endpoint, "cloudwatch", "put-metric-data", "--namespace", namespace, "--metric-name", "Orders",
            "--value", "3", "--unit", "Count")
    listed = aws_cli(endpoint, "cloudwatch", "list-metrics", "--namespace", namespace)
    assert listed["Metrics"][0]["MetricName"] == "Orders"
    now = virtual_now(endpoint)
    got = aws_cli(endpoint, "cloudwatch", "get-metric-statistics", "--namespace", namespace, "--metric-name",
                  "Orders", "--statistics", "Sum", "--period", "60", "--start-time",
                  (now - timedelta(minutes=5)).isoformat(), "--end-time", (now + timedelta(minutes=1)).isoformat())
    assert [p["Sum"] for p in got["Datapoints"]] == [3.0]
    assert "InvalidParameterValue" in aws_cli_error(endpoint, "cloudwatch", "put-metric-data", "--namespace",
                                                    "AWS/X", "--metric-name", "M", "--value", "1")


def test_published_metrics_are_stored_from_the_start(tmp_path):
    """A service's own metric, published on the event bus, is the account's metric: CloudWatch subscribed at
    start-up, before any call to it."""
    with start_server(tmp_path) as own:
        runtime = own.runtime
        publish_metric(runtime.events, datetime.now(UTC) + timedelta(seconds=runtime.clock.offset),
                       "123456789012", "us-east-1", "AWS/Kinesis", "IncomingRecords", {"StreamName": "s"}, 5,
                       "Count")
        runtime.events.flush()
        cw = make_client(own.endpoint, "cloudwatch", key="123456789012")
        assert cw.list_metrics(Namespace="AWS/Kinesis")["Metrics"] == [
            {"Namespace": "AWS/Kinesis", "MetricName": "IncomingRecords",
             "Dimensions": [{"Name": "StreamName", "Value": "s"}]}]
