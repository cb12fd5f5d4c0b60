"""Trusted Advisor through the support API with boto3 and the AWS CLI: AWS's checks computed over the
account's real resources, a refresh moving through its statuses on the virtual clock, a check turning green
once the user fixes the resource and refreshes, and the support-case API refused as without a plan."""
from __future__ import annotations

import pytest

from tests.support import (
    advance_clock,
    advisor_refreshed,
    aws_cli,
    error_of,
    make_client,
    new_bucket,
    open_to_anyone,
    start_server,
    unique,
)

S3_PERMISSIONS, S3_VERSIONING, KEY_ROTATION = "Pfx0RwqBli", "R365s2Qddf", "DqdJqYeRm5"
EXPOSED_KEYS, IAM_USE, IAM_USERS, KINESIS_SHARDS = "12Fnkpl8Y5", "zXCkfM1nI3", "qS7VV0l7J9", "bW7HH0l7J9"
CLOUDTRAIL_LOGGING = "vjafUGJ9H0"


@pytest.fixture(scope="module")
def support(aws):
    return aws("support")


def result(support, check_id: str) -> dict:
    return support.describe_trusted_advisor_check_result(checkId=check_id, language="en")["result"]


def row_of(found: dict, column: int, value: str) -> dict:
    rows = [r for r in found["flaggedResources"] if r["metadata"][column] == value]
    assert len(rows) == 1, found["flaggedResources"]
    return rows[0]


def test_the_checks_have_aws_ids_names_categories_and_columns(support):
    checks = {c["id"]: c for c in support.describe_trusted_advisor_checks(language="en")["checks"]}
    assert checks[S3_PERMISSIONS]["name"] == "Amazon S3 Bucket Permissions"
    assert checks[S3_PERMISSIONS]["category"] == "security"
    assert checks[S3_PERMISSIONS]["metadata"] == [
        "Region Name", "Region API Parameter", "Bucket Name", "ACL Allows List", "ACL Allows Upload/Delete",
        "Status", "Policy Allows Access", "Ignored Bucket Name"]
    assert checks[S3_VERSIONING]["category"] == "fault_tolerance"
    assert checks[IAM_USERS]["metadata"] == ["Region", "Service", "Limit Name", "Limit Amount", "Current Usage",
                                             "Status"]
    assert "Alert Criteria" in checks[KEY_ROTATION]["description"]


def test_a_public_bucket_turns_green_once_fixed_and_refreshed(support, aws, endpoint):
    s3 = aws("s3")
    name = unique("ta-public")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    s3.delete_public_access_block(Bucket=name)
    s3.put_bucket_acl(Bucket=name, ACL="public-read-write")
    found = advisor_refreshed(support, endpoint, S3_PERMISSIONS)
    row = row_of(found, 2, name)
    assert row["status"] == "error" and row["region"] == "us-east-1"
    assert row["metadata"] == ["US East (N. Virginia)", "us-east-1", name, "Yes", "Yes", "Red", "No", None]
    assert found["status"] == "error"
    assert found["resourcesSummary"]["resourcesFlagged"] >= 1

    s3.put_bucket_acl(Bucket=name, ACL="private")
    assert row_of(result(support, S3_PERMISSIONS), 2, name)["status"] == "error"  # until a refresh
    fixed = row_of(advisor_refreshed(support, endpoint, S3_PERMISSIONS), 2, name)
    assert fixed["status"] == "ok" and fixed["metadata"][3:7] == ["No", "No", "Green", "No"]


def test_a_refresh_moves_from_enqueued_through_processing_to_success(support, endpoint):
    advance_clock(endpoint, 3601)
    status = support.refresh_trusted_advisor_check(checkId=S3_VERSIONING)["status"]
    assert status["status"] == "enqueued" and 3590_000 < status["millisUntilNextRefreshable"] <= 3600_000

    def current() -> str:
        return support.describe_trusted_advisor_check_refresh_statuses(
            checkIds=[S3_VERSIONING])["statuses"][0]["status"]
    advance_clock(endpoint, 5)  # enqueued for 2 s, then processing for 8: a slow machine has 5 s to spare
    assert current() == "processing"
    advance_clock(endpoint, 5)
    assert current() == "success"


def test_bucket_versioning_and_its_summary(support, aws, endpoint):
    s3 = aws("s3")
    name = unique("ta-versions")
    s3.create_bucket(Bucket=name)
    assert row_of(advisor_refreshed(support, endpoint, S3_VERSIONING), 1, name)["metadata"] == [
        "us-east-1", name, "Not Enabled", "No", "Yellow"]
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    assert row_of(advisor_refreshed(support, endpoint, S3_VERSIONING), 1, name)["status"] == "ok"
    summary = support.describe_trusted_advisor_check_summaries(checkIds=[S3_VERSIONING])["summaries"][0]
    assert summary["checkId"] == S3_VERSIONING and summary["categorySpecificSummary"] == {}


def test_iam_use_and_the_users_quota(support, aws, endpoint):
    aws("iam").create_user(UserName=unique("ta-user"))
    assert advisor_refreshed(support, endpoint, IAM_USE)["status"] == "ok"
    limits = advisor_refreshed(support, endpoint, IAM_USERS)["flaggedResources"]
    assert limits[0]["metadata"][:4] == ["-", "IAM", "Users", "5000"] and limits[0]["metadata"][5] == "Green"


def test_a_key_ages_into_yellow_and_results_survive_a_restart(tmp_path):
    """On a server of its own: the clock jumps three months."""
    with start_server(tmp_path) as own:
        iam, support = make_client(own.endpoint, "iam"), make_client(own.endpoint, "support")
        iam.create_user(UserName="builder")
        key = iam.create_access_key(UserName="builder")["AccessKey"]["AccessKeyId"]
        row = row_of(advisor_refreshed(support, own.endpoint, KEY_ROTATION), 2, key)
        assert row["metadata"][:3] == ["Green", "builder", key] and row["metadata"][4] is None
        advance_clock(own.endpoint, 91 * 86400)
        row = row_of(advisor_refreshed(support, own.endpoint, KEY_ROTATION), 2, key)
        assert row["status"] == "warning" and row["metadata"][0] == "Yellow"
        assert row["metadata"][4] == "Key not rotated in the last 90 days"
    with start_server(tmp_path) as again:
        support = make_client(again.endpoint, "support")
        assert row_of(result(support, KEY_ROTATION), 2, key)["status"] == "warning"


def test_an_access_key_in_a_public_object_is_exposed(support, aws, endpoint):
    iam, s3 = aws("iam"), aws("s3")
    user = unique("ta-leaky")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
    name = new_bucket(s3, "ta-leak")
    open_to_anyone(s3, name)
    s3.put_object(Bucket=name, Key="app/config.env", Body=f"AWS_ACCESS_KEY_ID={key}\n".encode())
    row = row_of(advisor_refreshed(support, endpoint, EXPOSED_KEYS), 0, key)
    assert row["status"] == "error" and row["metadata"][1:3] == [user, "Exposed"]
    assert row["metadata"][5] == f"s3://{name}/app/config.env"

    s3.delete_bucket_policy(Bucket=name)
    assert [r for r in advisor_refreshed(support, endpoint, EXPOSED_KEYS)["flaggedResources"]
            if r["metadata"][0] == key] == []


def test_cloudtrail_logging_lists_regions_without_a_trail(support):
    rows = result(support, CLOUDTRAIL_LOGGING)["flaggedResources"]
    assert {r["region"] for r in rows} >= {"us-east-1", "eu-west-1"}


def test_kinesis_shards_count_against_the_regional_quota(support, aws, endpoint):
    kinesis = aws("kinesis")
    kinesis.create_stream(StreamName=unique("ta-stream"), ShardCount=3)
    row = row_of(advisor_refreshed(support, endpoint, KINESIS_SHARDS), 0, "us-east-1")
    assert row["metadata"][1:3] == ["Kinesis", "Shards per region"] and int(row["metadata"][4]) >= 3


def test_bad_input_and_the_support_case_api(support):
    unknown = error_of(support.describe_trusted_advisor_check_result, checkId="eW7HH0l7J9")
    assert (unknown.code, unknown.status, unknown.message) == (
        "InvalidParameterValueException", 400, "Unknown ID: eW7HH0l7J9")
    assert error_of(support.describe_trusted_advisor_checks, language="xx").code == "InvalidParameterValueException"
    refused = error_of(support.create_case, subject="help", communicationBody="please")
    assert (refused.code, refused.status) == ("SubscriptionRequiredException", 400)
    assert "Premium Support Subscription" in refused.message
    assert error_of(support.describe_cases).code == "SubscriptionRequiredException"


def test_the_aws_cli_lists_the_checks(endpoint):
    checks = aws_cli(endpoint, "support", "describe-trusted-advisor-checks", "--language", "en")["checks"]
    assert {"Pfx0RwqBli", "zXCkfM1nI3", "7DAFEmoDos"} <= {c["id"] for c in checks}
    found = aws_cli(endpoint, "support", "describe-trusted-advisor-check-result", "--check-id", "7DAFEmoDos")
    assert found["result"]["status"] == "error"


def test_the_api_is_global_like_aws(support, aws):
    """AWS serves the support API from us-east-1 only; every region's client sees the same checks."""
    elsewhere = aws("support", region="eu-west-1")
    here = result(support, IAM_USERS)
    there = elsewhere.describe_trusted_advisor_check_result(checkId=IAM_USERS)["result"]
    assert (there["timestamp"], there["flaggedResources"]) == (here["timestamp"], here["flaggedResources"])
