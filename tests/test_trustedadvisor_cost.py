"""Trusted Advisor's cost optimisation checks over lifecycle rules (S3 incomplete multipart uploads, and the
Config-sourced versioned-bucket and ECR checks), refreshed by Trusted Advisor itself every six hours."""
from __future__ import annotations

import pytest

from tests.support import advance_clock, error_of, new_bucket

INCOMPLETE_UPLOADS, VERSIONED, REPOSITORIES = "c1cj39rr6v", "c18d2gz171", "c18d2gz128"
ABORT_AFTER_A_WEEK = {"Rules": [{"ID": "abort", "Status": "Enabled", "Filter": {},
                                 "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}]}


@pytest.fixture(scope="module")
def support(aws):
    return aws("support")


def rows_after_six_hours(support, endpoint, check_id: str) -> tuple[dict, dict[str, dict]]:
    advance_clock(endpoint, 6 * 3600)
    found = support.describe_trusted_advisor_check_result(checkId=check_id)["result"]
    return found, {row["metadata"][2]: row for row in found["flaggedResources"]}


def test_a_bucket_without_an_abort_rule_costs_until_it_has_one(support, aws, endpoint):
    s3 = aws("s3")
    name = new_bucket(s3, "ta-mpu")
    found, rows = rows_after_six_hours(support, endpoint, INCOMPLETE_UPLOADS)
    assert rows[name]["metadata"][:6] == ["Yellow", "us-east-1", name, f"arn:aws:s3:::{name}", "No", None]
    assert found["categorySpecificSummary"] == {"costOptimizing": {"estimatedMonthlySavings": 0.0,
                                                                   "estimatedPercentMonthlySavings": 0.0}}
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration=ABORT_AFTER_A_WEEK)
    assert rows_after_six_hours(support, endpoint, INCOMPLETE_UPLOADS)[1][name]["metadata"][:6] == [
        "Green", "us-east-1", name, f"arn:aws:s3:::{name}", "Yes", "7"]
    refused = error_of(support.refresh_trusted_advisor_check, checkId=INCOMPLETE_UPLOADS)
    assert refused.code == "InvalidParameterValueException"


def test_a_versioned_bucket_needs_a_lifecycle(support, aws, endpoint):
    s3 = aws("s3")
    name = new_bucket(s3, "ta-versioned")
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    arn = f"arn:aws:s3:::{name}"
    row = rows_after_six_hours(support, endpoint, VERSIONED)[1][arn]
    assert row["metadata"][:4] == ["Yellow", "us-east-1", arn, "s3-version-lifecycle-policy-check"]
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration=ABORT_AFTER_A_WEEK)
    assert rows_after_six_hours(support, endpoint, VERSIONED)[1][arn]["status"] == "ok"


def test_an_ecr_repository_needs_a_lifecycle_policy(support, aws, endpoint):
    ecr = aws("ecr", region="eu-west-1")
    arn = ecr.create_repository(repositoryName="ta/app")["repository"]["repositoryArn"]
    row = rows_after_six_hours(support, endpoint, REPOSITORIES)[1][arn]
    assert row["status"] == "warning" and row["region"] == "eu-west-1"
    ecr.put_lifecycle_policy(repositoryName="ta/app", lifecyclePolicyText=(
        '{"rules": [{"rulePriority": 1, "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", '
        '"countUnit": "days", "countNumber": 14}, "action": {"type": "expire"}}]}'))
    assert rows_after_six_hours(support, endpoint, REPOSITORIES)[1][arn]["metadata"][0] == "Green"


def test_the_trustedadvisor_api_lists_them_by_pillar_and_source(aws):
    advisor = aws("trustedadvisor")
    checks = {c["id"]: c for c in advisor.list_checks(pillar="cost_optimizing")["checkSummaries"]}
    assert set(checks) == {INCOMPLETE_UPLOADS, VERSIONED, REPOSITORIES, "nimbusIdlS", "nimbusKmsU", "nimbusEmrI"}
    assert (checks[VERSIONED]["source"], checks[INCOMPLETE_UPLOADS]["source"]) == ("aws_config", "ta_check")
    summary = advisor.list_recommendations(pillar="cost_optimizing")["recommendationSummaries"][0]
    assert summary["pillarSpecificAggregates"]["costOptimizing"]["estimatedMonthlySavings"] == 0.0
