"""Config records CloudFront distributions as AWS does, in US East (N. Virginia): one made before the
recorder starts is discovered, and each change after (an update, a tag, the deletion) is an item of its
history, with the configuration in camelCase and its S3 origin's bucket as a relationship."""
from __future__ import annotations

import pytest

from tests.support import (
    config_history,
    distribution_config,
    legacy_behaviour,
    retire,
    s3_origin,
    start_recording,
    unique,
)

DISTRIBUTION = "AWS::CloudFront::Distribution"


@pytest.fixture(scope="module")
def before(aws) -> dict:
    """A distribution made before the recorder starts, then the recorder."""
    cloudfront = aws("cloudfront")
    made = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [s3_origin("s3", unique("origin"))], legacy_behaviour("s3")))["Distribution"]
    start_recording(aws)
    return made


def test_a_distribution_that_existed_is_discovered(aws, before):
    config = aws("config")
    listed = config.list_discovered_resources(resourceType=DISTRIBUTION)["resourceIdentifiers"]
    assert before["Id"] in [r["resourceId"] for r in listed]
    [item] = config_history(config, DISTRIBUTION, before["Id"])
    assert (item["configurationItemStatus"], item["arn"], item["awsRegion"]) == (
        "ResourceDiscovered", before["ARN"], "us-east-1")
    assert item["configuration"]["domainName"] == before["DomainName"]
    assert item["configuration"]["distributionConfig"]["defaultCacheBehavior"]["targetOriginId"] == "s3"


def test_every_change_is_recorded_until_the_deletion(aws, before):
    cloudfront, config = aws("cloudfront"), aws("config")
    bucket = unique("origin")
    made = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [s3_origin("s3", bucket)], legacy_behaviour("s3"), Comment="first"))["Distribution"]
    assert len(config_history(config, DISTRIBUTION, made["Id"])) == 1
    got = cloudfront.get_distribution_config(Id=made["Id"])
    cloudfront.update_distribution(Id=made["Id"], IfMatch=got["ETag"],
                                   DistributionConfig={**got["DistributionConfig"], "Comment": "second"})
    assert len(config_history(config, DISTRIBUTION, made["Id"])) == 2
    cloudfront.tag_resource(Resource=made["ARN"], Tags={"Items": [{"Key": "team", "Value": "edge"}]})
    history = config_history(config, DISTRIBUTION, made["Id"])
    assert [i["configurationItemStatus"] for i in history] == ["ResourceDiscovered", "OK", "OK"]
    assert [i["configuration"]["distributionConfig"]["comment"] for i in history] == ["first", "second", "second"]
    assert history[-1]["tags"] == {"team": "edge"}
    assert {"resourceType": "AWS::S3::Bucket", "resourceId": bucket, "resourceName": bucket,
            "relationshipName": "Is associated with Bucket"} in history[0]["relationships"]

    retire(cloudfront, made["Id"])
    history = config_history(config, DISTRIBUTION, made["Id"])
    assert history[-1]["configurationItemStatus"] == "ResourceDeleted" and len(history) == 4
