"""The trustedadvisor API with boto3: the same checks and results as the support API's, seen as
recommendations with resources, lifecycles and exclusions."""
from __future__ import annotations

import pytest

from tests.support import advance_clock, error_of, unique

S3_VERSIONING = "R365s2Qddf"


@pytest.fixture(scope="module")
def advisor(aws):
    return aws("trustedadvisor")


def recommendation_of(advisor, check_id: str) -> dict:
    found = advisor.list_recommendations(checkIdentifier=f"arn:aws:trustedadvisor:::check/{check_id}")["recommendationSummaries"]
    assert len(found) == 1
    return found[0]


def test_checks_carry_aws_ids_pillars_and_columns(advisor):
    checks = {c["id"]: c for c in advisor.list_checks(pillar="fault_tolerance")["checkSummaries"]}
    assert checks[S3_VERSIONING]["name"] == "Amazon S3 Bucket Versioning"
    assert checks[S3_VERSIONING]["arn"] == f"arn:aws:trustedadvisor:::check/{S3_VERSIONING}"
    assert checks[S3_VERSIONING]["metadata"]["1"] == "Bucket Name"
    assert all(c["pillars"] == ["fault_tolerance"] for c in checks.values())
    assert {c["id"] for c in advisor.list_checks(awsService="kinesis")["checkSummaries"]} == {"bW7HH0l7J9", "nimbusIdlS"}


def test_a_recommendation_lists_its_resources_and_excludes_one(advisor, aws, account):
    s3 = aws("s3")
    name = unique("ta-rec")
    s3.create_bucket(Bucket=name)
    summary = recommendation_of(advisor, S3_VERSIONING)
    assert summary["status"] == "warning" and summary["pillars"] == ["fault_tolerance"]
    assert summary["arn"] == f"arn:aws:trustedadvisor::{account}:recommendation/{summary['id']}"
    got = advisor.get_recommendation(recommendationIdentifier=summary["arn"])["recommendation"]
    assert got["id"] == summary["id"] and "Alert Criteria" in got["description"]

    resources = advisor.list_recommendation_resources(recommendationIdentifier=summary["arn"])[
        "recommendationResourceSummaries"]
    mine = [r for r in resources if r["metadata"]["1"] == name]
    assert len(mine) == 1 and mine[0]["awsResourceId"] == f"arn:aws:s3:::{name}"
    assert mine[0]["status"] == "warning" and mine[0]["exclusionStatus"] == "included"
    listing = advisor.list_recommendations_for_resource(awsResourceArn=f"arn:aws:s3:::{name}")
    assert f"arn:aws:trustedadvisor:::check/{S3_VERSIONING}" in {
        r["checkArn"] for r in listing["recommendationForResourceSummaries"]}

    answer = advisor.batch_update_recommendation_resource_exclusion(recommendationResourceExclusions=[
        {"arn": mine[0]["arn"], "isExcluded": True},
        {"arn": mine[0]["arn"][:-3] + "zzz", "isExcluded": True}])
    assert [e["arn"] for e in answer["batchUpdateRecommendationResourceExclusionErrors"]] == [
        mine[0]["arn"][:-3] + "zzz"]
    excluded = advisor.list_recommendation_resources(recommendationIdentifier=summary["arn"],
                                                     exclusionStatus="excluded")["recommendationResourceSummaries"]
    assert [r["id"] for r in excluded] == [mine[0]["id"]]
    assert recommendation_of(advisor, S3_VERSIONING)["resourcesAggregates"]["excludedCount"] >= 1


def test_the_lifecycle_is_kept_and_bad_stages_refused(advisor):
    summary = recommendation_of(advisor, S3_VERSIONING)
    advisor.update_recommendation_lifecycle(recommendationIdentifier=summary["arn"], lifecycleStage="dismissed",
                                            updateReasonCode="low_priority", updateReason="a sandbox account")
    got = advisor.get_recommendation(recommendationIdentifier=summary["arn"])["recommendation"]
    assert (got["lifecycleStage"], got["updateReasonCode"], got["updateReason"]) == (
        "dismissed", "low_priority", "a sandbox account")
    assert error_of(advisor.update_recommendation_lifecycle, recommendationIdentifier=summary["arn"],
                    lifecycleStage="in_progress", updateReasonCode="other").code == "ValidationException"
    missing = error_of(advisor.get_recommendation, recommendationIdentifier=summary["arn"][:-4] + "0000")
    assert (missing.code, missing.status) == ("ResourceNotFoundException", 404)


def test_the_support_api_and_this_one_share_a_refresh(advisor, aws, endpoint):
    s3, support = aws("s3"), aws("support")
    name = unique("ta-shared")
    s3.create_bucket(Bucket=name)
    advance_clock(endpoint, 3601)
    support.refresh_trusted_advisor_check(checkId=S3_VERSIONING)
    advance_clock(endpoint, 10)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    advance_clock(endpoint, 3601)
    support.refresh_trusted_advisor_check(checkId=S3_VERSIONING)
    advance_clock(endpoint, 10)
    summary = recommendation_of(advisor, S3_VERSIONING)
    resources = advisor.list_recommendation_resources(recommendationIdentifier=summary["arn"], status="ok")[
        "recommendationResourceSummaries"]
    assert name in {r["metadata"]["1"] for r in resources}


def test_the_organization_view_spans_nimbus_accounts(advisor, client, account):
    """The default account is the organization's management account; the module's account is a member."""
    advisor.list_recommendations()  # the member's checks have results
    management = client("trustedadvisor")
    summaries = management.list_organization_recommendations(
        checkIdentifier=f"arn:aws:trustedadvisor:::check/{S3_VERSIONING}")["organizationRecommendationSummaries"]
    assert len(summaries) == 1 and summaries[0]["arn"].startswith(
        "arn:aws:trustedadvisor:::organization-recommendation/")
    arn = summaries[0]["arn"]
    accounts = management.list_organization_recommendation_accounts(organizationRecommendationIdentifier=arn)[
        "accountRecommendationLifecycleSummaries"]
    mine = [a for a in accounts if a["accountId"] == account]
    assert mine and mine[0]["accountRecommendationArn"] == recommendation_of(advisor, S3_VERSIONING)["arn"]
    resources = management.list_organization_recommendation_resources(
        organizationRecommendationIdentifier=arn, affectedAccountId=account)["organizationRecommendationResourceSummaries"]
    assert resources and {r["accountId"] for r in resources} == {account}

    management.update_organization_recommendation_lifecycle(
        organizationRecommendationIdentifier=arn, lifecycleStage="in_progress", updateReason="rolling out versioning")
    got = management.get_organization_recommendation(organizationRecommendationIdentifier=arn)[
        "organizationRecommendation"]
    assert got["lifecycleStage"] == "in_progress" and got["updateReason"] == "rolling out versioning"

    refused = error_of(advisor.list_organization_recommendations)
    assert (refused.code, refused.status) == ("AccessDeniedException", 403)
