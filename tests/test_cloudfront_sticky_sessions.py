"""Session stickiness of a SingleWeight continuous deployment policy: the aws-cf-cd-session cookie keeps a
viewer's session on one distribution until IdleTTL or MaximumTTL pass on the virtual clock, a cookie the
viewer wrote is not honoured, and turning stickiness off and on ends every session."""
from __future__ import annotations

import pytest
import requests

from tests.support import (
    advance_clock,
    distribution_config,
    error_of,
    legacy_behaviour,
    public_origin_bucket,
    s3_origin,
    virtual_now,
)

COOKIE = "aws-cf-cd-session"
STICKY = {"IdleTTL": 300, "MaximumTTL": 600}


def weighted(sticky: dict | None = STICKY) -> dict:
    config: dict = {"Weight": 0.15}
    if sticky is not None:
        config["SessionStickinessConfig"] = sticky
    return {"Type": "SingleWeight", "SingleWeightConfig": config}


def policy_config(staging_domain: str, traffic: dict) -> dict:
    return {"StagingDistributionDnsNames": {"Quantity": 1, "Items": [staging_domain]}, "Enabled": True,
            "TrafficConfig": traffic}


@pytest.fixture(scope="module")
def rollout(aws, endpoint):
    """(page URL, policy id, staging domain): a primary serving v1 and its staging distribution serving v2."""
    cloudfront, s3 = aws("cloudfront"), aws("s3")
    bucket = public_origin_bucket(s3, "sticky")
    for version in ("v1", "v2"):
        s3.put_object(Bucket=bucket, Key=f"{version}/page.txt", Body=version.encode())
    distributions = []
    for version, staging in (("v2", True), ("v1", False)):
        distributions.append(cloudfront.create_distribution(DistributionConfig=distribution_config(
            [s3_origin("s3", bucket, f"/{version}")], legacy_behaviour("s3", default_ttl=0, max_ttl=0),
            Staging=staging))["Distribution"])
    staging, primary = distributions
    policy = cloudfront.create_continuous_deployment_policy(
        ContinuousDeploymentPolicyConfig=policy_config(staging["DomainName"], weighted()))["ContinuousDeploymentPolicy"]
    etag = cloudfront.get_distribution_config(Id=primary["Id"])["ETag"]
    cloudfront.update_distribution(Id=primary["Id"], IfMatch=etag, DistributionConfig={
        **cloudfront.get_distribution_config(Id=primary["Id"])["DistributionConfig"],
        "ContinuousDeploymentPolicyId": policy["Id"]})
    return f"{endpoint}/_cloudfront/{primary['Id']}/page.txt", policy["Id"], staging["DomainName"]


def visit(url: str, cookie: str | None = None) -> tuple[str, str]:
    """(the page, the session cookie's value the edge answers)."""
    response = requests.get(url, headers={"Cookie": f"{COOKIE}={cookie}"} if cookie else {}, timeout=30)
    assert response.status_code == 200
    return response.text, response.cookies[COOKIE]


def staging_session(url: str) -> str:
    """A session the 15% weight put on the staging distribution (new sessions until one is)."""
    for _ in range(300):
        page, cookie = visit(url)
        if page == "v2":
            return cookie
    raise AssertionError("no session reached the staging distribution in 300 tries at 15%")


def started(cookie: str) -> int:
    return int(cookie.split(".")[1])


def test_a_session_stays_on_its_distribution(rollout, endpoint):
    url, _, _ = rollout
    cookie = staging_session(url)
    for _ in range(20):  # at 15% per request, unsticky routing would leave staging at once
        page, cookie = visit(url, cookie)
        assert page == "v2"
    first = started(cookie)
    advance_clock(endpoint, 250)  # within IdleTTL: the same session, its last request moved on
    page, cookie = visit(url, cookie)
    assert (page, started(cookie)) == ("v2", first)
    advance_clock(endpoint, 250)
    assert visit(url, cookie)[0] == "v2"
    advance_clock(endpoint, 150)  # 650 s since the session began: past MaximumTTL, a new session
    assert started(visit(url, cookie)[1]) == int(virtual_now(endpoint).timestamp())


def test_idle_sessions_end(rollout, endpoint):
    url, _, _ = rollout
    cookie = staging_session(url)
    advance_clock(endpoint, 301)
    assert started(visit(url, cookie)[1]) == int(virtual_now(endpoint).timestamp())


def test_a_written_cookie_is_not_honoured(rollout, endpoint):
    url, _, _ = rollout
    now = int(virtual_now(endpoint).timestamp())
    forged = f"staging.{now}.{now}.{'0' * 32}"
    pages = [visit(url, forged)[0] for _ in range(20)]
    assert pages.count("v1") > 5  # 85% of new sessions are the primary's


def test_turning_stickiness_off_and_on_ends_sessions(rollout, aws, endpoint):
    url, policy_id, staging_domain = rollout
    cloudfront = aws("cloudfront")

    def traffic(config: dict) -> None:
        etag = cloudfront.get_continuous_deployment_policy(Id=policy_id)["ETag"]
        cloudfront.update_continuous_deployment_policy(Id=policy_id, IfMatch=etag,
                                                       ContinuousDeploymentPolicyConfig=policy_config(staging_domain, config))

    cookie = staging_session(url)
    traffic(weighted(None))
    assert COOKIE not in requests.get(url, timeout=30).cookies  # without stickiness, no cookie at all
    traffic(weighted())
    advance_clock(endpoint, 1)
    assert started(visit(url, cookie)[1]) == int(virtual_now(endpoint).timestamp())


@pytest.mark.parametrize("sticky", [{"IdleTTL": 200, "MaximumTTL": 600}, {"IdleTTL": 900, "MaximumTTL": 600},
                                    {"IdleTTL": 300, "MaximumTTL": 4000}])
def test_session_ttls_cloudfront_refuses(rollout, aws, sticky):
    _, policy_id, staging_domain = rollout
    cloudfront = aws("cloudfront")
    etag = cloudfront.get_continuous_deployment_policy(Id=policy_id)["ETag"]
    assert error_of(cloudfront.update_continuous_deployment_policy, Id=policy_id, IfMatch=etag,
                    ContinuousDeploymentPolicyConfig=policy_config(staging_domain, weighted(sticky))) == (
        "InvalidArgument", 400)
