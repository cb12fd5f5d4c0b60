"""Contributor Insights reports over real CloudWatch Logs events: the top contributors of a JSON rule
(counted, and summed), filters, a wildcard log group, per-period datapoints and metrics, a CLF rule, and a
disabled rule reporting nothing."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.support import group_with_stream, unique, virtual_now_ms

EVENTS = [{"ip": "10.0.0.1", "status": 500, "bytes": 100}, {"ip": "10.0.0.1", "status": 503, "bytes": 50},
          {"ip": "10.0.0.2", "status": 500, "bytes": 400}, {"ip": "10.0.0.3", "status": 200, "bytes": 999},
          {"ip": "10.0.0.1", "status": 404, "bytes": 1}]


@pytest.fixture(scope="module")
def cw(aws):
    return aws("cloudwatch")


@pytest.fixture(scope="module")
def logged(aws, endpoint):
    """A log group of JSON access events and one of CLF lines, written a minute apart; and the first's time."""
    logs = aws("logs")
    group, clf = group_with_stream(logs), group_with_stream(logs)
    now = virtual_now_ms(endpoint) - 120_000
    logs.put_log_events(logGroupName=group, logStreamName="app", logEvents=[
        {"timestamp": now + (60_000 if i >= 3 else 0), "message": json.dumps(e)} for i, e in enumerate(EVENTS)])
    logs.put_log_events(logGroupName=clf, logStreamName="app", logEvents=[
        {"timestamp": now, "message": f"{ip} - - GET /x 500"} for ip in ("1.1.1.1", "1.1.1.1", "2.2.2.2")])
    return group, clf, datetime.fromtimestamp(now / 1000 // 60 * 60, tz=UTC)


def rule(cw, groups, contribution, aggregate="Count", log_format="JSON", **extra) -> str:
    name = unique("rule")
    cw.put_insight_rule(RuleName=name, RuleDefinition=json.dumps({
        "Schema": {"Name": "CloudWatchLogRule", "Version": 1}, "LogGroupNames": groups, "LogFormat": log_format,
        "Contribution": contribution, "AggregateOn": aggregate, **extra}))
    return name


def report(cw, name, start, **params):
    return cw.get_insight_rule_report(RuleName=name, StartTime=start, EndTime=start + timedelta(minutes=5),
                                      Period=60, **params)


def test_counted_contributors_with_a_filter(cw, logged):
    group, _, start = logged
    name = rule(cw, [group], {"Keys": ["$.ip"], "Filters": [{"Match": "$.status", "GreaterThan": 499}]})
    got = report(cw, name, start, Metrics=["UniqueContributors", "SampleCount", "MaxContributorValue"])
    assert got["KeyLabels"] == ["$.ip"] and got["AggregateValue"] == 3 and got["ApproximateUniqueCount"] == 2
    assert [(c["Keys"], c["ApproximateAggregateValue"]) for c in got["Contributors"]] == [
        (["10.0.0.1"], 2.0), (["10.0.0.2"], 1.0)]
    assert [p["ApproximateValue"] for p in got["Contributors"][0]["Datapoints"]] == [2.0]
    [point] = got["MetricDatapoints"]
    assert (point["UniqueContributors"], point["SampleCount"], point["MaxContributorValue"]) == (2, 3, 2)
    assert "Sum" not in point


def test_summed_contributors_over_a_wildcard_group(cw, logged):
    group, _, start = logged
    name = rule(cw, [group[:-3] + "*"], {"Keys": ["$.ip"], "ValueOf": "$.bytes",
                                         "Filters": [{"Match": "$.status", "NotIn": [404]}]}, aggregate="Sum")
    got = report(cw, name, start, MaxContributorCount=2)
    assert [(c["Keys"], c["ApproximateAggregateValue"]) for c in got["Contributors"]] == [
        (["10.0.0.3"], 999.0), (["10.0.0.2"], 400.0)]
    assert got["ApproximateUniqueCount"] == 3 and got["AggregateValue"] == 1549
    assert len(got["Contributors"][0]["Datapoints"]) == 1  # its event came a minute after the others


def test_clf_rule_and_a_disabled_one(cw, logged):
    _, clf, start = logged
    name = rule(cw, [clf], {"Keys": ["ip"], "Filters": [{"Match": "status", "EqualTo": 500}]}, log_format="CLF",
                Fields={"1": "ip", "6": "status"})
    assert [(c["Keys"], c["ApproximateAggregateValue"]) for c in report(cw, name, start)["Contributors"]] == [
        (["1.1.1.1"], 2.0), (["2.2.2.2"], 1.0)]
    cw.disable_insight_rules(RuleNames=[name])
    assert report(cw, name, start)["Contributors"] == []
