"""Cache, origin request and response headers policies as resources: AWS's managed ones under their real
ids, the account's own with ETags and If-Match, the Type filter, and deletion refused while in use."""
from __future__ import annotations

import pytest

from tests.support import (
    ALL_VIEWER,
    CACHING_OPTIMIZED,
    SECURITY_HEADERS,
    distribution_config,
    error_of,
    make_client,
    public_origin_bucket,
    s3_origin,
    start_server,
    unique,
)


@pytest.fixture(scope="module")
def cloudfront(aws):
    return aws("cloudfront")


def cache_policy_config(**extra) -> dict:
    return {"Name": unique("cache"), "MinTTL": 0, "DefaultTTL": 60, "MaxTTL": 3600,
            "ParametersInCacheKeyAndForwardedToOrigin": {
                "EnableAcceptEncodingGzip": False,
                "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": {"Quantity": 1, "Items": ["x-variant"]}},
                "CookiesConfig": {"CookieBehavior": "none"},
                "QueryStringsConfig": {"QueryStringBehavior": "all"}}, **extra}


def behaviour(**policies) -> dict:
    return {"TargetOriginId": "s3", "ViewerProtocolPolicy": "allow-all", **policies}


def test_managed_policies_under_their_real_ids(cloudfront):
    managed = cloudfront.list_cache_policies(Type="managed")["CachePolicyList"]["Items"]
    names = {p["CachePolicy"]["Id"]: p["CachePolicy"]["CachePolicyConfig"]["Name"] for p in managed}
    assert names[CACHING_OPTIMIZED] == "Managed-CachingOptimized"
    assert names["4135ea2d-6df8-44a3-9df3-4b5a84be39ad"] == "Managed-CachingDisabled"
    assert {p["Type"] for p in managed} == {"managed"} and len(names) == 6
    optimized = cloudfront.get_cache_policy(Id=CACHING_OPTIMIZED)["CachePolicy"]["CachePolicyConfig"]
    assert (optimized["MinTTL"], optimized["DefaultTTL"], optimized["MaxTTL"]) == (1, 86400, 31536000)
    origin = cloudfront.list_origin_request_policies(Type="managed")["OriginRequestPolicyList"]["Items"]
    assert {p["OriginRequestPolicy"]["OriginRequestPolicyConfig"]["Name"] for p in origin} >= {
        "Managed-AllViewer", "Managed-CORS-S3Origin", "Managed-AllViewerAndCloudFrontHeaders-2022-06"}
    headers = cloudfront.get_response_headers_policy(Id=SECURITY_HEADERS)["ResponseHeadersPolicy"]
    security = headers["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert security["FrameOptions"]["FrameOption"] == "SAMEORIGIN"
    listed = cloudfront.list_response_headers_policies(Type="managed")["ResponseHeadersPolicyList"]["Items"]
    assert len(listed) == 5
    assert error_of(cloudfront.delete_cache_policy, Id=CACHING_OPTIMIZED, IfMatch="E23ZP02F085DFQ")[0] == "AccessDenied"


def test_cache_policy_lifecycle(cloudfront, aws):
    config = cache_policy_config()
    created = cloudfront.create_cache_policy(CachePolicyConfig=config)
    policy = created["CachePolicy"]
    assert policy["CachePolicyConfig"] == config and created["Location"].endswith(policy["Id"])
    assert error_of(cloudfront.create_cache_policy, CachePolicyConfig=config) == ("CachePolicyAlreadyExists", 409)
    custom = cloudfront.list_cache_policies(Type="custom")["CachePolicyList"]["Items"]
    assert [p["CachePolicy"]["Id"] for p in custom] == [policy["Id"]] and custom[0]["Type"] == "custom"
    assert error_of(cloudfront.update_cache_policy, Id=policy["Id"], CachePolicyConfig=config,
                    IfMatch="") == ("InvalidIfMatchVersion", 400)
    backwards = {**config, "MinTTL": 100, "DefaultTTL": 10}
    assert error_of(cloudfront.update_cache_policy, Id=policy["Id"], CachePolicyConfig=backwards,
                    IfMatch=created["ETag"]) == ("InvalidTTLOrder", 400)
    updated = cloudfront.update_cache_policy(Id=policy["Id"], CachePolicyConfig={**config, "DefaultTTL": 120},
                                             IfMatch=created["ETag"])
    assert updated["CachePolicy"]["CachePolicyConfig"]["DefaultTTL"] == 120
    bucket = public_origin_bucket(aws("s3"))
    used = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [s3_origin("s3", bucket)], behaviour(CachePolicyId=policy["Id"])))
    assert error_of(cloudfront.delete_cache_policy, Id=policy["Id"],
                    IfMatch=updated["ETag"]) == ("CachePolicyInUse", 409)
    disabled = cloudfront.update_distribution(
        Id=used["Distribution"]["Id"], IfMatch=used["ETag"],
        DistributionConfig={**used["Distribution"]["DistributionConfig"], "Enabled": False})
    cloudfront.delete_distribution(Id=used["Distribution"]["Id"], IfMatch=disabled["ETag"])
    cloudfront.delete_cache_policy(Id=policy["Id"], IfMatch=updated["ETag"])
    assert error_of(cloudfront.get_cache_policy, Id=policy["Id"]) == ("NoSuchCachePolicy", 404)


def test_behaviours_name_only_existing_policies(cloudfront, aws):
    bucket = public_origin_bucket(aws("s3"))
    unknown = "00000000-0000-0000-0000-000000000000"
    for member, code in (("CachePolicyId", "NoSuchCachePolicy"), ("OriginRequestPolicyId", "NoSuchOriginRequestPolicy"),
                         ("ResponseHeadersPolicyId", "NoSuchResponseHeadersPolicy")):
        policies = {"CachePolicyId": CACHING_OPTIMIZED, member: unknown}
        config = distribution_config([s3_origin("s3", bucket)], behaviour(**policies))
        assert error_of(cloudfront.create_distribution, DistributionConfig=config) == (code, 404)
    config = distribution_config([s3_origin("s3", bucket)], behaviour(
        CachePolicyId=CACHING_OPTIMIZED, OriginRequestPolicyId=ALL_VIEWER, ResponseHeadersPolicyId=SECURITY_HEADERS))
    assert cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]


def test_origin_request_and_response_headers_policies(cloudfront):
    origin_config = {"Name": unique("origin"), "Comment": "to the origin",
                     "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": {"Quantity": 1, "Items": ["x-a"]}},
                     "CookiesConfig": {"CookieBehavior": "all"}, "QueryStringsConfig": {"QueryStringBehavior": "none"}}
    created = cloudfront.create_origin_request_policy(OriginRequestPolicyConfig=origin_config)
    policy_id = created["OriginRequestPolicy"]["Id"]
    assert cloudfront.get_origin_request_policy_config(Id=policy_id)["OriginRequestPolicyConfig"] == origin_config
    wrong = {**origin_config, "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": {"Quantity": 2,
                                                                                         "Items": ["x-a"]}}}
    assert error_of(cloudfront.update_origin_request_policy, Id=policy_id, OriginRequestPolicyConfig=wrong,
                    IfMatch=created["ETag"]) == ("InconsistentQuantities", 400)
    cloudfront.delete_origin_request_policy(Id=policy_id, IfMatch=created["ETag"])
    assert error_of(cloudfront.get_origin_request_policy, Id=policy_id) == ("NoSuchOriginRequestPolicy", 404)
    headers_config = {"Name": unique("headers"), "CustomHeadersConfig": {"Quantity": 1, "Items": [
        {"Header": "X-Powered-By", "Value": "nimbus", "Override": True}]}}
    made = cloudfront.create_response_headers_policy(ResponseHeadersPolicyConfig=headers_config)
    made_id = made["ResponseHeadersPolicy"]["Id"]
    custom = cloudfront.list_response_headers_policies(Type="custom")["ResponseHeadersPolicyList"]["Items"]
    assert [p["ResponseHeadersPolicy"]["Id"] for p in custom] == [made_id]
    cloudfront.delete_response_headers_policy(Id=made_id, IfMatch=made["ETag"])


def test_paging_and_restart(tmp_path):
    with start_server(tmp_path) as first:
        cloudfront = make_client(first.endpoint, "cloudfront")
        made = cloudfront.create_cache_policy(CachePolicyConfig=cache_policy_config())["CachePolicy"]
        identity = cloudfront.create_cloud_front_origin_access_identity(CloudFrontOriginAccessIdentityConfig={
            "CallerReference": "r1", "Comment": "kept"})["CloudFrontOriginAccessIdentity"]
    with start_server(tmp_path) as second:
        cloudfront = make_client(second.endpoint, "cloudfront")
        assert cloudfront.get_cache_policy(Id=made["Id"])["CachePolicy"] == made
        assert cloudfront.get_cloud_front_origin_access_identity(Id=identity["Id"])[
            "CloudFrontOriginAccessIdentity"] == identity
        ids, marker = [], ""
        while True:
            page = cloudfront.list_cache_policies(MaxItems="2", Marker=marker)["CachePolicyList"]
            ids += [p["CachePolicy"]["Id"] for p in page["Items"]]
            if "NextMarker" not in page:
                break
            marker = page["NextMarker"]
        assert sorted(ids) == ids and len(ids) == 7 and made["Id"] in ids
