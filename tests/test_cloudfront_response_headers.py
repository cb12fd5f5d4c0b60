"""Response headers policies applied at the edge: CORS (and a preflight answered from the policy), security
headers, custom headers with and without Override, removed headers and Server-Timing; and the managed
policies by id."""
from __future__ import annotations

import pytest
import requests

from tests.support import (
    CACHING_OPTIMIZED,
    SECURITY_HEADERS,
    SIMPLE_CORS,
    distribution_config,
    public_origin_bucket,
    s3_origin,
    unique,
)

APP = "https://app.example.com"


@pytest.fixture(scope="module")
def cloudfront(aws):
    return aws("cloudfront")


@pytest.fixture(scope="module")
def bucket(aws):
    s3 = aws("s3")
    name = public_origin_bucket(s3)
    s3.put_object(Bucket=name, Key="page.html", Body=b"<p>hi</p>", ContentType="text/html", CacheControl="max-age=60",
                  ContentLanguage="fr", Metadata={"secret": "internal"})
    return name


def listed(*items) -> dict:
    return {"Quantity": len(items), "Items": list(items)}


def distribution(cloudfront, bucket: str, policy_id: str) -> dict:
    config = distribution_config([s3_origin("s3", bucket)], {
        "TargetOriginId": "s3", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": CACHING_OPTIMIZED,
        "ResponseHeadersPolicyId": policy_id,
        "AllowedMethods": {**listed("GET", "HEAD", "OPTIONS"), "CachedMethods": listed("GET", "HEAD")}})
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]


def edge(endpoint: str, distribution: dict, method: str = "GET", **headers) -> requests.Response:
    return requests.request(method, f"{endpoint}/_cloudfront/{distribution['Id']}/page.html", timeout=30,
                            headers={k.replace("_", "-"): v for k, v in headers.items()})


def test_custom_policy_at_the_edge(cloudfront, bucket, endpoint):
    policy = cloudfront.create_response_headers_policy(ResponseHeadersPolicyConfig={
        "Name": unique("headers"),
        "CorsConfig": {"AccessControlAllowOrigins": listed(APP), "AccessControlAllowHeaders": listed("X-Token"),
                       "AccessControlAllowMethods": listed("GET", "POST"), "AccessControlAllowCredentials": True,
                       "AccessControlExposeHeaders": listed("X-Count"), "AccessControlMaxAgeSec": 600,
                       "OriginOverride": True},
        "SecurityHeadersConfig": {
            "StrictTransportSecurity": {"Override": True, "IncludeSubdomains": True, "Preload": True,
                                        "AccessControlMaxAgeSec": 3600},
            "XSSProtection": {"Override": True, "Protection": True, "ModeBlock": True},
            "FrameOptions": {"Override": True, "FrameOption": "DENY"},
            "ContentTypeOptions": {"Override": True},
            "ReferrerPolicy": {"Override": True, "ReferrerPolicy": "no-referrer"},
            "ContentSecurityPolicy": {"Override": True, "ContentSecurityPolicy": "default-src 'self'"}},
        "CustomHeadersConfig": listed({"Header": "Cache-Control", "Value": "no-store", "Override": False},
                                      {"Header": "Content-Language", "Value": "en", "Override": True},
                                      {"Header": "X-Served-By", "Value": "nimbus", "Override": False}),
        "RemoveHeadersConfig": listed({"Header": "x-amz-meta-secret"}),
        "ServerTimingHeadersConfig": {"Enabled": True, "SamplingRate": 100}})["ResponseHeadersPolicy"]
    dist = distribution(cloudfront, bucket, policy["Id"])
    answer = edge(endpoint, dist, Origin=APP)
    assert answer.status_code == 200 and answer.text == "<p>hi</p>"
    got = answer.headers
    assert (got["Access-Control-Allow-Origin"], got["Access-Control-Allow-Credentials"],
            got["Access-Control-Expose-Headers"]) == (APP, "true", "X-Count")
    assert got["Strict-Transport-Security"] == "max-age=3600; includeSubDomains; preload"
    assert (got["X-XSS-Protection"], got["X-Frame-Options"], got["X-Content-Type-Options"]) == \
        ("1; mode=block", "DENY", "nosniff")
    assert (got["Referrer-Policy"], got["Content-Security-Policy"]) == ("no-referrer", "default-src 'self'")
    # Without Override the origin's value stays; with it the policy's replaces it.
    assert (got["Cache-Control"], got["Content-Language"], got["X-Served-By"]) == ("max-age=60", "en", "nimbus")
    assert "x-amz-meta-secret" not in got
    assert got["Server-Timing"].startswith("cdn-cache-miss") and 'cdn-pop;desc="' in got["Server-Timing"]
    assert edge(endpoint, dist, Origin=APP).headers["Server-Timing"].startswith("cdn-cache-hit")
    # Another origin gets no CORS headers; the rest still applies.
    other = edge(endpoint, dist, Origin="https://evil.example.com").headers
    assert "Access-Control-Allow-Origin" not in other and other["X-Frame-Options"] == "DENY"
    # The preflight is the edge's own answer: OriginOverride makes the origin's CORS headers moot.
    preflight = edge(endpoint, dist, "OPTIONS", Origin=APP, Access_Control_Request_Method="POST")
    assert preflight.status_code == 200 and preflight.content == b""
    assert (preflight.headers["Access-Control-Allow-Methods"], preflight.headers["Access-Control-Allow-Headers"],
            preflight.headers["Access-Control-Max-Age"]) == ("GET, POST", "X-Token", "600")


def test_managed_policies_at_the_edge(cloudfront, bucket, endpoint):
    secure = edge(endpoint, distribution(cloudfront, bucket, SECURITY_HEADERS)).headers
    assert (secure["X-Frame-Options"], secure["X-Content-Type-Options"], secure["Referrer-Policy"]) == \
        ("SAMEORIGIN", "nosniff", "strict-origin-when-cross-origin")
    assert secure["Strict-Transport-Security"] == "max-age=31536000" and "Access-Control-Allow-Origin" not in secure
    cors = edge(endpoint, distribution(cloudfront, bucket, SIMPLE_CORS), Origin=APP).headers
    assert cors["Access-Control-Allow-Origin"] == "*" and "X-Frame-Options" not in cors
