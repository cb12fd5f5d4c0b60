"""Continuous deployment in CloudFront: CopyDistribution makes a staging distribution, a continuous
deployment policy sends it the viewers with its aws-cf-cd-* header or a share of all of them, and
UpdateDistributionWithStagingConfig promotes its configuration to the primary."""
from __future__ import annotations

import pytest
import requests

from tests.support import distribution_config, error_of, legacy_behaviour, public_origin_bucket, s3_origin, unique


@pytest.fixture(scope="module")
def cloudfront(aws):
    return aws("cloudfront")


def policy_config(staging: dict, traffic: dict, enabled: bool = True) -> dict:
    return {"StagingDistributionDnsNames": {"Quantity": 1, "Items": [staging["DomainName"]]}, "Enabled": enabled,
            "TrafficConfig": traffic}


HEADER = {"Type": "SingleHeader", "SingleHeaderConfig": {"Header": "aws-cf-cd-test", "Value": "staging"}}


def test_staging_routed_and_promoted(cloudfront, aws, endpoint):
    s3 = aws("s3")
    bucket = public_origin_bucket(s3, "cd")
    for version in ("v1", "v2"):
        s3.put_object(Bucket=bucket, Key=f"{version}/page.txt", Body=version.encode())
    alias = unique("cd") + ".example.com"
    created = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [s3_origin("s3", bucket, "/v1")], legacy_behaviour("s3", default_ttl=0, max_ttl=0),
        Aliases={"Quantity": 1, "Items": [alias]}))
    primary, primary_etag = created["Distribution"], created["ETag"]

    assert error_of(cloudfront.copy_distribution, PrimaryDistributionId=primary["Id"], Staging=True,
                    CallerReference=unique("ref"), IfMatch="EOLD") == ("PreconditionFailed", 412)
    copied = cloudfront.copy_distribution(PrimaryDistributionId=primary["Id"], Staging=True,
                                          CallerReference=unique("ref"), IfMatch=primary_etag)
    staging = copied["Distribution"]
    assert staging["DistributionConfig"]["Staging"] is True and staging["DistributionConfig"]["Aliases"]["Quantity"] == 0
    assert staging["DomainName"] != primary["DomainName"]
    staging_config = staging["DistributionConfig"]
    staging_config["Origins"]["Items"][0]["OriginPath"] = "/v2"
    staging_etag = cloudfront.update_distribution(Id=staging["Id"], DistributionConfig=staging_config,
                                                  IfMatch=copied["ETag"])["ETag"]

    policy = cloudfront.create_continuous_deployment_policy(ContinuousDeploymentPolicyConfig=policy_config(staging, HEADER))
    policy_id = policy["ContinuousDeploymentPolicy"]["Id"]
    config = {**cloudfront.get_distribution_config(Id=primary["Id"])["DistributionConfig"],
              "ContinuousDeploymentPolicyId": policy_id}
    primary_etag = cloudfront.update_distribution(Id=primary["Id"], DistributionConfig=config, IfMatch=primary_etag)["ETag"]

    url = f"{endpoint}/_cloudfront/{primary['Id']}/page.txt"
    assert requests.get(url, timeout=30).text == "v1"
    assert requests.get(url, headers={"aws-cf-cd-test": "staging"}, timeout=30).text == "v2"
    assert requests.get(url, headers={"aws-cf-cd-test": "other"}, timeout=30).text == "v1"

    weighted = {"Type": "SingleWeight", "SingleWeightConfig": {"Weight": 0.15}}
    etag = cloudfront.update_continuous_deployment_policy(Id=policy_id, IfMatch=policy["ETag"],
                                                          ContinuousDeploymentPolicyConfig=policy_config(staging, weighted))["ETag"]
    served = [requests.get(url, timeout=30).text for _ in range(300)]
    assert 15 <= served.count("v2") <= 90  # 45 expected; these bounds are more than 4 standard deviations out
    assert error_of(cloudfront.delete_continuous_deployment_policy, Id=policy_id, IfMatch=etag) \
        == ("ContinuousDeploymentPolicyInUse", 409)

    assert error_of(cloudfront.update_distribution_with_staging_config, Id=primary["Id"],
                    StagingDistributionId=staging["Id"], IfMatch=primary_etag) == ("InvalidIfMatchVersion", 400)
    promoted = cloudfront.update_distribution_with_staging_config(
        Id=primary["Id"], StagingDistributionId=staging["Id"], IfMatch=f"{primary_etag}, {staging_etag}")
    promoted_config = promoted["Distribution"]["DistributionConfig"]
    assert promoted_config["Origins"]["Items"][0]["OriginPath"] == "/v2"
    assert promoted_config["Aliases"]["Items"] == [alias] and promoted_config["Staging"] is False
    assert promoted_config["ContinuousDeploymentPolicyId"] == policy_id
    disabled = cloudfront.update_continuous_deployment_policy(
        Id=policy_id, IfMatch=etag, ContinuousDeploymentPolicyConfig=policy_config(staging, weighted, enabled=False))
    assert disabled["ContinuousDeploymentPolicy"]["ContinuousDeploymentPolicyConfig"]["Enabled"] is False
    assert {requests.get(url, timeout=30).text for _ in range(20)} == {"v2"}


def test_policies_cloudfront_refuses(cloudfront, aws):
    bucket = public_origin_bucket(aws("s3"), "cd")
    created = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [s3_origin("s3", bucket)], legacy_behaviour("s3")))
    primary = created["Distribution"]
    staging = cloudfront.copy_distribution(PrimaryDistributionId=primary["Id"], Staging=True,
                                           CallerReference=unique("ref"), IfMatch=created["ETag"])["Distribution"]

    def create(target: dict, traffic: dict):
        return error_of(cloudfront.create_continuous_deployment_policy,
                        ContinuousDeploymentPolicyConfig=policy_config(target, traffic))

    assert create(staging, {"Type": "SingleWeight", "SingleWeightConfig": {"Weight": 0.5}}) == ("InvalidArgument", 400)
    assert create(staging, {"Type": "SingleHeader", "SingleHeaderConfig": {"Header": "x-test", "Value": "1"}}) \
        == ("InvalidArgument", 400)
    assert create(primary, HEADER) == ("InvalidArgument", 400)  # not a staging distribution
    policy = cloudfront.create_continuous_deployment_policy(ContinuousDeploymentPolicyConfig=policy_config(staging, HEADER))
    assert create(staging, HEADER) == ("StagingDistributionInUse", 409)
    policy_id = policy["ContinuousDeploymentPolicy"]["Id"]
    got = cloudfront.get_continuous_deployment_policy_config(Id=policy_id)
    assert got["ETag"] == policy["ETag"] and got["ContinuousDeploymentPolicyConfig"]["TrafficConfig"] == HEADER
    listed = cloudfront.list_continuous_deployment_policies()["ContinuousDeploymentPolicyList"]["Items"]
    assert policy_id in [p["ContinuousDeploymentPolicy"]["Id"] for p in listed]

    config = {**staging["DistributionConfig"], "ContinuousDeploymentPolicyId": policy_id}
    etag = cloudfront.get_distribution(Id=staging["Id"])["ETag"]
    assert error_of(cloudfront.update_distribution, Id=staging["Id"], DistributionConfig=config, IfMatch=etag) \
        == ("IllegalUpdate", 400)
    cloudfront.delete_continuous_deployment_policy(Id=policy_id, IfMatch=policy["ETag"])
    assert error_of(cloudfront.get_continuous_deployment_policy, Id=policy_id) == ("NoSuchContinuousDeploymentPolicy", 404)
