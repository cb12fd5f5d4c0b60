"""CloudTrail Insights on their own server (the test moves the clock by hours): selectors, unusual call and
error rates measured against a quiet baseline, delivered to S3 and shown by LookupEvents."""
from __future__ import annotations

import gzip
import json
import re
from datetime import timedelta

import pytest

from tests.support import (
    account_key,
    advance_clock,
    error_of,
    make_client,
    start_server,
    trail_bucket,
    unique,
    virtual_now,
)

INSIGHT_KEY = re.compile(r"^AWSLogs/(\d{12})/CloudTrail-Insight/([a-z0-9-]+)/\d{4}/\d{2}/\d{2}/"
                         r"\1_CloudTrail-Insight_\2_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$")
BOTH = [{"InsightType": "ApiCallRateInsight"}, {"InsightType": "ApiErrorRateInsight"}]


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("insights")) as running:
        yield running


@pytest.fixture
def aws(own):
    account = account_key()

    def factory(service, **kw):
        return make_client(own.endpoint, service, key=account, **kw)
    factory.account = account
    return factory


def insight_trail(aws) -> tuple[str, str]:
    bucket = trail_bucket(aws("s3"), aws.account)
    name = unique("trail")
    aws("cloudtrail").create_trail(Name=name, S3BucketName=bucket)
    aws("cloudtrail").start_logging(Name=name)
    return name, bucket


def test_selectors_are_stored_validated_and_cleared(own, aws):
    ct = aws("cloudtrail")
    name, _ = insight_trail(aws)
    error = error_of(ct.get_insight_selectors, TrailName=name)
    assert error == ("InsightNotEnabledException", 400)
    put = ct.put_insight_selectors(TrailName=name, InsightSelectors=BOTH)
    assert [s["InsightType"] for s in put["InsightSelectors"]] == ["ApiCallRateInsight", "ApiErrorRateInsight"]
    assert ct.get_insight_selectors(TrailName=name)["InsightSelectors"] == put["InsightSelectors"]
    assert ct.get_trail(Name=name)["Trail"]["HasInsightSelectors"] is True
    duplicate = [{"InsightType": "ApiCallRateInsight"}] * 2
    assert error_of(ct.put_insight_selectors, TrailName=name, InsightSelectors=duplicate).code == \
        "InvalidInsightSelectorsException"
    assert error_of(ct.put_insight_selectors, TrailName=name, InsightSelectors=BOTH, EventDataStore="x-" * 20) \
        == ("InvalidParameterCombinationException", 400)
    assert error_of(ct.put_insight_selectors, TrailName="missing-trail", InsightSelectors=BOTH).code == \
        "TrailNotFoundException"
    ct.put_event_selectors(TrailName=name, EventSelectors=[{"ReadWriteType": "ReadOnly"}])
    assert error_of(ct.put_insight_selectors, TrailName=name,
                    InsightSelectors=[{"InsightType": "ApiCallRateInsight"}]).code == "InvalidInsightSelectorsException"
    # Insights on data events: nimbus measures management events only, so there are none to list.
    arn = ct.get_trail(Name=name)["Trail"]["TrailARN"]
    assert ct.list_insights_data(InsightSource=arn, DataType="InsightsEvents")["Events"] == []
    assert error_of(ct.list_insights_data, InsightSource=arn, DataType="InsightsEvents",
                    Dimensions={"EventName": "x", "EventSource": "y"}).code == "ValidationException"
    assert error_of(ct.list_insights_data, InsightSource=arn.replace(name, "no-such-trail"),
                    DataType="InsightsEvents").code == "TrailNotFoundException"
    ct.put_insight_selectors(TrailName=name, InsightSelectors=[])
    assert ct.get_trail(Name=name)["Trail"]["HasInsightSelectors"] is False
    assert error_of(ct.get_insight_selectors, TrailName=name).code == "InsightNotEnabledException"


def test_a_burst_after_a_quiet_baseline_starts_and_ends_an_insight(own, aws):
    ct, sns, s3 = aws("cloudtrail"), aws("sns"), aws("s3")
    name, bucket = insight_trail(aws)
    advance_clock(own.endpoint, 61 - virtual_second(own))  # Insights begin early in a minute: the next one counts
    ct.put_insight_selectors(TrailName=name, InsightSelectors=BOTH)
    for _ in range(8):  # a quiet baseline: one write and one failed read every 10 minutes, 80 minutes
        sns.create_topic(Name=unique("quiet"))
        error_of(sns.get_topic_attributes, TopicArn=f"arn:aws:sns:us-east-1:{aws.account}:missing")
        advance_clock(own.endpoint, 600)
    advance_clock(own.endpoint, 60 - virtual_second(own))  # the burst falls in one minute
    for _ in range(30):
        sns.create_topic(Name=unique("burst"))
        error_of(sns.get_topic_attributes, TopicArn=f"arn:aws:sns:us-east-1:{aws.account}:missing")
    advance_clock(own.endpoint, 180)
    events = ct.lookup_events(EventCategory="insight")["Events"]
    found = {(json.loads(e["CloudTrailEvent"])["insightDetails"]["insightType"],
              json.loads(e["CloudTrailEvent"])["insightDetails"]["state"]): json.loads(e["CloudTrailEvent"])
             for e in events}
    assert set(found) == {("ApiCallRateInsight", "Start"), ("ApiCallRateInsight", "End"),
                          ("ApiErrorRateInsight", "Start"), ("ApiErrorRateInsight", "End")}, found
    start, end = found[("ApiCallRateInsight", "Start")], found[("ApiCallRateInsight", "End")]
    assert start["eventType"] == "AwsCloudTrailInsight" and start["eventCategory"] == "Insight"
    assert start["sharedEventID"] == end["sharedEventID"]
    details = end["insightDetails"]
    assert (details["eventSource"], details["eventName"]) == ("sns.amazonaws.com", "CreateTopic")
    statistics = details["insightContext"]["statistics"]
    assert statistics["insight"]["average"] == 30.0 and statistics["insightDuration"] == 1
    assert statistics["baseline"]["average"] < 0.2 and statistics["baselineDuration"] >= 60
    users = next(a for a in details["insightContext"]["attributions"] if a["attribute"] == "userIdentityArn")
    assert users["insight"][0]["average"] == 30.0 and users["insight"][0]["value"].endswith(":root")
    errors = found[("ApiErrorRateInsight", "End")]["insightDetails"]
    assert (errors["eventName"], errors["errorCode"]) == ("GetTopicAttributes", "NotFound")
    assert errors["insightContext"]["statistics"]["insight"]["average"] == 1.0
    by_name = ct.lookup_events(EventCategory="insight",
                               LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateTopic"}])
    assert len(by_name["Events"]) == 2 and all(e["EventSource"] == "sns.amazonaws.com" for e in by_name["Events"])
    keys = all_keys(s3, bucket)
    insight_files = [k for k in keys if "CloudTrail-Insight" in k]
    assert insight_files and all(INSIGHT_KEY.match(k) for k in insight_files), keys
    delivered = [r for k in insight_files
                 for r in json.loads(gzip.decompress(s3.get_object(Bucket=bucket, Key=k)["Body"].read()))["Records"]]
    assert sorted(r["eventID"] for r in delivered) == sorted(r["eventID"] for r in found.values())
    # The counts Insights measured, per minute (only minutes with calls) and per hour (zeros filled in).
    per_minute = ct.list_insights_metric_data(EventSource="sns.amazonaws.com", EventName="CreateTopic",
                                              InsightType="ApiCallRateInsight", Period=60)
    assert max(per_minute["Values"]) == 30.0 and sum(per_minute["Values"]) == 37.0  # the first 7 of 8 quiet ones
    assert len(per_minute["Timestamps"]) == len(per_minute["Values"]) == 8
    hourly = ct.list_insights_metric_data(EventSource="sns.amazonaws.com", EventName="GetTopicAttributes",
                                          InsightType="ApiErrorRateInsight", ErrorCode="NotFound",
                                          DataType="FillWithZeros", StartTime=virtual_now(own.endpoint) - timedelta(hours=5))
    assert sum(hourly["Values"]) == 37.0 and 0.0 in hourly["Values"] and len(hourly["Values"]) >= 5
    paged = ct.list_insights_metric_data(EventSource="sns.amazonaws.com", EventName="CreateTopic",
                                         InsightType="ApiCallRateInsight", Period=60, MaxResults=5)
    rest = ct.list_insights_metric_data(EventSource="sns.amazonaws.com", EventName="CreateTopic",
                                        InsightType="ApiCallRateInsight", Period=60, NextToken=paged["NextToken"])
    assert paged["Values"] + rest["Values"] == per_minute["Values"]
    assert error_of(ct.list_insights_metric_data, EventSource="sns.amazonaws.com", EventName="CreateTopic",
                    InsightType="ApiErrorRateInsight").code == "InvalidParameterException"
    assert error_of(ct.list_insights_metric_data, EventSource="sns.amazonaws.com", EventName="CreateTopic",
                    InsightType="ApiCallRateInsight", Period=120).code == "InvalidParameterException"
    # The management events' own files never hold insight events.
    assert all("insightDetails" not in r for k in keys if "/CloudTrail/" in k
               for r in json.loads(gzip.decompress(s3.get_object(Bucket=bucket, Key=k)["Body"].read()))["Records"])


def virtual_second(own) -> float:
    now = virtual_now(own.endpoint)
    return now.second + now.microsecond / 1e6


def all_keys(s3, bucket: str) -> list[str]:
    return [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in page.get("Contents", [])]
