"""Trusted Advisor's Security Hub-sourced checks over real resources: the root user's access key, KMS keys
pending deletion, and CloudFront distributions' origins, each turning green once fixed and refreshed."""
from __future__ import annotations

import pytest

from tests.support import advance_clock, distribution_config, error_of, legacy_behaviour, s3_origin, unique

ROOT_KEY, KMS_DELETION = "Hs4Ma3G140", "Hs4Ma3G135"
MISSING_ORIGIN, NO_OAC, PLAIN_HTTP = "Hs4Ma3G275", "Hs4Ma3G284", "Hs4Ma3G229"


@pytest.fixture(scope="module")
def support(aws):
    return aws("support")


def refreshed_rows(support, endpoint, check_id: str) -> dict[str, dict]:
    """The check's rows by resource once Trusted Advisor has refreshed it itself (every six hours)."""
    advance_clock(endpoint, 6 * 3600)
    found = support.describe_trusted_advisor_check_result(checkId=check_id)["result"]
    return {row["metadata"][2]: row for row in found["flaggedResources"]}


def test_the_controls_are_listed_with_their_source(aws):
    checks = {c["id"]: c for c in aws("trustedadvisor").list_checks(source="security_hub")["checkSummaries"]}
    assert set(checks) == {ROOT_KEY, KMS_DELETION, MISSING_ORIGIN, NO_OAC, PLAIN_HTTP}
    assert checks[KMS_DELETION]["name"] == "AWS KMS keys should not be deleted unintentionally"
    assert list(checks[ROOT_KEY]["metadata"].values()) == ["Status", "Region", "Resource", "Last Updated Time"]


def test_these_checks_refuse_a_refresh(support):
    refused = error_of(support.refresh_trusted_advisor_check, checkId=KMS_DELETION)
    assert (refused.code, refused.message) == (
        "InvalidParameterValueException", f"[UNREFRESHABLE_CHECK_ID_ERROR] Check {KMS_DELETION} is not refreshable.")


def test_the_root_user_always_has_access_keys(support, account):
    found = support.describe_trusted_advisor_check_result(checkId=ROOT_KEY)["result"]
    assert found["status"] == "error"
    assert [r["metadata"][:3] for r in found["flaggedResources"]] == [
        ["Red", "us-east-1", f"arn:aws:iam::{account}:root"]]


def test_a_key_scheduled_for_deletion_is_red_until_cancelled(support, aws, endpoint):
    kms = aws("kms", region="eu-west-1")
    arn = kms.create_key()["KeyMetadata"]["Arn"]
    assert refreshed_rows(support, endpoint, KMS_DELETION)[arn]["metadata"][:2] == ["Green", "eu-west-1"]
    kms.schedule_key_deletion(KeyId=arn, PendingWindowInDays=30)
    assert refreshed_rows(support, endpoint, KMS_DELETION)[arn]["status"] == "error"
    kms.cancel_key_deletion(KeyId=arn)
    assert refreshed_rows(support, endpoint, KMS_DELETION)[arn]["status"] == "ok"


def test_distribution_origins(support, aws, endpoint):
    cloudfront, s3 = aws("cloudfront"), aws("s3")
    bucket = unique("ta-origin")
    web = {"Id": "web", "DomainName": "example.com", "CustomOriginConfig": {
        "HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}}
    distribution = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [s3_origin("s3", bucket), web], legacy_behaviour("s3")))["Distribution"]
    arn = distribution["ARN"]
    assert refreshed_rows(support, endpoint, MISSING_ORIGIN)[arn]["status"] == "error"
    assert refreshed_rows(support, endpoint, NO_OAC)[arn]["status"] == "warning"
    assert refreshed_rows(support, endpoint, PLAIN_HTTP)[arn]["status"] == "warning"

    s3.create_bucket(Bucket=bucket)
    assert refreshed_rows(support, endpoint, MISSING_ORIGIN)[arn]["metadata"][0] == "Green"
