"""The S3 managed rules, computed from a bucket's configuration item (its ACL, policy, versioning,
encryption, logging and public access block in ``supplementaryConfiguration``)."""
from __future__ import annotations

from typing import Any

from nimbus.services.config.managed import (
    CHANGE,
    PERIODIC,
    Inputs,
    ManagedRule,
    Verdict,
    listed,
    managed,
    statements,
    supplementary,
    verdict,
)

BUCKET = ("AWS::S3::Bucket",)
_PUBLIC_GROUPS = ("http://acs.amazonaws.com/groups/global/AllUsers",
                  "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")
_READ = ("READ", "FULL_CONTROL")
_WRITE = ("WRITE", "WRITE_ACP", "FULL_CONTROL")


def _is_public_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in listed(principal.get("AWS"))


def _allows(statement: dict, verbs: tuple[str, ...]) -> bool:
    actions = [a.lower() for a in listed(statement.get("Action"))]
    return any(a in ("*", "s3:*") or any(a.startswith(f"s3:{verb}") for verb in verbs) for a in actions)


def _public(item: dict[str, Any], grants: tuple[str, ...], verbs: tuple[str, ...]) -> bool:
    """Whether the bucket's ACL or policy lets anyone do what ``grants``/``verbs`` name, its public
    access block considered."""
    block = supplementary(item, "PublicAccessBlockConfiguration") or {}
    acl = supplementary(item, "AccessControlList") or {}
    if not block.get("ignorePublicAcls"):
        for grant in acl.get("grantList") or []:
            if grant.get("grantee") in _PUBLIC_GROUPS and grant.get("permission") in grants:
                return True
    if block.get("restrictPublicBuckets"):
        return False
    policy = (supplementary(item, "BucketPolicy") or {}).get("policyText")
    return any(s.get("Effect") == "Allow" and _is_public_principal(s.get("Principal")) and not s.get("Condition")
               and _allows(s, verbs) for s in statements(policy))


def public_read(item: dict[str, Any], _: Inputs) -> Verdict:
    return verdict(not _public(item, _READ, ("get", "list")), "The bucket allows public read access.")


def public_write(item: dict[str, Any], _: Inputs) -> Verdict:
    return verdict(not _public(item, _WRITE, ("put", "delete")), "The bucket allows public write access.")


def encryption(item: dict[str, Any], _: Inputs) -> Verdict:
    rules = (supplementary(item, "ServerSideEncryptionConfiguration") or {}).get("rules") or []
    return verdict(bool(rules), "The bucket has no default server-side encryption.")


def versioning(item: dict[str, Any], inputs: Inputs) -> Verdict:
    found = supplementary(item, "BucketVersioningConfiguration") or {}
    if found.get("status") != "Enabled":
        return verdict(False, "Versioning is not enabled on the bucket.")
    if "isMfaDeleteEnabled" in inputs.parameters and inputs.flag("isMfaDeleteEnabled") != bool(
            found.get("isMfaDeleteEnabled")):
        return verdict(False, "The bucket's MFA delete setting does not match isMfaDeleteEnabled.")
    return verdict(True)


def logging(item: dict[str, Any], inputs: Inputs) -> Verdict:
    found = supplementary(item, "BucketLoggingConfiguration") or {}
    target = found.get("destinationBucketName")
    if not target:
        return verdict(False, "Server access logging is not enabled on the bucket.")
    wanted = [b.strip() for b in str(inputs.parameters.get("targetBucket", "")).split(",") if b.strip()]
    if wanted and target not in wanted:
        return verdict(False, "The bucket's logs go to a bucket targetBucket does not name.")
    prefix = inputs.parameters.get("targetPrefix")
    return verdict(not prefix or found.get("logFilePrefix") == prefix,
                   "The bucket's log prefix does not match targetPrefix.")


def ssl_only(item: dict[str, Any], _: Inputs) -> Verdict:
    policy = (supplementary(item, "BucketPolicy") or {}).get("policyText")
    for statement in statements(policy):
        secure = (statement.get("Condition") or {}).get("Bool", {}).get("aws:SecureTransport")
        if statement.get("Effect") == "Deny" and _is_public_principal(statement.get("Principal")) \
                and str(secure).lower() == "false" and _allows(statement, ("",)):
            return verdict(True)
    return verdict(False, "The bucket policy does not deny requests that do not use SSL (aws:SecureTransport).")


managed(ManagedRule("S3_BUCKET_PUBLIC_READ_PROHIBITED", (CHANGE, PERIODIC), BUCKET, check=public_read))
managed(ManagedRule("S3_BUCKET_PUBLIC_WRITE_PROHIBITED", (CHANGE, PERIODIC), BUCKET, check=public_write))
managed(ManagedRule("S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", (CHANGE,), BUCKET, check=encryption))
managed(ManagedRule("S3_BUCKET_VERSIONING_ENABLED", (CHANGE,), BUCKET, optional=("isMfaDeleteEnabled",),
                    check=versioning))
managed(ManagedRule("S3_BUCKET_LOGGING_ENABLED", (CHANGE,), BUCKET, optional=("targetBucket", "targetPrefix"),
                    check=logging))
managed(ManagedRule("S3_BUCKET_SSL_REQUESTS_ONLY", (CHANGE,), BUCKET, check=ssl_only))
