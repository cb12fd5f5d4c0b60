"""Bucket policies: validation with S3's MalformedPolicy messages, and what makes a policy public."""
from __future__ import annotations

import dataclasses
import ipaddress
import json

from nimbus.core.policy import Policy, PolicyError, compile_policy
from nimbus.core.policy.patterns import glob
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.directory_rules import DIRECTORY_SUFFIX

MAX_POLICY = 20 * 1024

# The S3 actions a bucket policy may name (wildcards must match at least one).
S3_ACTIONS = tuple("s3:" + name for name in (
    "AbortMultipartUpload", "BypassGovernanceRetention", "CreateBucket", "DeleteBucket",
    "DeleteBucketOwnershipControls", "DeleteBucketPolicy", "DeleteBucketWebsite", "DeleteObject",
    "DeleteObjectTagging", "DeleteObjectVersion", "DeleteObjectVersionTagging", "GetAccelerateConfiguration",
    "GetAnalyticsConfiguration", "GetBucketAcl", "GetBucketCORS", "GetBucketLocation", "GetBucketLogging",
    "GetBucketNotification", "GetBucketObjectLockConfiguration", "GetBucketOwnershipControls", "GetBucketPolicy",
    "GetBucketPolicyStatus", "GetBucketPublicAccessBlock", "GetBucketRequestPayment", "GetBucketTagging",
    "GetBucketVersioning", "GetBucketWebsite", "GetEncryptionConfiguration", "GetInventoryConfiguration",
    "GetLifecycleConfiguration", "GetMetricsConfiguration", "GetObject", "GetObjectAcl", "GetObjectAttributes",
    "GetObjectLegalHold", "GetObjectRetention", "GetObjectTagging", "GetObjectTorrent", "GetObjectVersion",
    "GetObjectVersionAcl", "GetObjectVersionAttributes", "GetObjectVersionForReplication", "GetObjectVersionTagging", "GetObjectVersionTorrent",
    "GetReplicationConfiguration", "ListAllMyBuckets", "ListBucket", "ListBucketMultipartUploads",
    "ListBucketVersions", "ListMultipartUploadParts", "ObjectOwnerOverrideToBucketOwner", "PutAccelerateConfiguration", "PutAnalyticsConfiguration",
    "PutBucketAcl", "PutBucketCORS", "PutBucketLogging", "PutBucketNotification",
    "PutBucketObjectLockConfiguration", "PutBucketOwnershipControls", "PutBucketPolicy",
    "PutBucketPublicAccessBlock", "PutBucketRequestPayment", "PutBucketTagging", "PutBucketVersioning",
    "PutBucketWebsite", "PutEncryptionConfiguration", "PutInventoryConfiguration", "PutLifecycleConfiguration",
    "PutMetricsConfiguration", "PutObject", "PutObjectAcl", "PutObjectLegalHold", "PutObjectRetention",
    "PutObjectTagging", "PutObjectVersionAcl", "PutObjectVersionTagging", "PutReplicationConfiguration",
    "ReplicateDelete", "ReplicateObject", "ReplicateTags", "RestoreObject"))
# What a directory bucket's policy may name: S3 Express One Zone's actions.
EXPRESS_ACTIONS = tuple("s3express:" + name for name in (
    "CreateSession", "CreateBucket", "DeleteBucket", "DeleteBucketPolicy", "GetBucketPolicy", "PutBucketPolicy",
    "GetEncryptionConfiguration", "PutEncryptionConfiguration", "GetLifecycleConfiguration",
    "PutLifecycleConfiguration", "ListAllMyDirectoryBuckets"))
# Condition keys whose fixed values make an Allow non-public (AWS's "public" rules).
_LIMITING_KEYS = ("aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceaccount", "aws:sourceowner",
                  "aws:principalorgid", "aws:principalaccount", "aws:principalarn", "aws:userid", "aws:sourceip",
                  "s3:dataaccesspointarn", "s3:dataaccesspointaccount", "aws:principalorgpaths")


def malformed(message: str) -> ServiceError:
    return ServiceError("MalformedPolicy", message, status=400)


def validate(text: str, bucket: str) -> Policy:
    """Compile a bucket policy, answering S3's MalformedPolicy errors."""
    if len(text.encode()) > MAX_POLICY:
        raise ServiceError("PolicyTooLarge", "Policy exceeds the maximum allowed document size.", status=400)
    if not text.lstrip().startswith("{"):
        raise malformed("Policies must be valid JSON and the first byte must be '{'")
    try:
        json.loads(text)
    except ValueError:
        raise malformed("Policies must be valid JSON and the first byte must be '{'") from None
    try:
        policy = compile_policy(text, "resource")
    except PolicyError as exc:
        message = str(exc)
        if "Principal" in message or "principal" in message:
            message = "Missing required field Principal" if "Missing" in message else "Invalid principal in policy"
        elif "Json" in message:
            message = "Policies must be valid JSON and the first byte must be '{'"
        raise malformed(message) from None
    directory = bucket.endswith(DIRECTORY_SUFFIX)
    known_actions, arn = (EXPRESS_ACTIONS, None) if directory else (S3_ACTIONS, f"arn:aws:s3:::{bucket}")
    for statement in policy.statements:
        for action in (statement.actions or ()) + (statement.not_actions or ()):
            if action != "*" and not any(glob(action, True)(known) for known in known_actions):
                raise malformed("Policy has invalid action")
        for resource in (statement.resources or ()) + (statement.not_resources or ()):
            if not (_in_directory_bucket(resource, bucket) if arn is None else _in_bucket(resource, arn)):
                raise malformed("Policy has invalid resource")
        if arn and statement.actions and statement.resources and not _actions_apply(statement, arn):
            raise malformed("Action does not apply to any resource(s) in statement")
        for names in (statement.principals or statement.not_principals or {}).values():
            for name in names:
                if name != "*" and not _valid_principal(name):
                    raise malformed("Invalid principal in policy")
    return policy


def _object_level(action: str) -> bool:
    return "Object" in action or action.endswith(("MultipartUpload", "MultipartUploadParts", "ReplicateDelete",
                                                  "ReplicateTags", "BypassGovernanceRetention"))


def _actions_apply(statement, arn: str) -> bool:
    """Each action must apply to a resource the statement names: object actions to ``bucket/key``
    ARNs, bucket actions to the bucket's ARN (the common mistake: s3:GetObject on the bucket)."""
    kinds = set()
    for resource in statement.resources:
        matcher = glob(resource)
        if matcher(arn):
            kinds.add("bucket")
        if "/" in resource or matcher(arn + "/key"):
            kinds.add("object")
    for action in statement.actions:
        matched = [known for known in S3_ACTIONS if glob(action, True)(known)] if action != "*" else ["*"]
        if not any(known == "*" or ("object" if _object_level(known) else "bucket") in kinds for known in matched):
            return False
    return True


def _in_directory_bucket(resource: str, bucket: str) -> bool:
    """A directory bucket's ARN is arn:aws:s3express:<region>:<account>:bucket/<name> (a pattern may match it)."""
    return resource.startswith("arn:aws:s3express:") and glob(resource)(
        resource.split(":bucket/", 1)[0] + f":bucket/{bucket}") if ":bucket/" in resource else False


def _in_bucket(resource: str, arn: str) -> bool:
    cut = min((i for i in (resource.find("*"), resource.find("?")) if i >= 0), default=-1)
    if cut < 0:
        return resource == arn or resource.startswith(arn + "/")
    literal = resource[:cut]
    return (arn + "/").startswith(literal) or literal.startswith(arn + "/")


def _valid_principal(name: str) -> bool:
    if name.isdigit() and len(name) == 12:
        return True
    if name.startswith("arn:aws:"):
        return len(name.split(":")) >= 6
    # Service principals and canonical user ids.
    return name.endswith(".amazonaws.com") or len(name) == 64


def is_public(policy: Policy | None) -> bool:
    """AWS's test: an Allow whose principal is anyone, not pinned down by a fixed-value condition."""
    if policy is None:
        return False
    return any(_public_statement(s) for s in policy.statements)


def _public_statement(statement) -> bool:
    if not statement.allow:
        return False
    if statement.not_principals is not None:
        return True
    principals = statement.principals or {}
    wildcard = "*" in principals or "*" in principals.get("AWS", ())
    if not wildcard:
        return False
    for condition in statement.conditions:
        key = getattr(condition, "key", "").lower()
        operator = getattr(condition, "operator", "")
        values = getattr(condition, "values", ())
        if key in _LIMITING_KEYS and "Like" not in operator and "Not" not in operator \
                and not any("*" in str(v) or "?" in str(v) for v in values):
            if key == "aws:sourceip" and any(_wide(v) for v in values):
                continue
            return False
    return True


def _wide(cidr) -> bool:
    try:
        return ipaddress.ip_network(str(cidr), strict=False).prefixlen < 8
    except ValueError:
        return True


def canonical_users_as_accounts(policy: Policy, caller_account: str | None, canonical_id,
                                caller_arn: str = "", caller_canonical: str = "") -> Policy:
    """``Principal: {"CanonicalUser": id}`` names an account by its canonical id: the engine knows accounts.
    A principal with a canonical id of its own (a CloudFront origin access identity's ``S3CanonicalUserId``,
    ``caller_canonical``) is named by it as by its ARN."""
    if caller_account is None or not any("CanonicalUser" in (s.principals or {}) for s in policy.statements):
        return policy
    mine = canonical_id(caller_account)
    statements = []
    for statement in policy.statements:
        principals = statement.principals or {}
        if "CanonicalUser" in principals:
            principals = {kind: names for kind, names in principals.items() if kind != "CanonicalUser"}
            if mine in statement.principals["CanonicalUser"]:
                principals["AWS"] = tuple(principals.get("AWS", ())) + (caller_account,)
            if caller_canonical and caller_canonical in statement.principals["CanonicalUser"]:
                principals["AWS"] = tuple(principals.get("AWS", ())) + (caller_arn,)
            statement = dataclasses.replace(statement, principals=principals)
        statements.append(statement)
    return Policy(policy.version, tuple(statements), policy.id, policy.variables)


def without_public(policy: Policy) -> Policy:
    """The policy minus its public grants (RestrictPublicBuckets, for callers outside the owner's account)."""
    return Policy(policy.version, tuple(s for s in policy.statements if not _public_statement(s)), policy.id,
                  policy.variables)
