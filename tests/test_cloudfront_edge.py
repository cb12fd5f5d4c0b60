"""The CloudFront edge through real HTTP clients: the three ways to reach a distribution, caching from an
S3 origin on the virtual clock (Miss, Hit, RefreshHit), versioned paths, invalidation, two origins chosen
by path pattern, and the origin's Cache-Control held within the behaviour's TTLs."""
from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import requests

from tests.support import (
    CACHING_OPTIMIZED,
    advance_clock,
    distribution_config,
    legacy_behaviour,
    public_origin_bucket,
    s3_origin,
    unique,
)


@pytest.fixture(scope="module")
def cloudfront(client):
    """CloudFront for the account of conftest's ``s3`` client, which owns the origin buckets."""
    return client("cloudfront")


@pytest.fixture(scope="module")
def web_origin():
    """A web server on 127.0.0.1 that answers PHP pages, counting the requests it gets."""
    seen: list[tuple[str, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, dict(self.headers)))
            body = f"php page {self.path} #{len(seen)}".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Cache-Control", "max-age=30")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


def create(cloudfront, config: dict) -> dict:
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]


def edge_get(endpoint: str, distribution: dict, path: str, how: str = "path", **kwargs) -> requests.Response:
    """GET ``path`` from the distribution's edge, addressed ``how``: "path" (/_cloudfront/<id>), "id" (the
    <id>.cloudfront.localhost Host) or "domain" (its d....cloudfront.net name as the Host)."""
    port = urlsplit(endpoint).port
    if how == "path":
        return requests.get(f"{endpoint}/_cloudfront/{distribution['Id']}{path}", timeout=30, **kwargs)
    host = {"id": f"{distribution['Id'].lower()}.cloudfront.localhost", "domain": distribution["DomainName"]}
    return requests.get(f"http://127.0.0.1:{port}{path}", headers={"Host": host.get(how, how)}, timeout=30, **kwargs)


def test_three_ways_to_reach_the_edge(cloudfront, s3, endpoint):
    bucket = public_origin_bucket(s3)
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"<h1>home</h1>", ContentType="text/html")
    alias = unique("cdn") + ".example.com"
    distribution = create(cloudfront, distribution_config(
        [s3_origin("s3", bucket)], legacy_behaviour("s3"), DefaultRootObject="index.html",
        Aliases={"Quantity": 1, "Items": [alias]}))
    outcomes = [edge_get(endpoint, distribution, "/", how) for how in ("path", "id", "domain", alias)]
    assert [r.status_code for r in outcomes] == [200] * 4
    assert {r.text for r in outcomes} == {"<h1>home</h1>"}
    assert [r.headers["X-Cache"] for r in outcomes] == ["Miss from cloudfront"] + ["Hit from cloudfront"] * 3
    first = outcomes[0].headers
    assert first["Content-Type"] == "text/html" and first["X-Amz-Cf-Pop"] and len(first["X-Amz-Cf-Id"]) == 56
    assert first["Via"].endswith(".cloudfront.net (CloudFront)")
    # A name that is no distribution's stays refused, as any Host nimbus does not answer as.
    assert edge_get(endpoint, distribution, "/", "unknown.example.com").status_code == 403


def test_s3_origin_cached_until_the_ttl_passes(cloudfront, s3, endpoint):
    bucket = public_origin_bucket(s3)
    s3.put_object(Bucket=bucket, Key="page.txt", Body=b"version 1")
    distribution = create(cloudfront, distribution_config([s3_origin("s3", bucket)],
                                                          legacy_behaviour("s3", default_ttl=60)))
    assert edge_get(endpoint, distribution, "/page.txt").headers["X-Cache"] == "Miss from cloudfront"
    advance_clock(endpoint, 20)
    hit = edge_get(endpoint, distribution, "/page.txt")
    assert hit.headers["X-Cache"] == "Hit from cloudfront" and int(hit.headers["Age"]) >= 20
    advance_clock(endpoint, 45)  # stale now, but unchanged at the origin: revalidated (304)
    refreshed = edge_get(endpoint, distribution, "/page.txt")
    assert (refreshed.headers["X-Cache"], refreshed.text) == ("RefreshHit from cloudfront", "version 1")
    s3.put_object(Bucket=bucket, Key="page.txt", Body=b"version 2")
    cached = edge_get(endpoint, distribution, "/page.txt")
    assert (cached.headers["X-Cache"], cached.text) == ("Hit from cloudfront", "version 1")
    advance_clock(endpoint, 61)
    fresh = edge_get(endpoint, distribution, "/page.txt")
    assert (fresh.headers["X-Cache"], fresh.text) == ("Miss from cloudfront", "version 2")
    # Read as an anonymous viewer without s3:ListBucket, a missing key is S3's 403, as in AWS.
    assert edge_get(endpoint, distribution, "/missing.txt").status_code == 403


def test_versioned_paths_and_invalidation(cloudfront, s3, endpoint):
    bucket = public_origin_bucket(s3)
    s3.put_object(Bucket=bucket, Key="assets/v1/css/narrow.css", Body=b"p{width:1}")
    distribution = create(cloudfront, distribution_config(
        [s3_origin("s3", bucket)], {"TargetOriginId": "s3", "ViewerProtocolPolicy": "allow-all",
                                    "CachePolicyId": CACHING_OPTIMIZED}))
    edge_get(endpoint, distribution, "/assets/v1/css/narrow.css")
    s3.put_object(Bucket=bucket, Key="assets/v1/css/narrow.css", Body=b"p{width:2}")
    s3.put_object(Bucket=bucket, Key="assets/v2/css/narrow.css", Body=b"p{width:2}")
    # The old version lives on in the cache; a new path is new content at once.
    assert edge_get(endpoint, distribution, "/assets/v1/css/narrow.css").text == "p{width:1}"
    v2 = edge_get(endpoint, distribution, "/assets/v2/css/narrow.css")
    assert (v2.headers["X-Cache"], v2.text) == ("Miss from cloudfront", "p{width:2}")

    cloudfront.create_invalidation(DistributionId=distribution["Id"], InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/assets/v1/*"]}, "CallerReference": unique("inv")})
    evicted = edge_get(endpoint, distribution, "/assets/v1/css/narrow.css")
    assert (evicted.headers["X-Cache"], evicted.text) == ("Miss from cloudfront", "p{width:2}")
    kept = edge_get(endpoint, distribution, "/assets/v2/css/narrow.css")
    assert kept.headers["X-Cache"] == "Hit from cloudfront"


def test_two_origins_by_path_pattern(cloudfront, s3, endpoint, web_origin):
    port, seen = web_origin
    bucket = public_origin_bucket(s3)
    s3.put_object(Bucket=bucket, Key="img/cat.jpeg", Body=b"\xff\xd8jpeg", ContentType="image/jpeg")
    web = {"Id": "web", "DomainName": "127.0.0.1", "OriginPath": "/app",
           "CustomHeaders": {"Quantity": 1, "Items": [{"HeaderName": "X-From-Edge", "HeaderValue": "yes"}]},
           "CustomOriginConfig": {"HTTPPort": port, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}}
    distribution = create(cloudfront, distribution_config(
        [s3_origin("s3", bucket), web], legacy_behaviour("s3"),
        [{**legacy_behaviour("web", query_string=True), "PathPattern": "*.php"},
         {**legacy_behaviour("s3"), "PathPattern": "/img/*.jpeg"}]))
    page = edge_get(endpoint, distribution, "/index.php?b=2&a=1")
    assert page.text == "php page /app/index.php?a=1&b=2 #1"
    assert seen[-1][1]["X-From-Edge"] == "yes"
    assert edge_get(endpoint, distribution, "/index.php?a=1&b=2").headers["X-Cache"] == "Hit from cloudfront"
    assert edge_get(endpoint, distribution, "/index.php?a=3").text.endswith("#2")
    image = edge_get(endpoint, distribution, "/img/cat.jpeg")
    assert (image.content, image.headers["Content-Type"]) == (b"\xff\xd8jpeg", "image/jpeg")
    # Patterns are case-sensitive: .PHP is the default behaviour's, the bucket's (which has no such key:
    # S3's 403 to an anonymous reader).
    assert edge_get(endpoint, distribution, "/INDEX.PHP").status_code == 403
    assert len(seen) == 2


def test_cache_control_within_min_and_max(cloudfront, s3, endpoint):
    bucket = public_origin_bucket(s3)
    for key, control in (("short", "max-age=5"), ("long", "max-age=100000"), ("shared", "max-age=5, s-maxage=50"),
                         ("nostore", "no-store")):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode(), CacheControl=control)
    distribution = create(cloudfront, distribution_config(
        [s3_origin("s3", bucket)], legacy_behaviour("s3", min_ttl=20, default_ttl=60, max_ttl=300)))
    for key in ("short", "long", "shared", "nostore"):
        edge_get(endpoint, distribution, f"/{key}")
    advance_clock(endpoint, 30)  # past max-age=5, but the minimum TTL is 20; no-store too is kept 20s
    outcomes = {key: edge_get(endpoint, distribution, f"/{key}").headers["X-Cache"].split()[0]
                for key in ("short", "long", "shared", "nostore")}
    assert outcomes == {"short": "RefreshHit", "long": "Hit", "shared": "Hit", "nostore": "RefreshHit"}
    advance_clock(endpoint, 301)  # past the maximum TTL, whatever max-age=100000 says
    assert edge_get(endpoint, distribution, "/long").headers["X-Cache"] == "RefreshHit from cloudfront"


def test_disabled_distribution_and_methods(cloudfront, s3, endpoint):
    bucket = public_origin_bucket(s3)
    s3.put_object(Bucket=bucket, Key="a", Body=b"a")
    created = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [s3_origin("s3", bucket)], legacy_behaviour("s3")))
    distribution = created["Distribution"]
    assert requests.post(f"{endpoint}/_cloudfront/{distribution['Id']}/a", timeout=30).status_code == 403
    config = {**distribution["DistributionConfig"], "Enabled": False}
    cloudfront.update_distribution(Id=distribution["Id"], DistributionConfig=config, IfMatch=created["ETag"])
    refused = edge_get(endpoint, distribution, "/a")
    assert refused.status_code == 403 and "could not be satisfied" in refused.text
    assert requests.get(f"{endpoint}/_cloudfront/ENOSUCHDISTRIB/a", timeout=30).status_code == 403


def test_origin_down_and_names_only_for_the_edge(cloudfront, s3, endpoint):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))  # a port nothing listens on once closed
    port = listener.getsockname()[1]
    listener.close()
    down = {"Id": "down", "DomainName": "127.0.0.1",
            "CustomOriginConfig": {"HTTPPort": port, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}}
    distribution = create(cloudfront, distribution_config([down], legacy_behaviour("down")))
    failed = edge_get(endpoint, distribution, "/x")
    assert failed.status_code == 502 and failed.headers["X-Cache"] == "Error from cloudfront"
    # A distribution's domain name reaches its edge only: an API path there is a path at the origin.
    api = edge_get(endpoint, distribution, "/2020-05-31/distribution", "domain")
    assert api.status_code == 502 and "could not be satisfied" in api.text
