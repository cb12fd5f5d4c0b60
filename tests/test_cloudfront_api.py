"""CloudFront's distributions API through boto3: ETags and If-Match, status on the virtual clock, caller
references, tags and invalidations, and the configurations AWS refuses."""
from __future__ import annotations

import re

import pytest

from tests.support import (
    CACHING_OPTIMIZED,
    advance_clock,
    distribution_config,
    error_of,
    legacy_behaviour,
    new_bucket,
    s3_origin,
    unique,
)


@pytest.fixture(scope="module")
def cloudfront(aws):
    return aws("cloudfront")


@pytest.fixture(scope="module")
def origin_bucket(aws):
    return new_bucket(aws("s3"), "cforigin")


def simple_config(bucket_name: str, **extra) -> dict:
    return distribution_config([s3_origin("s3", bucket_name)],
                               {"TargetOriginId": "s3", "ViewerProtocolPolicy": "allow-all",
                                "CachePolicyId": CACHING_OPTIMIZED}, **extra)


def test_lifecycle_with_etags(cloudfront, origin_bucket, endpoint):
    created = cloudfront.create_distribution(DistributionConfig=simple_config(origin_bucket, Comment="first"))
    distribution, etag = created["Distribution"], created["ETag"]
    assert re.fullmatch(r"E[A-Z0-9]{13}", distribution["Id"])
    assert re.fullmatch(r"d[a-z0-9]{13}\.cloudfront\.net", distribution["DomainName"])
    assert distribution["Status"] == "InProgress"
    assert created["Location"].endswith(f"/2020-05-31/distribution/{distribution['Id']}")
    dist_id = distribution["Id"]

    got = cloudfront.get_distribution(Id=dist_id)
    assert got["ETag"] == etag and got["Distribution"]["DistributionConfig"]["Comment"] == "first"
    config = cloudfront.get_distribution_config(Id=dist_id)
    assert config["ETag"] == etag and config["DistributionConfig"]["PriceClass"] == "PriceClass_All"

    advance_clock(endpoint, 10)
    assert cloudfront.get_distribution(Id=dist_id)["Distribution"]["Status"] == "Deployed"

    changed = {**config["DistributionConfig"], "Comment": "second", "Enabled": False}
    assert error_of(cloudfront.update_distribution, Id=dist_id, DistributionConfig=changed, IfMatch="") \
        .worded == ("InvalidIfMatchVersion", "The If-Match version is missing or not valid for the resource.")
    assert error_of(cloudfront.update_distribution, Id=dist_id, DistributionConfig=changed,
                    IfMatch="EWRONG") == ("PreconditionFailed", 412)
    assert error_of(cloudfront.delete_distribution, Id=dist_id, IfMatch=etag) == ("DistributionNotDisabled", 409)

    updated = cloudfront.update_distribution(Id=dist_id, DistributionConfig=changed, IfMatch=etag)
    assert updated["ETag"] != etag and updated["Distribution"]["Status"] == "InProgress"
    assert error_of(cloudfront.delete_distribution, Id=dist_id, IfMatch=etag) == ("PreconditionFailed", 412)
    assert error_of(cloudfront.delete_distribution, Id=dist_id) == ("InvalidIfMatchVersion", 400)
    cloudfront.delete_distribution(Id=dist_id, IfMatch=updated["ETag"])
    assert error_of(cloudfront.get_distribution, Id=dist_id).worded == (
        "NoSuchDistribution", "The specified distribution does not exist.")


def test_caller_reference_is_idempotent(cloudfront, origin_bucket):
    config = simple_config(origin_bucket)
    first = cloudfront.create_distribution(DistributionConfig=config)["Distribution"]
    again = cloudfront.create_distribution(DistributionConfig=config)["Distribution"]
    assert again["Id"] == first["Id"]
    assert error_of(cloudfront.create_distribution, DistributionConfig={**config, "Comment": "other"}) == (
        "DistributionAlreadyExists", 409)
    changed = {**cloudfront.get_distribution_config(Id=first["Id"])["DistributionConfig"], "CallerReference": "x"}
    assert error_of(cloudfront.update_distribution, Id=first["Id"], DistributionConfig=changed,
                    IfMatch=cloudfront.get_distribution(Id=first["Id"])["ETag"]) == ("IllegalUpdate", 400)


def test_list_and_tags(cloudfront, origin_bucket):
    created = cloudfront.create_distribution_with_tags(DistributionConfigWithTags={
        "DistributionConfig": simple_config(origin_bucket),
        "Tags": {"Items": [{"Key": "team", "Value": "web"}]}})["Distribution"]
    arn = created["ARN"]
    assert cloudfront.list_tags_for_resource(Resource=arn)["Tags"]["Items"] == [{"Key": "team", "Value": "web"}]
    cloudfront.tag_resource(Resource=arn, Tags={"Items": [{"Key": "env", "Value": "dev"}]})
    cloudfront.untag_resource(Resource=arn, TagKeys={"Items": ["team"]})
    assert cloudfront.list_tags_for_resource(Resource=arn)["Tags"]["Items"] == [{"Key": "env", "Value": "dev"}]
    unknown = arn[:-1] + ("1" if arn.endswith("0") else "0")  # ids are random: never the created one
    assert error_of(cloudfront.list_tags_for_resource, Resource=unknown) == ("NoSuchResource", 404)

    listed = cloudfront.list_distributions()["DistributionList"]
    assert created["Id"] in [d["Id"] for d in listed["Items"]]
    first_page = cloudfront.list_distributions(MaxItems="1")["DistributionList"]
    assert first_page["IsTruncated"] and first_page["Quantity"] == 1
    rest = cloudfront.list_distributions(Marker=first_page["NextMarker"])["DistributionList"]
    assert [d["Id"] for d in first_page["Items"] + rest["Items"]] == [d["Id"] for d in listed["Items"]]


def test_configurations_aws_refuses(cloudfront, origin_bucket):
    wrong_origin = simple_config(origin_bucket)
    wrong_origin["DefaultCacheBehavior"]["TargetOriginId"] = "nowhere"
    assert error_of(cloudfront.create_distribution, DistributionConfig=wrong_origin) == ("NoSuchOrigin", 404)
    ttl_order = distribution_config([s3_origin("s3", origin_bucket)],
                                    legacy_behaviour("s3", min_ttl=100, default_ttl=10, max_ttl=50))
    assert error_of(cloudfront.create_distribution, DistributionConfig=ttl_order) == ("InvalidTTLOrder", 400)
    policy = simple_config(origin_bucket)
    policy["DefaultCacheBehavior"]["CachePolicyId"] = "00000000-0000-0000-0000-000000000000"
    assert error_of(cloudfront.create_distribution, DistributionConfig=policy) == ("NoSuchCachePolicy", 404)
    alias = unique("cdn") + ".example.com"
    cloudfront.create_distribution(DistributionConfig=simple_config(
        origin_bucket, Aliases={"Quantity": 1, "Items": [alias]}))
    assert error_of(cloudfront.create_distribution, DistributionConfig=simple_config(
        origin_bucket, Aliases={"Quantity": 1, "Items": [alias]})) == ("CNAMEAlreadyExists", 409)


def test_invalidations(cloudfront, origin_bucket, endpoint):
    dist_id = cloudfront.create_distribution(DistributionConfig=simple_config(origin_bucket))["Distribution"]["Id"]
    batch = {"Paths": {"Quantity": 2, "Items": ["/assets/*", "/index.html"]}, "CallerReference": unique("inv")}
    created = cloudfront.create_invalidation(DistributionId=dist_id, InvalidationBatch=batch)["Invalidation"]
    assert created["Status"] == "InProgress" and re.fullmatch(r"I[A-Z0-9]{13}", created["Id"])
    assert cloudfront.get_distribution(Id=dist_id)["Distribution"]["InProgressInvalidationBatches"] == 1
    again = cloudfront.create_invalidation(DistributionId=dist_id, InvalidationBatch=batch)["Invalidation"]
    assert again["Id"] == created["Id"]
    advance_clock(endpoint, 10)
    got = cloudfront.get_invalidation(DistributionId=dist_id, Id=created["Id"])["Invalidation"]
    assert got["Status"] == "Completed" and got["InvalidationBatch"]["Paths"]["Items"] == batch["Paths"]["Items"]
    listed = cloudfront.list_invalidations(DistributionId=dist_id)["InvalidationList"]
    assert [(i["Id"], i["Status"]) for i in listed["Items"]] == [(created["Id"], "Completed")]
    assert error_of(cloudfront.get_invalidation, DistributionId=dist_id, Id="INOSUCH") == ("NoSuchInvalidation", 404)
    bad = {"Paths": {"Quantity": 1, "Items": ["no-slash"]}, "CallerReference": unique("inv")}
    assert error_of(cloudfront.create_invalidation, DistributionId=dist_id, InvalidationBatch=bad) == (
        "InvalidArgument", 400)
