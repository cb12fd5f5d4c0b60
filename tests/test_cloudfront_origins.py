"""Origins beyond one server: origin groups failing over on status codes, refused connections and
timeouts; S3 website endpoints as origins; stale objects served when the origin fails (stale-if-error)."""
from __future__ import annotations

import contextlib
import json
import socket
import time

import pytest

from tests.support import (
    advance_clock,
    distribution_config,
    edge_request,
    legacy_behaviour,
    new_bucket,
    open_to_anyone,
    scripted_origin,
)


@pytest.fixture(scope="module")
def cloudfront(client):
    return client("cloudfront")


@pytest.fixture(scope="module")
def origins():
    with scripted_origin() as primary, scripted_origin() as secondary:
        yield primary, secondary


def closed_port() -> int:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    return port


def group(group_id: str, members: list[str], codes: list[int]) -> dict:
    return {"Id": group_id, "FailoverCriteria": {"StatusCodes": {"Quantity": len(codes), "Items": codes}},
            "Members": {"Quantity": len(members), "Items": [{"OriginId": m} for m in members]}}


def test_origin_group_fails_over(cloudfront, endpoint, origins):
    primary, secondary = origins
    primary.routes["/flaky"] = (503, {"Content-Type": "text/plain"}, b"primary down")
    primary.routes["/absent"] = (404, {"Content-Type": "text/plain"}, b"primary 404")
    down = {"Id": "down", "DomainName": "127.0.0.1",
            "CustomOriginConfig": {"HTTPPort": closed_port(), "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}}
    every_method = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
    config = distribution_config(
        [primary.custom_origin("one"), secondary.custom_origin("two"), down],
        legacy_behaviour("pair", AllowedMethods={"Quantity": 7, "Items": every_method,
                                                 "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}}),
        [{**legacy_behaviour("unreachable"), "PathPattern": "/gone/*"}],
        OriginGroups={"Quantity": 2, "Items": [group("pair", ["one", "two"], [500, 503]),
                                               group("unreachable", ["down", "two"], [500])]})
    distribution = cloudfront.create_distribution(DistributionConfig=config)["Distribution"]
    answer = edge_request(endpoint, distribution, "GET", "/flaky")
    assert (answer.status_code, answer.text) == (200, "GET /flaky ")
    assert (primary.asked("/flaky"), secondary.asked("/flaky")) == (1, 1)
    # 404 is not among the group's failover codes: the primary's answer stands.
    assert edge_request(endpoint, distribution, "GET", "/absent").text == "primary 404"
    assert secondary.asked("/absent") == 0
    # Only GET, HEAD and OPTIONS fail over.
    assert edge_request(endpoint, distribution, "POST", "/flaky", data=b"x").status_code == 503
    assert secondary.asked("/flaky") == 1
    assert edge_request(endpoint, distribution, "GET", "/gone/page").text == "GET /gone/page "
    # Groups are checked as AWS checks them: every member must be an origin.
    config = distribution_config([primary.custom_origin("one")], legacy_behaviour("pair"),
                                 OriginGroups={"Quantity": 1, "Items": [group("pair", ["one", "nope"], [500])]})
    with pytest.raises(cloudfront.exceptions.NoSuchOrigin):
        cloudfront.create_distribution(DistributionConfig=config)


def test_s3_website_endpoint_origin(cloudfront, s3, endpoint):
    bucket = new_bucket(s3, "site")
    open_to_anyone(s3, bucket)
    # Visitors may list, so a missing key is a 404 (else S3's website endpoint answers 403).
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    policy["Statement"].append({"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket",
                                "Resource": f"arn:aws:s3:::{bucket}"})
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"}, "RoutingRules": [
            {"Condition": {"KeyPrefixEquals": "docs/old/"},
             "Redirect": {"ReplaceKeyPrefixWith": "docs/new/", "HttpRedirectCode": "302"}},
            {"Condition": {"KeyPrefixEquals": "img/", "HttpErrorCodeReturnedEquals": "404"},
             "Redirect": {"HostName": "images.example.com", "Protocol": "https"}}]})
    for key, body in (("index.html", b"<h1>home</h1>"), ("docs/index.html", b"<h1>docs</h1>"),
                      ("error.html", b"<h1>lost</h1>")):
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/html")
    s3.put_object(Bucket=bucket, Key="old.html", Body=b"", WebsiteRedirectLocation="/docs/")
    website = {"Id": "site", "DomainName": f"{bucket}.s3-website-us-east-1.amazonaws.com",
               "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}}
    distribution = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [website], legacy_behaviour("site")))["Distribution"]
    assert edge_request(endpoint, distribution, "GET", "/").text == "<h1>home</h1>"
    assert edge_request(endpoint, distribution, "GET", "/docs/").text == "<h1>docs</h1>"
    folder = edge_request(endpoint, distribution, "GET", "/docs")
    assert (folder.status_code, folder.headers["Location"]) == (302, "/docs/")
    moved = edge_request(endpoint, distribution, "GET", "/old.html")
    assert (moved.status_code, moved.headers["Location"]) == (301, "/docs/")
    lost = edge_request(endpoint, distribution, "GET", "/nothing-here")
    assert (lost.status_code, lost.text) == (404, "<h1>lost</h1>")
    # The routing rules: by key prefix, and by key prefix for what would be a 404.
    renamed = edge_request(endpoint, distribution, "GET", "/docs/old/page.html")
    assert (renamed.status_code, renamed.headers["Location"]) == (
        302, f"http://{website['DomainName']}/docs/new/page.html")
    s3.put_object(Bucket=bucket, Key="img/here.png", Body=b"png")
    assert edge_request(endpoint, distribution, "GET", "/img/here.png").content == b"png"
    elsewhere = edge_request(endpoint, distribution, "GET", "/img/gone.png")
    assert (elsewhere.status_code, elsewhere.headers["Location"]) == (301, "https://images.example.com/img/gone.png")


@contextlib.contextmanager
def silent_origin():
    """A server that accepts connections and never answers: a read timeout at the edge."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def test_stale_objects_when_the_origin_fails(cloudfront, endpoint, origins):
    primary, _ = origins
    primary.routes["/news"] = (200, {"Content-Type": "text/plain", "Cache-Control": "max-age=10, stale-if-error=60"},
                               b"yesterday's news")
    primary.routes["/plain"] = (200, {"Content-Type": "text/plain", "Cache-Control": "max-age=10"}, b"plain")
    distribution = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [primary.custom_origin("web")], legacy_behaviour("web")))
    etag, distribution = distribution["ETag"], distribution["Distribution"]
    for path in ("/news", "/plain"):
        assert edge_request(endpoint, distribution, "GET", path).status_code == 200
    advance_clock(endpoint, 20)
    primary.routes["/news"] = (502, {"Content-Type": "text/plain"}, b"bad gateway")
    stale = edge_request(endpoint, distribution, "GET", "/news")
    assert (stale.status_code, stale.text, stale.headers["X-Cache"]) == (200, "yesterday's news", "Hit from cloudfront")
    # An origin that does not answer within OriginReadTimeout: a 504, or the stale object where allowed.
    with silent_origin() as port:
        config = cloudfront.get_distribution_config(Id=distribution["Id"])["DistributionConfig"]
        config["Origins"]["Items"][0]["CustomOriginConfig"].update(HTTPPort=port, OriginReadTimeout=1)
        cloudfront.update_distribution(Id=distribution["Id"], DistributionConfig=config, IfMatch=etag)
        started = time.monotonic()
        assert edge_request(endpoint, distribution, "GET", "/news").text == "yesterday's news"
        timed_out = edge_request(endpoint, distribution, "GET", "/plain")
        assert timed_out.status_code == 504 and time.monotonic() - started < 10
        advance_clock(endpoint, 60)  # past stale-if-error's 60 s after expiry: the error stands
        assert edge_request(endpoint, distribution, "GET", "/news").status_code == 504
