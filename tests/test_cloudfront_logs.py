"""Standard access logs: requests at the edge delivered to the logging bucket on the virtual clock, gzip
files named as CloudFront names them, in its tab-separated format with AWS's fields in AWS's order."""
from __future__ import annotations

import gzip
import re
import time

import pytest

from nimbus.services.cloudfront import access_logs
from tests.support import (
    advance_clock,
    distribution_config,
    edge_request,
    legacy_behaviour,
    new_bucket,
    public_origin_bucket,
    s3_origin,
)

FIELDS = ["date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)", "cs-uri-stem",
          "sc-status", "cs(Referer)", "cs(User-Agent)", "cs-uri-query", "cs(Cookie)", "x-edge-result-type",
          "x-edge-request-id", "x-host-header", "cs-protocol", "cs-bytes", "time-taken", "x-forwarded-for",
          "ssl-protocol", "ssl-cipher", "x-edge-response-result-type", "cs-protocol-version", "fle-status",
          "fle-encrypted-fields", "c-port", "time-to-first-byte", "x-edge-detailed-result-type", "sc-content-type",
          "sc-content-len", "sc-range-start", "sc-range-end"]


@pytest.fixture(scope="module")
def cloudfront(client):
    return client("cloudfront")


def logged(s3, bucket: str, prefix: str) -> tuple[list[str], list[dict[str, str]]]:
    """The log files' names, and every line of them as field -> value (the header checked on the way)."""
    names, lines = [], []
    for entry in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []):
        names.append(entry["Key"])
        text = gzip.decompress(s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()).decode()
        version, fields, *rows = text.splitlines()
        assert (version, fields) == ("#Version: 1.0", "#Fields: " + " ".join(FIELDS))
        lines += [dict(zip(FIELDS, row.split("\t"), strict=True)) for row in rows]
    return names, lines


@pytest.mark.parametrize("cookies", [True, False])
def test_access_logs_delivered_to_the_bucket(cloudfront, s3, endpoint, cookies):
    content, logs = public_origin_bucket(s3, "content"), new_bucket(s3, "logs")
    s3.put_object(Bucket=content, Key="a b.txt", Body=b"0123456789", ContentType="text/plain")
    distribution = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [s3_origin("s3", content)], legacy_behaviour("s3"), Logging={
            "Enabled": True, "IncludeCookies": cookies, "Bucket": f"{logs}.s3.amazonaws.com", "Prefix": "cdn/"}))
    distribution = distribution["Distribution"]
    viewer = {"User-Agent": "curl/8.5 (test)", "Referer": "http://example.com/", "Cookie": "session=abc"}
    edge_request(endpoint, distribution, "GET", "/a%20b.txt?x=1", headers=viewer)
    edge_request(endpoint, distribution, "GET", "/a%20b.txt?x=1", headers={**viewer, "Range": "bytes=2-4"})
    edge_request(endpoint, distribution, "GET", "/missing")
    assert logged(s3, logs, "cdn/") == ([], [])  # nothing before the delivery interval has passed
    advance_clock(endpoint, 61)
    names, lines = logged(s3, logs, "cdn/")
    assert names and all(re.fullmatch(rf"cdn/{distribution['Id']}\.\d{{4}}-\d\d-\d\d-\d\d\.[0-9a-f]{{8}}\.gz", n)
                         for n in names)
    assert [(line["cs-method"], line["cs-uri-stem"], line["sc-status"], line["x-edge-result-type"])
            for line in lines] == [("GET", "/a%20b.txt", "200", "Miss"), ("GET", "/a%20b.txt", "206", "Hit"),
                                   ("GET", "/missing", "403", "Error")]
    first, ranged = lines[0], lines[1]
    assert first["cs(Host)"] == distribution["DomainName"] and first["cs-uri-query"] == "x=1"
    assert first["cs(User-Agent)"] == "curl%2F8.5%20%28test%29" and first["cs(Referer)"] == "http://example.com/"
    assert first["cs(Cookie)"] == ("session=abc" if cookies else "-")
    assert first["c-ip"] == "127.0.0.1" and first["cs-protocol"] == "http" and first["sc-content-len"] == "10"
    assert (ranged["sc-range-start"], ranged["sc-range-end"]) == ("2", "4")
    assert len(first["x-edge-request-id"]) == 56 and float(first["time-taken"]) >= 0


def test_many_lines_delivered_before_the_interval(cloudfront, s3, endpoint, monkeypatch):
    monkeypatch.setattr(access_logs, "MAX_PENDING_LINES", 3)  # what 10,000 requests would do
    content, logs = public_origin_bucket(s3, "content"), new_bucket(s3, "logs")
    distribution = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [s3_origin("s3", content)], legacy_behaviour("s3"), Logging={
            "Enabled": True, "IncludeCookies": False, "Bucket": f"{logs}.s3.amazonaws.com", "Prefix": ""}))
    for _ in range(3):
        edge_request(endpoint, distribution["Distribution"], "GET", "/missing")
    deadline = time.monotonic() + 10
    while not (lines := logged(s3, logs, "")[1]):
        assert time.monotonic() < deadline, "not delivered"
        time.sleep(0.05)
    assert len(lines) == 3
