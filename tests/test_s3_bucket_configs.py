"""Bucket configurations: analytics, metrics, Intelligent-Tiering (and its archive tiers), Transfer
Acceleration and Requester Pays (enforced for other accounts)."""
from __future__ import annotations

import json

import pytest

from tests.support import advance_clock, error_of, unique


@pytest.fixture()
def fresh(s3):
    name = unique("cfgs")
    s3.create_bucket(Bucket=name)
    return name


def test_analytics_and_metrics_by_id_with_paging(s3, fresh):
    for number in range(102):
        s3.put_bucket_metrics_configuration(Bucket=fresh, Id=f"m{number:03}",
                                            MetricsConfiguration={"Id": f"m{number:03}",
                                                                  "Filter": {"Prefix": "logs/"}})
    first = s3.list_bucket_metrics_configurations(Bucket=fresh)
    assert first["IsTruncated"] is True and len(first["MetricsConfigurationList"]) == 100
    rest = s3.list_bucket_metrics_configurations(Bucket=fresh, ContinuationToken=first["NextContinuationToken"])
    assert [c["Id"] for c in rest["MetricsConfigurationList"]] == ["m100", "m101"] and not rest["IsTruncated"]
    got = s3.get_bucket_metrics_configuration(Bucket=fresh, Id="m005")["MetricsConfiguration"]
    assert got == {"Id": "m005", "Filter": {"Prefix": "logs/"}}
    s3.delete_bucket_metrics_configuration(Bucket=fresh, Id="m005")
    assert error_of(s3.get_bucket_metrics_configuration, Bucket=fresh, Id="m005") == ("NoSuchConfiguration", 404)
    analytics = {"Id": "a1", "StorageClassAnalysis": {}}
    s3.put_bucket_analytics_configuration(Bucket=fresh, Id="a1", AnalyticsConfiguration=analytics)
    assert s3.get_bucket_analytics_configuration(Bucket=fresh, Id="a1")["AnalyticsConfiguration"]["Id"] == "a1"
    assert [c["Id"] for c in s3.list_bucket_analytics_configurations(Bucket=fresh)["AnalyticsConfigurationList"]] \
        == ["a1"]
    assert error_of(s3.put_bucket_analytics_configuration, Bucket=fresh, Id="other",
                    AnalyticsConfiguration=analytics) == ("InvalidArgument", 400)


def test_intelligent_tiering_archives_idle_objects(endpoint, s3, fresh):
    assert error_of(s3.put_bucket_intelligent_tiering_configuration, Bucket=fresh, Id="t", IntelligentTieringConfiguration={
        "Id": "t", "Status": "Enabled", "Tierings": [{"Days": 30, "AccessTier": "ARCHIVE_ACCESS"}]}) == (
        "InvalidArgument", 400)
    s3.put_bucket_intelligent_tiering_configuration(Bucket=fresh, Id="t", IntelligentTieringConfiguration={
        "Id": "t", "Status": "Enabled", "Filter": {"Prefix": "old/"},
        "Tierings": [{"Days": 90, "AccessTier": "ARCHIVE_ACCESS"}]})
    listed = s3.list_bucket_intelligent_tiering_configurations(Bucket=fresh)
    assert [c["Id"] for c in listed["IntelligentTieringConfigurationList"]] == ["t"]
    s3.put_object(Bucket=fresh, Key="old/a.txt", Body=b"a", StorageClass="INTELLIGENT_TIERING")
    advance_clock(endpoint, 91 * 86400)
    head = s3.head_object(Bucket=fresh, Key="old/a.txt")
    assert head["ArchiveStatus"] == "ARCHIVE_ACCESS"
    assert error_of(s3.get_object, Bucket=fresh, Key="old/a.txt") == ("InvalidObjectState", 403)
    assert error_of(s3.restore_object, Bucket=fresh, Key="old/a.txt",
                    RestoreRequest={"Days": 1}) == ("MalformedXML", 400)
    s3.restore_object(Bucket=fresh, Key="old/a.txt", RestoreRequest={"GlacierJobParameters": {"Tier": "Expedited"}})
    advance_clock(endpoint, 6 * 60)
    assert s3.get_object(Bucket=fresh, Key="old/a.txt")["Body"].read() == b"a"


def test_accelerate_refuses_dotted_names(s3, fresh):
    assert s3.get_bucket_accelerate_configuration(Bucket=fresh).get("Status") is None
    s3.put_bucket_accelerate_configuration(Bucket=fresh, AccelerateConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_accelerate_configuration(Bucket=fresh)["Status"] == "Enabled"
    dotted = unique("dot") + ".example"
    s3.create_bucket(Bucket=dotted)
    assert error_of(s3.put_bucket_accelerate_configuration, Bucket=dotted,
                    AccelerateConfiguration={"Status": "Enabled"}) == ("InvalidRequest", 400)


def test_requester_pays_is_enforced_for_other_accounts(s3, aws, account, fresh):
    s3.put_object(Bucket=fresh, Key="data.txt", Body=b"paid")
    s3.put_bucket_policy(Bucket=fresh, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{fresh}/*"}]}))
    s3.put_bucket_request_payment(Bucket=fresh, RequestPaymentConfiguration={"Payer": "Requester"})
    assert s3.get_bucket_request_payment(Bucket=fresh)["Payer"] == "Requester"
    other = aws("s3")
    assert error_of(other.get_object, Bucket=fresh, Key="data.txt") == ("AccessDenied", 403)
    paid = other.get_object(Bucket=fresh, Key="data.txt", RequestPayer="requester")
    assert paid["Body"].read() == b"paid" and paid["RequestCharged"] == "requester"
    assert s3.get_object(Bucket=fresh, Key="data.txt")["Body"].read() == b"paid"  # the owner pays anyway
