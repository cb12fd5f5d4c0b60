"""The monitoring chain across services: a Logs metric filter counts ERROR lines into a CloudWatch metric, an
alarm on that metric goes to ALARM on the virtual clock, and its action publishes to an SNS topic that
delivers to a real HTTP subscriber."""
from __future__ import annotations

import json
import time
from datetime import timedelta

import requests

from tests.support import advance_clock, unique, virtual_now


def test_a_metric_filter_drives_an_alarm_that_notifies_an_http_subscriber(client, endpoint, receiver):
    logs, cloudwatch, sns = client("logs"), client("cloudwatch"), client("sns")
    group, namespace = unique("/app/errors"), unique("App")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="web")
    logs.put_metric_filter(logGroupName=group, filterName="errors", filterPattern="ERROR", metricTransformations=[
        {"metricName": "Errors", "metricNamespace": namespace, "metricValue": "1", "defaultValue": 0}])
    topic = sns.create_topic(Name=unique("on-call"))["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url)
    confirmation = json.loads(receiver.wait_for(1, "SubscriptionConfirmation")[-1]["body"])
    requests.get(confirmation["SubscribeURL"], timeout=10)
    alarm = unique("errors-alarm")
    cloudwatch.put_metric_alarm(AlarmName=alarm, Namespace=namespace, MetricName="Errors", Statistic="Sum",
                                Period=60, EvaluationPeriods=1, Threshold=2, ComparisonOperator="GreaterThanThreshold",
                                TreatMissingData="notBreaching", AlarmActions=[topic])

    now_ms = int(virtual_now(endpoint).timestamp() * 1000)
    lines = ["ERROR db timeout", "INFO ok", "ERROR db timeout", "ERROR disk full", "INFO ok"]
    logs.put_log_events(logGroupName=group, logStreamName="web",
                        logEvents=[{"timestamp": now_ms + i, "message": line} for i, line in enumerate(lines)])
    deadline = time.monotonic() + 20
    while True:  # the metric travels off the request path
        points = cloudwatch.get_metric_data(MetricDataQueries=[{"Id": "e", "MetricStat": {"Metric": {
            "Namespace": namespace, "MetricName": "Errors"}, "Period": 60, "Stat": "Sum"}}],
            StartTime=virtual_now(endpoint).replace(second=0) - timedelta(minutes=5),
            EndTime=virtual_now(endpoint) + timedelta(minutes=5))["MetricDataResults"][0]["Values"]
        if sum(points) >= 3 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert sum(points) == 3

    advance_clock(endpoint, 60)
    notification = next(n for n in receiver.wait_for(1, "Notification", timeout=20)
                        if alarm in json.loads(n["body"]).get("Message", ""))
    message = json.loads(json.loads(notification["body"])["Message"])
    assert (message["AlarmName"], message["NewStateValue"]) == (alarm, "ALARM")
    assert cloudwatch.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]["StateValue"] == "ALARM"
