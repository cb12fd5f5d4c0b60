"""CloudTrail Insights on their own server (the test moves the clock by hours): selectors, unusual call and
error rates measured against a quiet baseline, delivered to S3 and shown by LookupEvents."""
from __future__ import annotations

import gzip
import json
import re

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
    ct.put_insight_selectors(TrailName=name, InsightSelectors=[])
    assert ct.get_trail(Name=name)["Trail"]["HasInsightSelectors"] is False
    assert error_of(ct.get_insight_selectors, TrailName=name).code == "InsightNotEnabledException"


def test_a_burst_after_a_quiet_baseline_starts_and_ends_an_insight(own, aws):
    ct, sns, s3 = aws("cloudtrail"), aws("sns"), aws("s3")
    name, bucket = insight_trail(aws)
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
    # The management events' own files never hold insight events.
    assert all("insightDetails" not in r for k in keys if "/CloudTrail/" in k
               for r in json.loads(gzip.decompress(s3.get_object(Bucket=bucket, Key=k)["Body"].read()))["Records"])


def virtual_second(own) -> float:
    now = virtual_now(own.endpoint)
    return now.second + now.microsecond / 1e6


def all_keys(s3, bucket: str) -> list[str]:
    return [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in page.get("Contents", [])]
