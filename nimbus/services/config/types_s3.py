"""AWS::S3::Bucket as AWS Config records it: the bucket in ``configuration``, its sub-resources (policy,
ACL, versioning, encryption, logging, public access block, tags) in ``supplementaryConfiguration``."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from nimbus.core.json_text import read_json
from nimbus.services.config.described import Described, epoch, iso, relationship, supports, tag_map

if TYPE_CHECKING:
    from nimbus.services.config.reading import Reader

BUCKET = "AWS::S3::Bucket"
_GONE = ("NoSuchBucket",)


def _bucket_name(arn: str) -> str:
    return arn.split(":::", 1)[1]


def describe_bucket(reader: Reader, arn: str) -> Described | None:
    name = _bucket_name(arn)
    where = reader.optional("s3", "GetBucketLocation", {"Bucket": name}, _GONE)
    if where is None:
        return None
    listed = reader.call("s3", "ListBuckets", {"Prefix": name}).get("Buckets", [])
    created = next((epoch(b["CreationDate"]) for b in listed if b["Name"] == name), None)
    region = next((b.get("BucketRegion") for b in listed if b["Name"] == name), None)
    acl = reader.call("s3", "GetBucketAcl", {"Bucket": name})

    def sub(operation: str, missing: str) -> dict[str, Any]:
        return reader.optional("s3", operation, {"Bucket": name}, (missing, *_GONE)) or {}

    policy = sub("GetBucketPolicy", "NoSuchBucketPolicy").get("Policy")
    versioning = reader.call("s3", "GetBucketVersioning", {"Bucket": name})
    encryption = sub("GetBucketEncryption", "ServerSideEncryptionConfigurationNotFoundError")
    logging: dict[str, str] = {}  # nimbus's S3 keeps no server access logging
    public_block = sub("GetPublicAccessBlock", "NoSuchPublicAccessBlockConfiguration")
    tags = tag_map(sub("GetBucketTagging", "NoSuchTagSet").get("TagSet"))
    owner = {"displayName": acl.get("Owner", {}).get("DisplayName"), "id": acl.get("Owner", {}).get("ID")}
    rules = encryption.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    supplementary: dict[str, Any] = {
        "AccessControlList": json.dumps({
            "grantSet": None, "owner": owner, "isRequesterCharged": False,
            "grantList": [{"grantee": grant.get("Grantee", {}).get("ID") or grant.get("Grantee", {}).get("URI"),
                           "permission": grant.get("Permission")} for grant in acl.get("Grants", [])]}),
        "BucketAccelerateConfiguration": {"status": None},
        "BucketLoggingConfiguration": {"destinationBucketName": logging.get("TargetBucket"),
                                       "logFilePrefix": logging.get("TargetPrefix")},
        "BucketNotificationConfiguration": {"configurations": {}},
        "BucketPolicy": {"policyText": policy},
        "BucketVersioningConfiguration": {"status": versioning.get("Status", "Off"),
                                          "isMfaDeleteEnabled": _mfa_delete(versioning)},
        "IsRequesterPaysEnabled": False,
    }
    if rules:
        supplementary["ServerSideEncryptionConfiguration"] = {"rules": [_encryption_rule(rule) for rule in rules]}
    if public_block:
        block = public_block.get("PublicAccessBlockConfiguration", {})
        supplementary["PublicAccessBlockConfiguration"] = {k[0].lower() + k[1:]: v for k, v in block.items()}
    if tags:
        supplementary["BucketTaggingConfiguration"] = {"tagSets": [{"tags": tags}]}
    return Described(
        resource_id=name, name=name, arn=arn, created=created, region=region, tags=tags,
        configuration={"name": name, "owner": owner, "creationDate": iso(created)},
        supplementary=supplementary, relationships=_relationships(reader.account, policy, rules, logging, name))


def _mfa_delete(versioning: dict) -> bool | None:
    mfa = versioning.get("MFADelete")
    return None if mfa is None else mfa == "Enabled"


def _encryption_rule(rule: dict) -> dict:
    default = rule.get("ApplyServerSideEncryptionByDefault", {})
    return {"applyServerSideEncryptionByDefault": {"sseAlgorithm": default.get("SSEAlgorithm"),
                                                   "kmsMasterKeyID": default.get("KMSMasterKeyID")},
            "bucketKeyEnabled": bool(rule.get("BucketKeyEnabled"))}


def _relationships(account: str, policy: str | None, rules: list[dict], logging: dict, name: str) -> list[dict]:
    """The IAM users and roles of the account its policy names, its KMS key, the bucket its logs go to."""
    related = []
    for principal in sorted(_policy_principals(policy)):
        parts = principal.split(":", 5)
        if len(parts) == 6 and parts[2] == "iam" and parts[4] == account:
            kind, _, principal_name = parts[5].partition("/")
            if kind == "role":
                related.append(relationship("AWS::IAM::Role", principal_name.rsplit("/", 1)[-1], "Is associated with Role"))
            elif kind == "user":
                related.append(relationship("AWS::IAM::User", principal_name.rsplit("/", 1)[-1],
                                            "Is associated with IAMUser"))
    for rule in rules:
        key = rule.get("ApplyServerSideEncryptionByDefault", {}).get("KMSMasterKeyID")
        if key:
            related.append(relationship("AWS::KMS::Key", key.rsplit("/", 1)[-1], "Is associated with KMSKey",
                                        key.rsplit("/", 1)[-1]))
    target = logging.get("TargetBucket")
    if target and target != name:
        related.append(relationship(BUCKET, target, "Is associated with Bucket", target))
    return related


def _policy_principals(policy: str | None) -> set[str]:
    try:
        document = read_json(policy) if policy else None
    except ValueError:
        return set()
    if not isinstance(document, dict):
        return set()
    statements = document.get("Statement", [])
    found: set[str] = set()
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal") if isinstance(statement, dict) else None
        aws = principal.get("AWS") if isinstance(principal, dict) else None
        found.update([aws] if isinstance(aws, str) else [p for p in aws or [] if isinstance(p, str)])
    return found


def discover_buckets(reader: Reader) -> list[str]:
    listed = reader.call("s3", "ListBuckets", {"BucketRegion": reader.region}).get("Buckets", [])
    return [f"arn:aws:s3:::{bucket['Name']}" for bucket in listed]


supports(BUCKET, describe_bucket, discover_buckets)
