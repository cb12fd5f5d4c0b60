"""Log alarms: a CloudWatch Logs Insights query run on a schedule of the virtual clock as the alarm's role,
its aggregate compared with the threshold (M out of N runs), DescribeAlarms' LogAlarms, and AWS's errors."""
from __future__ import annotations

import json
import time

import pytest

from tests.support import advance_clock, error_of, group_with_stream, unique, virtual_now_ms

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
QUERY_LOGS = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["logs:StartQuery", "logs:GetQueryResults"], "Resource": "*"}]})


@pytest.fixture(scope="module")
def cw(aws):
    return aws("cloudwatch")


@pytest.fixture(scope="module")
def role(aws):
    iam = aws("iam")
    name = unique("log-alarm-role")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="query", PolicyDocument=QUERY_LOGS)
    return arn


def log_alarm(cw, name, group, role, **overrides):
    params = {"AlarmName": name, "ScheduledQueryConfiguration": {
        "QueryString": "filter @message like /ERROR/", "LogGroupIdentifiers": [group],
        "ScheduledQueryRoleARN": role, "AggregationExpression": "count(*)",
        "ScheduleConfiguration": {"ScheduleExpression": "rate(1 minute)", "StartTimeOffset": 600}},
        "QueryResultsToEvaluate": 1, "QueryResultsToAlarm": 1, "Threshold": 2,
        "ComparisonOperator": "GreaterThanThreshold", **overrides}
    cw.put_log_alarm(**params)


def state_of(cw, name):
    return cw.describe_alarms(AlarmNames=[name], AlarmTypes=["LogAlarm"])["LogAlarms"][0]


def settle(cw, endpoint, name, expected, deadline=30.0):
    """Move the clock a minute on until the alarm's next run has judged it ``expected``."""
    limit = time.monotonic() + deadline
    while (alarm := state_of(cw, name))["StateValue"] != expected and time.monotonic() < limit:
        advance_clock(endpoint, 61)
    return alarm


def test_log_alarm_follows_its_query(aws, cw, endpoint, role):
    logs = aws("logs")
    group, name = group_with_stream(logs), unique("errors")
    log_alarm(cw, name, group, role, AlarmDescription="too many errors")
    alarm = state_of(cw, name)
    assert (alarm["StateValue"], alarm["AlarmDescription"]) == ("INSUFFICIENT_DATA", "too many errors")
    assert alarm["ScheduledQueryConfiguration"]["AggregationExpression"] == "count(*)"
    assert cw.describe_alarms(AlarmNames=[name])["MetricAlarms"] == []  # MetricAlarm is the default type
    now = virtual_now_ms(endpoint)
    logs.put_log_events(logGroupName=group, logStreamName="app", logEvents=[
        {"timestamp": now - 1000 + i, "message": message}
        for i, message in enumerate(["ERROR a", "ERROR b", "fine", "ERROR c"])])
    alarm = settle(cw, endpoint, name, "ALARM")
    assert alarm["StateValue"] == "ALARM" and "Threshold Crossed" in alarm["StateReason"]
    log_alarm(cw, name, group, role, Threshold=5)  # the same events no longer breach
    assert settle(cw, endpoint, name, "OK")["StateValue"] == "OK"
    cw.delete_alarms(AlarmNames=[name])
    assert cw.describe_alarms(AlarmNames=[name], AlarmTypes=["LogAlarm"])["LogAlarms"] == []


def test_log_alarm_errors(cw, role, account):
    group = "/none"
    assert error_of(log_alarm, cw, unique("bad"), group, role, QueryResultsToEvaluate=1, QueryResultsToAlarm=2) == (
        "ValidationError", 400)
    assert error_of(log_alarm, cw, unique("bad"), group, f"arn:aws:iam::{account}:role/{unique('none')}") == (
        "ValidationError", 400)
    bad_schedule = {"QueryString": "", "LogGroupIdentifiers": [group], "ScheduledQueryRoleARN": role,
                    "AggregationExpression": "count(*)",
                    "ScheduleConfiguration": {"ScheduleExpression": "every minute", "StartTimeOffset": 60}}
    assert error_of(log_alarm, cw, unique("bad"), group, role, ScheduledQueryConfiguration=bad_schedule) == (
        "InvalidParameterValue", 400)
