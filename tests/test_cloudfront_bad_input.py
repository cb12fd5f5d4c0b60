"""Distribution configurations CloudFront refuses that no other module tries: a distribution without
origins, and path patterns CloudFront does not take, on create and on update (the patterns it takes
still serve)."""
from __future__ import annotations

import pytest

from tests.support import distribution_config, error_of, legacy_behaviour, public_origin_bucket, s3_origin


@pytest.fixture(scope="module")
def origin_bucket(aws):
    return public_origin_bucket(aws("s3"), "badinput")


def with_pattern(bucket: str, pattern: str) -> dict:
    return distribution_config([s3_origin("s3", bucket)], legacy_behaviour("s3"),
                               [{**legacy_behaviour("s3"), "PathPattern": pattern}])


def test_no_origins(client):
    unchecked = client("cloudfront", parameter_validation=False)  # boto3 would refuse before sending
    config = distribution_config([], legacy_behaviour("s3"))
    refused = error_of(unchecked.create_distribution, DistributionConfig=config)
    # The model's own constraint (Items of Origins: at least one) refuses it before CloudFront's checks.
    assert refused.status == 400 and "Member must have length greater than or equal to 1" in refused.message
    assert "origins.items" in refused.message.lower()


@pytest.mark.parametrize("pattern", ["", "/img/*.jpg#x", "/a b/*", "/%20/*", "/ümlaut/*", "/" + "a" * 255,
                                     "/img/<script>"])
def test_path_patterns_cloudfront_refuses(aws, origin_bucket, pattern):
    cloudfront = aws("cloudfront")
    refused = error_of(cloudfront.create_distribution, DistributionConfig=with_pattern(origin_bucket, pattern))
    assert refused == ("InvalidArgument", 400) and "PathPattern" in refused.message


def test_path_patterns_cloudfront_takes(aws, origin_bucket):
    cloudfront = aws("cloudfront")
    for pattern in ("/img/*.jp?g", "*.php", "api/v1/~user's@host:8080+$&\"q\"/*", "/" + "a" * 254):
        created = cloudfront.create_distribution(DistributionConfig=with_pattern(origin_bucket, pattern))
        assert created["Distribution"]["DistributionConfig"]["CacheBehaviors"]["Items"][0]["PathPattern"] == pattern
    config = cloudfront.get_distribution_config(Id=created["Distribution"]["Id"])
    changed = config["DistributionConfig"]
    changed["CacheBehaviors"]["Items"][0]["PathPattern"] = "/bad pattern/*"
    assert error_of(cloudfront.update_distribution, Id=created["Distribution"]["Id"], IfMatch=config["ETag"],
                    DistributionConfig=changed) == ("InvalidArgument", 400)
