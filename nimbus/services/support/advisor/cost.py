"""Cost optimisation checks over lifecycle rules: S3 buckets that keep incomplete multipart uploads, and
(from AWS Config's managed rules) versioned buckets and ECR repositories without a lifecycle policy. nimbus
keeps no prices, so they estimate no saving. AWS refreshes them itself and refuses refresh requests."""
from __future__ import annotations

from collections.abc import Callable

from nimbus.protocol.errors import ServiceError

from .catalog import COST_OPTIMIZING, Check, register
from .controls import updated_at
from .reader import COLOUR, REGIONS, AccountReader, Outcome, Row, Status
from .storage import buckets

ABORT_WITHIN_DAYS = 7
CONFIG_COLUMNS = ("Status", "Region", "Resource", "AWS Config Rule", "Input Parameters", "Last Updated Time")


def lifecycle_rules(reader: AccountReader, bucket: str) -> list[dict]:
    try:
        return reader.call("s3", "GetBucketLifecycleConfiguration", {"Bucket": bucket})["Rules"]
    except ServiceError as error:
        if error.code == "NoSuchLifecycleConfiguration":
            return []
        raise


def _whole_bucket(rule: dict) -> bool:
    scope = rule.get("Filter") or {}
    return not rule.get("Prefix") and not scope.get("Prefix") and not scope.get("Tag") and not scope.get("And") \
        and "ObjectSizeGreaterThan" not in scope and "ObjectSizeLessThan" not in scope


def incomplete_uploads(reader: AccountReader) -> Outcome:
    rows = []
    for name, region in buckets(reader):
        days = [rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
                for rule in lifecycle_rules(reader, name)
                if rule.get("Status") == "Enabled" and rule.get("AbortIncompleteMultipartUpload") and _whole_bucket(rule)]
        shortest = min(days, default=None)
        status: Status = "ok" if shortest is not None and shortest <= ABORT_WITHIN_DAYS else "warning"
        rows.append(Row(status, f"arn:aws:s3:::{name}", [
            COLOUR[status], region, name, f"arn:aws:s3:::{name}", "Yes" if days else "No",
            None if shortest is None else str(shortest), updated_at(reader)], region))
    return Outcome(rows)


def config_row(reader: AccountReader, failed: bool, region: str, resource: str, rule: str) -> Row:
    status: Status = "warning" if failed else "ok"
    return Row(status, resource, [COLOUR[status], region, resource, rule, "{}", updated_at(reader)], region)


def versioned_without_lifecycle(reader: AccountReader) -> Outcome:
    rows = []
    for name, region in buckets(reader):
        if reader.call("s3", "GetBucketVersioning", {"Bucket": name}).get("Status") != "Enabled":
            continue
        rows.append(config_row(reader, not lifecycle_rules(reader, name), region, f"arn:aws:s3:::{name}",
                               "s3-version-lifecycle-policy-check"))
    return Outcome(rows)


def repositories_without_lifecycle(reader: AccountReader) -> Outcome:
    rows = []
    for region in REGIONS:
        for repository in reader.pages("ecr", "DescribeRepositories", "repositories", {}, region,
                                       token=("nextToken", "nextToken")):
            try:
                reader.call("ecr", "GetLifecyclePolicy", {"repositoryName": repository["repositoryName"]}, region)
                missing = False
            except ServiceError as error:
                if error.code != "LifecyclePolicyNotFoundException":
                    raise
                missing = True
            rows.append(config_row(reader, missing, region, repository["repositoryArn"],
                                   "ecr-private-lifecycle-policy-configured"))
    return Outcome(rows)


def _cost_check(check_id: str, name: str, columns: tuple[str, ...], criteria: str, action: str,
                services: tuple[str, ...], run: Callable[[AccountReader], Outcome], source: str, summary: str) -> None:
    register(Check(check_id, name, COST_OPTIMIZING, columns, criteria, action, services, run, source,
                   refreshable=False), summary)


_cost_check(
    "c1cj39rr6v", "Amazon S3 Incomplete Multipart Upload Abort Configuration",
    ("Status", "Region", "Bucket Name", "Bucket ARN", "Lifecycle rule for deleting incomplete MPU",
     "Days After Initiation", "Last Updated Time"),
    "Yellow: The bucket's lifecycle configuration has no rule that aborts every multipart upload still "
    "incomplete after 7 days.",
    "Add a lifecycle rule for the whole bucket with AbortIncompleteMultipartUpload, DaysAfterInitiation 7 or less.",
    ("s3",), incomplete_uploads, "ta_check",
    "Checks that each S3 bucket has a lifecycle rule that aborts multipart uploads left incomplete for 7 days, "
    "whose parts are otherwise stored, and paid for, indefinitely.")
_cost_check(
    "c18d2gz171", "Amazon S3 version-enabled buckets without lifecycle policies configured", CONFIG_COLUMNS,
    "Yellow: A version-enabled S3 bucket has no lifecycle policy.",
    "Add a lifecycle configuration that expires or transitions noncurrent versions.",
    ("s3",), versioned_without_lifecycle, "aws_config",
    "Checks whether S3 buckets with versioning enabled have a lifecycle policy.<br>\n"
    "Source: AWS Config Managed Rule: s3-version-lifecycle-policy-check")
_cost_check(
    "c18d2gz128", "Amazon ECR Repository without lifecycle policy configured", CONFIG_COLUMNS,
    "Yellow: A private ECR repository has no lifecycle policy.",
    "Create at least one lifecycle policy for the repository.",
    ("ecr",), repositories_without_lifecycle, "aws_config",
    "Checks whether each private ECR repository has a lifecycle policy to clean up old images.<br>\n"
    "Source: AWS Config Managed Rule: ecr-private-lifecycle-policy-configured")
