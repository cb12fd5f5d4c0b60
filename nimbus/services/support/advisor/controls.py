"""The Security Hub-sourced checks Trusted Advisor shows (AWS's ``Hs4Ma3G…`` ids, the columns Status,
Region, Resource, Last Updated Time): the root user's access keys, KMS keys pending deletion, and CloudFront
distributions' origins."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from nimbus.core.arns import S3_DOMAIN
from nimbus.protocol.errors import ServiceError

from .catalog import SECURITY, Check, register
from .reader import COLOUR, HOME_REGION, REGIONS, AccountReader, Outcome, Row, Status

COLUMNS = ("Status", "Region", "Resource", "Last Updated Time")
PENDING_DELETION = ("PendingDeletion", "PendingReplicaDeletion")


def updated_at(reader: AccountReader) -> str:
    """The Last Updated Time column: when the check ran."""
    return datetime.fromtimestamp(reader.now(), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def control_row(reader: AccountReader, status: Status, region: str, resource: str) -> Row:
    return Row(status, resource, [COLOUR[status], region, resource, updated_at(reader)], region)


def root_access_key(reader: AccountReader) -> Outcome:
    # Every nimbus account's root signs with access keys (test/test, the account-id keys, the default
    # account's generated key), and there is no way to delete them: the control always fails.
    return Outcome([control_row(reader, "error", HOME_REGION, f"arn:aws:iam::{reader.account}:root")])


def kms_pending_deletion(reader: AccountReader) -> Outcome:
    rows = []
    for region in REGIONS:
        for key in reader.pages("kms", "ListKeys", "Keys", {}, region, token=("Marker", "NextMarker")):
            metadata = reader.call("kms", "DescribeKey", {"KeyId": key["KeyArn"]}, region)["KeyMetadata"]
            if metadata.get("KeyManager") != "CUSTOMER":
                continue
            failed = metadata["KeyState"] in PENDING_DELETION
            rows.append(control_row(reader, "error" if failed else "ok", region, metadata["Arn"]))
    return Outcome(rows)


def distributions(reader: AccountReader) -> Iterator[dict]:
    params: dict = {}
    while True:
        listing = reader.call("cloudfront", "ListDistributions", params)["DistributionList"]
        yield from listing.get("Items") or []
        if not listing.get("IsTruncated"):
            return
        params["Marker"] = listing["NextMarker"]


def s3_origin_bucket(origin: dict) -> str | None:
    match = S3_DOMAIN.match(origin["DomainName"])
    return match["bucket"] if match and "CustomOriginConfig" not in origin else None


def per_distribution(failing: Callable[[AccountReader, dict], bool], severity: Status
                     ) -> Callable[[AccountReader], Outcome]:
    def run(reader: AccountReader) -> Outcome:
        return Outcome([control_row(reader, severity if failing(reader, d) else "ok", HOME_REGION, d["ARN"])
                        for d in distributions(reader)])
    return run


def missing_s3_origin(reader: AccountReader, distribution: dict) -> bool:
    for origin in distribution["Origins"]["Items"]:
        bucket = s3_origin_bucket(origin)
        if bucket is None:
            continue
        try:
            reader.call("s3", "HeadBucket", {"Bucket": bucket})
        except ServiceError as error:
            if error.status == 404 or error.code in ("NoSuchBucket", "NotFound", "404"):
                return True
    return False


def s3_origin_without_oac(reader: AccountReader, distribution: dict) -> bool:
    return any(s3_origin_bucket(o) and not o.get("OriginAccessControlId") for o in distribution["Origins"]["Items"])


def unencrypted_custom_origin(reader: AccountReader, distribution: dict) -> bool:
    behaviours = [distribution["DefaultCacheBehavior"], *(distribution.get("CacheBehaviors", {}).get("Items") or [])]
    viewers_may_use_http = any(b.get("ViewerProtocolPolicy") == "allow-all" for b in behaviours)
    for origin in distribution["Origins"]["Items"]:
        policy = (origin.get("CustomOriginConfig") or {}).get("OriginProtocolPolicy")
        if policy == "http-only" or (policy == "match-viewer" and viewers_may_use_http):
            return True
    return False


def _control(check_id: str, name: str, control: str, severity: Status, services: tuple[str, ...],
             run: Callable[[AccountReader], Outcome], summary: str, action: str) -> None:
    level = "Red: Critical or High" if severity == "error" else "Yellow: Medium or Low"
    register(Check(check_id, name, SECURITY, COLUMNS,
                   f"{level} Security Hub control ({control}) failed.", action, services, run, "security_hub",
                   refreshable=False),
             f"{summary}<br>\nSecurity Hub control ID: {control}")


_control("Hs4Ma3G140", "IAM root user access key should not exist", "IAM.4", "error", ("iam",), root_access_key,
         "Checks whether the root user has an access key.",
         "Delete the root user's access keys and use IAM users or roles for programmatic access.")
_control("Hs4Ma3G135", "AWS KMS keys should not be deleted unintentionally", "KMS.3", "error", ("kms",),
         kms_pending_deletion, "Checks whether customer managed KMS keys are scheduled for deletion.",
         "Cancel the deletion of a key that is still needed (CancelKeyDeletion) before its waiting period ends.")
_control("Hs4Ma3G275", "CloudFront distributions should not point to non-existent S3 origins", "CloudFront.12",
         "error", ("cloudfront", "s3"), per_distribution(missing_s3_origin, "error"),
         "Checks whether a CloudFront distribution's S3 origin names a bucket that does not exist.",
         "Create the bucket, or point the origin at an existing one.")
_control("Hs4Ma3G284", "CloudFront distributions should use origin access control", "CloudFront.13", "warning",
         ("cloudfront",), per_distribution(s3_origin_without_oac, "warning"),
         "Checks whether a CloudFront distribution with an S3 origin reads it through an origin access control.",
         "Create an origin access control, attach it to the S3 origin, and grant it in the bucket policy.")
_control("Hs4Ma3G229", "CloudFront distributions should encrypt traffic to custom origins", "CloudFront.9",
         "warning", ("cloudfront",), per_distribution(unencrypted_custom_origin, "warning"),
         "Checks whether a CloudFront distribution reaches a custom origin over plain HTTP: an origin protocol "
         "policy of http-only, or match-viewer while a behaviour allows HTTP viewers.",
         "Set the origin protocol policy to https-only, or redirect viewers to HTTPS.")
