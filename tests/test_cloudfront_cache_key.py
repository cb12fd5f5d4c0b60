"""The cache key from a cache policy (query strings, headers, cookies: none, whitelist, allExcept, all),
what an origin request policy adds for the origin only, and the legacy ForwardedValues, seen through a
web origin that records what reaches it."""
from __future__ import annotations

import pytest
import requests

from tests.support import (
    ALL_VIEWER,
    CACHING_OPTIMIZED,
    distribution_config,
    legacy_behaviour,
    recording_web_origin,
    unique,
)


@pytest.fixture(scope="module")
def cloudfront(aws):
    return aws("cloudfront")


@pytest.fixture(scope="module")
def origin():
    with recording_web_origin() as running:
        yield running


def web(port: int) -> dict:
    return {"Id": "web", "DomainName": "127.0.0.1",
            "CustomOriginConfig": {"HTTPPort": port, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}}


def selection(kind: str, behaviour: str, names: list[str] = ()) -> dict:
    member = {"QueryString": "QueryStrings", "Header": "Headers", "Cookie": "Cookies"}[kind]
    config = {f"{kind}Behavior": behaviour}
    if names:
        config[member] = {"Quantity": len(names), "Items": list(names)}
    return config


def cache_policy(cloudfront, query: dict, headers: dict, cookies: dict) -> str:
    return cloudfront.create_cache_policy(CachePolicyConfig={
        "Name": unique("key"), "MinTTL": 0, "DefaultTTL": 300, "MaxTTL": 3600,
        "ParametersInCacheKeyAndForwardedToOrigin": {
            "EnableAcceptEncodingGzip": False, "QueryStringsConfig": query, "HeadersConfig": headers,
            "CookiesConfig": cookies}})["CachePolicy"]["Id"]


def distribution(cloudfront, port: int, behaviour: dict) -> dict:
    config = distribution_config([web(port)], {"TargetOriginId": "web", "ViewerProtocolPolicy": "allow-all",
                                               **behaviour})
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]


def get(endpoint: str, distribution: dict, path: str, **headers) -> tuple[str, str]:
    """(X-Cache outcome, body) of a viewer's GET."""
    answer = requests.get(f"{endpoint}/_cloudfront/{distribution['Id']}{path}", timeout=30,
                          headers={k.replace("_", "-"): v for k, v in headers.items()})
    assert answer.status_code == 200, answer.text
    return answer.headers["X-Cache"].split()[0], answer.text


def test_whitelists_in_the_key_and_what_else_reaches_the_origin(cloudfront, origin, endpoint):
    port, seen = origin
    key_policy = cache_policy(cloudfront, selection("QueryString", "whitelist", ["v"]),
                              selection("Header", "whitelist", ["X-Variant"]),
                              selection("Cookie", "whitelist", ["session"]))
    origin_policy = cloudfront.create_origin_request_policy(OriginRequestPolicyConfig={
        "Name": unique("origin"), "QueryStringsConfig": selection("QueryString", "all"),
        "HeadersConfig": selection("Header", "whitelist", ["X-Extra"]),
        "CookiesConfig": selection("Cookie", "none")})["OriginRequestPolicy"]["Id"]
    dist = distribution(cloudfront, port, {"CachePolicyId": key_policy, "OriginRequestPolicyId": origin_policy})
    viewer = {"X_Variant": "a", "X_Extra": "e1", "X_Other": "o", "Cookie": "session=1; tracking=2"}
    assert get(endpoint, dist, "/page?v=1&other=a", **viewer)[0] == "Miss"
    path, headers = seen[-1]
    assert path == "/page?other=a&v=1"  # the key's v and the origin policy's every query string
    assert (headers["x-variant"], headers["x-extra"], headers["cookie"]) == ("a", "e1", "session=1")
    assert "x-other" not in headers
    # Only what is in the key tells objects apart.
    assert get(endpoint, dist, "/page?other=b&v=1", **{**viewer, "X_Extra": "e2", "Cookie": "session=1; tracking=9"}) \
        == ("Hit", "answer #1")
    assert get(endpoint, dist, "/page?v=2", **viewer)[0] == "Miss"
    assert get(endpoint, dist, "/page?v=1", **{**viewer, "X_Variant": "b"})[0] == "Miss"
    assert get(endpoint, dist, "/page?v=1", **{**viewer, "Cookie": "session=2"})[0] == "Miss"
    assert get(endpoint, dist, "/page?v=1", **viewer)[0] == "Hit"
    # An invalidation path matches the key's path and query string: every variant of them by header or
    # cookie goes, other query strings stay.
    cloudfront.create_invalidation(DistributionId=dist["Id"], InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/page?v=1"]}, "CallerReference": unique("inv")})
    assert get(endpoint, dist, "/page?v=1", **viewer)[0] == "Miss"
    assert get(endpoint, dist, "/page?v=1", **{**viewer, "X_Variant": "b"})[0] == "Miss"
    assert get(endpoint, dist, "/page?v=2", **viewer)[0] == "Hit"


def test_all_and_all_except(cloudfront, origin, endpoint):
    port, seen = origin
    key_policy = cache_policy(cloudfront, selection("QueryString", "allExcept", ["utm"]),
                              selection("Header", "none"), selection("Cookie", "all"))
    dist = distribution(cloudfront, port, {"CachePolicyId": key_policy})
    assert get(endpoint, dist, "/p?a=1&utm=x", Cookie="k=1")[0] == "Miss"
    assert seen[-1][0] == "/p?a=1" and seen[-1][1]["cookie"] == "k=1"
    assert get(endpoint, dist, "/p?a=1&utm=y", Cookie="k=1")[0] == "Hit"
    assert get(endpoint, dist, "/p?a=1", Cookie="k=1; j=2")[0] == "Miss"


def test_managed_policy_keeps_the_key_small_while_the_origin_gets_all(cloudfront, origin, endpoint):
    port, seen = origin
    dist = distribution(cloudfront, port, {"CachePolicyId": CACHING_OPTIMIZED, "OriginRequestPolicyId": ALL_VIEWER})
    assert get(endpoint, dist, "/m?q=1", X_Any="1", Cookie="c=1")[0] == "Miss"
    assert seen[-1][0] == "/m?q=1" and seen[-1][1]["x-any"] == "1" and seen[-1][1]["cookie"] == "c=1"
    assert get(endpoint, dist, "/m?q=2", X_Any="2")[0] == "Hit"


def test_legacy_forwarded_values(cloudfront, origin, endpoint):
    port, seen = origin
    behaviour = legacy_behaviour("web", query_string=True, default_ttl=300)
    behaviour["ForwardedValues"].update({
        "QueryStringCacheKeys": {"Quantity": 1, "Items": ["v"]}, "Headers": {"Quantity": 1, "Items": ["X-Variant"]},
        "Cookies": {"Forward": "whitelist", "WhitelistedNames": {"Quantity": 1, "Items": ["session"]}}})
    dist = distribution(cloudfront, port, behaviour)
    assert get(endpoint, dist, "/l?v=1&x=1", X_Variant="a", Cookie="session=1; other=2")[0] == "Miss"
    assert seen[-1][0] == "/l?v=1&x=1" and seen[-1][1]["cookie"] == "session=1"  # all query strings forwarded
    assert get(endpoint, dist, "/l?v=1&x=2", X_Variant="a", Cookie="session=1")[0] == "Hit"
    assert get(endpoint, dist, "/l?v=1", X_Variant="b", Cookie="session=1")[0] == "Miss"
