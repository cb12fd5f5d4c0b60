"""Checks over S3: Amazon S3 Bucket Permissions, Amazon S3 Bucket Versioning, and Exposed Access Keys (the
account's access key ids found in objects anyone may read)."""
from __future__ import annotations

import re
from collections.abc import Iterator

from nimbus.protocol.errors import ServiceError

from .catalog import FAULT_TOLERANCE, SECURITY, Check, register
from .reader import COLOUR, REGION_NAMES, AccountReader, Outcome, Row, Status

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
PUBLIC_GRANTEES = (ALL_USERS, AUTHENTICATED_USERS)
LIST_PERMISSIONS = ("READ", "FULL_CONTROL")
WRITE_PERMISSIONS = ("WRITE", "FULL_CONTROL")
# How much of a bucket the exposed-keys scan reads: enough for configuration files, bounded per refresh.
SCAN_OBJECTS_PER_BUCKET = 1000
SCAN_OBJECT_BYTES = 1024 * 1024
ACCESS_KEY_ID = re.compile(rb"(?<![A-Z0-9])((?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Z0-9])")


def buckets(reader: AccountReader) -> Iterator[tuple[str, str]]:
    """(name, region) of each of the account's buckets."""
    for bucket in reader.pages("s3", "ListBuckets", "Buckets", token=("ContinuationToken", "ContinuationToken")):
        yield bucket["Name"], bucket.get("BucketRegion") or "us-east-1"


def public_grants(grants: list[dict], permissions: tuple[str, ...]) -> bool:
    return any(g.get("Grantee", {}).get("URI") in PUBLIC_GRANTEES and g.get("Permission") in permissions
               for g in grants)


def block_public_access(reader: AccountReader, bucket: str) -> dict:
    try:
        return reader.call("s3", "GetPublicAccessBlock", {"Bucket": bucket})["PublicAccessBlockConfiguration"]
    except ServiceError:
        return {}


def policy_is_public(reader: AccountReader, bucket: str) -> bool:
    try:
        return bool(reader.call("s3", "GetBucketPolicyStatus", {"Bucket": bucket})["PolicyStatus"]["IsPublic"])
    except ServiceError as error:
        if error.code == "NoSuchBucketPolicy":
            return False
        raise


def bucket_permissions(reader: AccountReader) -> Outcome:
    rows = []
    for name, region in buckets(reader):
        try:
            grants = reader.call("s3", "GetBucketAcl", {"Bucket": name})["Grants"]
            lists, writes = public_grants(grants, LIST_PERMISSIONS), public_grants(grants, WRITE_PERMISSIONS)
            policy = policy_is_public(reader, name)
        except ServiceError:  # as AWS: Trusted Advisor may not read the bucket's permissions
            rows.append(Row("warning", f"arn:aws:s3:::{name}", [REGION_NAMES.get(region, region), region, name,
                                                                None, None, COLOUR["warning"], None, name], region))
            continue
        status: Status = "error" if writes else "warning" if lists or policy else "ok"
        rows.append(Row(status, f"arn:aws:s3:::{name}", [
            REGION_NAMES.get(region, region), region, name, _yes(lists), _yes(writes), COLOUR[status],
            _yes(policy), None], region))
    return Outcome(rows)


def bucket_versioning(reader: AccountReader) -> Outcome:
    rows = []
    for name, region in buckets(reader):
        answer = reader.call("s3", "GetBucketVersioning", {"Bucket": name})
        versioning = answer.get("Status")
        status: Status = "ok" if versioning == "Enabled" else "warning"
        rows.append(Row(status, f"arn:aws:s3:::{name}", [
            region, name, versioning or "Not Enabled", _yes(answer.get("MFADelete") == "Enabled"), COLOUR[status]],
            region))
    return Outcome(rows)


def exposed_access_keys(reader: AccountReader) -> Outcome:
    owners = {key["AccessKeyId"]: user["UserName"]
              for user in reader.pages("iam", "ListUsers", "Users")
              for key in reader.call("iam", "ListAccessKeys", {"UserName": user["UserName"]})["AccessKeyMetadata"]}
    rows, seen = [], set()
    for name, region in buckets(reader):
        for key, found in _public_key_ids(reader, name):
            for key_id in found:
                if key_id in owners and (key_id, name, key) not in seen:
                    seen.add((key_id, name, key))
                    rows.append(Row("error", key_id, [key_id, owners[key_id], "Exposed", None, None,
                                                      f"s3://{name}/{key}", None, None], region))
    return Outcome(rows)


def _public_key_ids(reader: AccountReader, bucket: str) -> Iterator[tuple[str, set[str]]]:
    """(object key, access key ids in its body) for each object of ``bucket`` anyone may read."""
    block = block_public_access(reader, bucket)
    bucket_public = False
    try:
        if not block.get("RestrictPublicBuckets"):
            bucket_public = policy_is_public(reader, bucket)
        if not block.get("IgnorePublicAcls"):
            grants = reader.call("s3", "GetBucketAcl", {"Bucket": bucket})["Grants"]
            bucket_public = bucket_public or _grants_all_users_read(grants)
    except ServiceError:
        return
    listing = reader.pages("s3", "ListObjectsV2", "Contents", {"Bucket": bucket},
                           token=("ContinuationToken", "NextContinuationToken"))
    for count, entry in enumerate(listing):
        if count >= SCAN_OBJECTS_PER_BUCKET:
            return
        if entry.get("Size", 0) > SCAN_OBJECT_BYTES:
            continue
        try:
            if not bucket_public and (block.get("IgnorePublicAcls") or not _grants_all_users_read(
                    reader.call("s3", "GetObjectAcl", {"Bucket": bucket, "Key": entry["Key"]})["Grants"])):
                continue
            body = reader.call("s3", "GetObject", {"Bucket": bucket, "Key": entry["Key"]})["Body"]
        except ServiceError:
            continue
        data = bytes(body) if isinstance(body, (bytes, bytearray)) else b"".join(body)
        yield entry["Key"], {match.decode() for match in ACCESS_KEY_ID.findall(data)}


def _grants_all_users_read(grants: list[dict]) -> bool:
    return any(g.get("Grantee", {}).get("URI") == ALL_USERS and g.get("Permission") in LIST_PERMISSIONS
               for g in grants)


def _yes(flag: bool) -> str:
    return "Yes" if flag else "No"


register(Check(
    "Pfx0RwqBli", "Amazon S3 Bucket Permissions", SECURITY,
    ("Region Name", "Region API Parameter", "Bucket Name", "ACL Allows List", "ACL Allows Upload/Delete", "Status",
     "Policy Allows Access", "Ignored Bucket Name"),
    "Yellow: The bucket ACL allows List access for \"Everyone\" or \"Any Authenticated AWS User\".<br>\n"
    "Yellow: A bucket policy allows any kind of open access.<br>\n"
    "Yellow: Trusted Advisor could not read the bucket's permissions.<br>\n"
    "Red: The bucket ACL allows Upload/Delete access for \"Everyone\" or \"Any Authenticated AWS User\".",
    "Keep open access only where it is truly needed; otherwise restrict the ACL and the bucket policy to the "
    "owner or named principals, and turn on S3 Block Public Access.",
    ("s3",), bucket_permissions),
    "Checks S3 buckets whose ACL or bucket policy opens them to everyone or to any authenticated AWS user.")
register(Check(
    "R365s2Qddf", "Amazon S3 Bucket Versioning", FAULT_TOLERANCE,
    ("Region", "Bucket Name", "Versioning", "MFA Delete Enabled", "Status"),
    "Green: Versioning is enabled.<br>\nYellow: Versioning is not enabled, or is suspended.",
    "Enable versioning on buckets whose objects must survive an accidental overwrite or delete.",
    ("s3",), bucket_versioning),
    "Checks for S3 buckets without versioning, which keeps every version of an object so that an overwrite "
    "or a delete can be undone.")
register(Check(
    "12Fnkpl8Y5", "Exposed Access Keys", SECURITY,
    ("Access Key ID", "User Name (IAM or Root)", "Fraud Type", "Case ID", "Time Updated", "Location", "Deadline",
     "Usage (USD per Day)"),
    "Red: Exposed - an access key id of this account was found where anyone may read it.",
    "Delete the exposed access key, create a new one for its user, and check the account for activity the key "
    "made that you do not recognise.",
    ("iam", "s3"), exposed_access_keys),
    "Checks for the account's access key ids in places anyone may read: the objects of its S3 buckets that "
    "are publicly readable.")
