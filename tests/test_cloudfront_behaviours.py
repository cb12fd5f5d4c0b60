"""The edge's cache behaviours through real HTTP clients: allowed and cached methods, the viewer protocol
policy, compression (gzip and Brotli, each encoding cached on its own), custom error responses with error
caching on the virtual clock, and byte ranges served from the cached whole object."""
from __future__ import annotations

import gzip

import cramjam
import pytest

from tests.support import (
    CACHING_OPTIMIZED,
    advance_clock,
    distribution_config,
    edge_request,
    legacy_behaviour,
    make_client,
    scripted_origin,
    start_server,
    unique,
)

ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
CSS = b"body { color: black; }\n" * 100  # 2,300 bytes: within CloudFront's 1,000 to 10,000,000


@pytest.fixture(scope="module")
def cloudfront(client):
    return client("cloudfront")


@pytest.fixture(scope="module")
def origin():
    with scripted_origin() as running:
        yield running


def methods(allowed: list[str], cached: list[str]) -> dict:
    return {"AllowedMethods": {"Quantity": len(allowed), "Items": allowed,
                               "CachedMethods": {"Quantity": len(cached), "Items": cached}}}


def create(cloudfront, origin, default: dict, behaviours=(), **extra) -> dict:
    config = distribution_config([origin.custom_origin("web")], default, list(behaviours), **extra)
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]


def test_allowed_and_cached_methods(cloudfront, endpoint, origin):
    distribution = create(
        cloudfront, origin, legacy_behaviour("web", **methods(ALL_METHODS, ["GET", "HEAD", "OPTIONS"])),
        [{**legacy_behaviour("web"), "PathPattern": "/read-only/*"},
         {**legacy_behaviour("web", **methods(["GET", "HEAD", "OPTIONS"], ["GET", "HEAD"])), "PathPattern": "/cors/*"}])
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for _ in range(2):
            answer = edge_request(endpoint, distribution, method, f"/{method.lower()}", data=b"the body")
            assert (answer.status_code, answer.text) == (200, f"{method} /{method.lower()} the body")
            assert answer.headers["X-Cache"] == "Miss from cloudfront"
        assert origin.asked(f"/{method.lower()}") == 2  # never cached
    preflights = [edge_request(endpoint, distribution, "OPTIONS", "/preflight") for _ in range(2)]
    assert [r.headers["X-Cache"] for r in preflights] == ["Miss from cloudfront", "Hit from cloudfront"]
    assert origin.asked("/preflight") == 1  # OPTIONS is among the cached methods
    for _ in range(2):
        assert edge_request(endpoint, distribution, "OPTIONS", "/cors/x").status_code == 200
    assert origin.asked("/cors/x") == 2  # allowed, but not cached there
    refused = edge_request(endpoint, distribution, "POST", "/read-only/x", data=b"x")
    assert refused.status_code == 403 and "not configured to allow the HTTP request method" in refused.text
    assert edge_request(endpoint, distribution, "OPTIONS", "/read-only/x").status_code == 403
    assert origin.asked("/read-only/x") == 0


def test_viewer_protocol_policy(cloudfront, endpoint, origin, tmp_path):
    behaviours = [{**legacy_behaviour("web", ViewerProtocolPolicy="redirect-to-https"), "PathPattern": "/secure/*"},
                  {**legacy_behaviour("web", ViewerProtocolPolicy="https-only"), "PathPattern": "/strict/*"}]
    distribution = create(cloudfront, origin, legacy_behaviour("web"), behaviours)
    moved = edge_request(endpoint, distribution, "GET", "/secure/page?a=1")
    host = endpoint.removeprefix("http://")
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"https://{host}/_cloudfront/{distribution['Id']}/secure/page?a=1"
    strict = edge_request(endpoint, distribution, "GET", "/strict/page")
    assert strict.status_code == 403 and "could not be satisfied" in strict.text
    assert edge_request(endpoint, distribution, "GET", "/open").status_code == 200
    # Behind a proxy that ends TLS (--trust-proxy), X-Forwarded-Proto is the viewer's scheme.
    with start_server(tmp_path, trust_proxy=True) as own:
        proxied = create(make_client(own.endpoint, "cloudfront"), origin, legacy_behaviour("web"), behaviours)
        https = {"X-Forwarded-Proto": "https"}
        assert edge_request(own.endpoint, proxied, "GET", "/secure/page", headers=https).status_code == 200
        assert edge_request(own.endpoint, proxied, "GET", "/strict/page", headers=https).status_code == 200
        assert edge_request(own.endpoint, proxied, "GET", "/strict/page").status_code == 403


def test_compression_gzip_and_brotli(cloudfront, endpoint, origin):
    origin.routes.update({
        "/style.css": (200, {"Content-Type": "text/css", "ETag": '"css1"'}, CSS),
        "/br/style.css": (200, {"Content-Type": "text/css; charset=utf-8"}, CSS),
        "/tiny.css": (200, {"Content-Type": "text/css"}, b"p{}"),
        "/photo.jpg": (200, {"Content-Type": "image/jpeg"}, CSS),
        "/packed.css": (200, {"Content-Type": "text/css", "Content-Encoding": "gzip"}, gzip.compress(CSS))})
    distribution = create(cloudfront, origin, legacy_behaviour("web", Compress=True), [
        {"PathPattern": "/br/*", "TargetOriginId": "web", "ViewerProtocolPolicy": "allow-all",
         "CachePolicyId": CACHING_OPTIMIZED, "Compress": True}])
    zipped = edge_request(endpoint, distribution, "GET", "/style.css", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.content == CSS
    assert int(zipped.headers["Content-Length"]) < len(CSS) and zipped.headers["Vary"] == "Accept-Encoding"
    assert zipped.headers["ETag"] == 'W/"css1"'  # CloudFront weakens a strong ETag it compresses
    plain = edge_request(endpoint, distribution, "GET", "/style.css", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.content == CSS
    assert plain.headers["X-Cache"] == "Miss from cloudfront"  # each encoding is its own cache entry
    again = edge_request(endpoint, distribution, "GET", "/style.css", headers={"Accept-Encoding": "gzip"})
    assert (again.headers["X-Cache"], again.headers["Content-Encoding"]) == ("Hit from cloudfront", "gzip")
    # Brotli, preferred when the viewer takes both: only with a cache policy (legacy settings have none).
    both = {"Accept-Encoding": "gzip, br"}
    assert edge_request(endpoint, distribution, "GET", "/style.css", headers=both).headers["Content-Encoding"] == "gzip"
    brotli = edge_request(endpoint, distribution, "GET", "/br/style.css", headers=both, stream=True)
    assert brotli.headers["Content-Encoding"] == "br"
    assert bytes(cramjam.brotli.decompress(brotli.raw.read())) == CSS
    for path in ("/tiny.css", "/photo.jpg"):  # too small; not a type CloudFront compresses
        assert "Content-Encoding" not in edge_request(endpoint, distribution, "GET", path, headers=both).headers
    packed = edge_request(endpoint, distribution, "GET", "/packed.css", headers=both)
    assert packed.headers["Content-Encoding"] == "gzip" and packed.content == CSS  # the origin's, not again
    cloudfront.create_invalidation(DistributionId=distribution["Id"], InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/style.css"]}, "CallerReference": unique("inv")})
    asked = origin.asked("/style.css")
    for encoding in ("gzip", "identity"):  # the invalidation evicted every encoding of the path
        answer = edge_request(endpoint, distribution, "GET", "/style.css", headers={"Accept-Encoding": encoding})
        assert answer.headers["X-Cache"] == "Miss from cloudfront"
    assert origin.asked("/style.css") == asked + 2


def test_custom_error_responses_and_error_caching(cloudfront, endpoint, origin):
    origin.routes.update({
        "/gone": (404, {"Content-Type": "text/plain"}, b"origin's own 404"),
        "/private": (403, {"Content-Type": "text/plain"}, b"origin's 403"),
        "/busy": (503, {"Content-Type": "text/plain"}, b"busy"),
        "/broken": (500, {"Content-Type": "text/plain"}, b"broken"),
        "/errors/404.html": (200, {"Content-Type": "text/html"}, b"<h1>our 404 page</h1>"),
        "/index.html": (200, {"Content-Type": "text/html"}, b"<h1>the app</h1>")})
    errors = [{"ErrorCode": 404, "ResponsePagePath": "/errors/404.html", "ResponseCode": "404",
               "ErrorCachingMinTTL": 30},
              {"ErrorCode": 403, "ResponsePagePath": "/index.html", "ResponseCode": "200"},
              {"ErrorCode": 503, "ErrorCachingMinTTL": 0}]
    distribution = create(cloudfront, origin, legacy_behaviour("web"),
                          CustomErrorResponses={"Quantity": len(errors), "Items": errors})
    missing = edge_request(endpoint, distribution, "GET", "/gone")
    assert (missing.status_code, missing.text) == (404, "<h1>our 404 page</h1>")
    assert missing.headers["X-Cache"] == "Error from cloudfront"
    app = edge_request(endpoint, distribution, "GET", "/private")
    assert (app.status_code, app.text) == (200, "<h1>the app</h1>")  # a single-page app's fallback
    for _ in range(2):
        assert edge_request(endpoint, distribution, "GET", "/busy").status_code == 503
        assert edge_request(endpoint, distribution, "GET", "/broken").text == "broken"
    advance_clock(endpoint, 11)
    edge_request(endpoint, distribution, "GET", "/gone")
    edge_request(endpoint, distribution, "GET", "/broken")
    # 404 kept its ErrorCachingMinTTL of 30 s; 500 the default 10 s; 503 was not cached at all.
    assert (origin.asked("/gone"), origin.asked("/broken"), origin.asked("/busy")) == (1, 2, 2)
    assert origin.asked("/errors/404.html") == 1  # the error page itself is cached like any object
    advance_clock(endpoint, 20)
    edge_request(endpoint, distribution, "GET", "/gone")
    assert origin.asked("/gone") == 2


def test_ranges_from_the_cached_object(cloudfront, endpoint, origin):
    content = bytes(range(100))
    origin.routes["/blob.bin"] = (200, {"Content-Type": "application/octet-stream"}, content)
    distribution = create(cloudfront, origin, legacy_behaviour("web"))
    first = edge_request(endpoint, distribution, "GET", "/blob.bin", headers={"Range": "bytes=10-19"})
    assert (first.status_code, first.content) == (206, content[10:20])
    assert first.headers["Content-Range"] == "bytes 10-19/100" and first.headers["Content-Length"] == "10"
    assert "Range" not in origin.seen[-1][2]  # a miss fetches the whole object
    tail = edge_request(endpoint, distribution, "GET", "/blob.bin", headers={"Range": "bytes=-5"})
    assert (tail.status_code, tail.content, tail.headers["X-Cache"]) == (206, content[-5:], "Hit from cloudfront")
    rest = edge_request(endpoint, distribution, "GET", "/blob.bin", headers={"Range": "bytes=95-"})
    assert (rest.headers["Content-Range"], rest.content) == ("bytes 95-99/100", content[95:])
    beyond = edge_request(endpoint, distribution, "GET", "/blob.bin", headers={"Range": "bytes=200-"})
    assert (beyond.status_code, beyond.headers["Content-Range"]) == (416, "bytes */100")
    assert edge_request(endpoint, distribution, "GET", "/blob.bin").content == content
    several = edge_request(endpoint, distribution, "GET", "/blob.bin", headers={"Range": "bytes=0-1, 98-, 500-"})
    assert several.status_code == 206
    kind, _, boundary = several.headers["Content-Type"].partition("; boundary=")
    parts = several.content.split(f"--{boundary}".encode())
    assert kind == "multipart/byteranges" and parts[0] == b"" and parts[-1] == b"--\r\n"
    assert [p.split(b"\r\n\r\n", 1) for p in parts[1:-1]] == [
        [b"\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 0-1/100", content[:2] + b"\r\n"],
        [b"\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 98-99/100", content[98:] + b"\r\n"]]
    assert edge_request(endpoint, distribution, "GET", "/blob.bin", headers={"Range": "bytes=5-2"}).status_code == 200
    assert origin.asked("/blob.bin") == 1
