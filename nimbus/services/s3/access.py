"""Who may do what to a bucket or object: bucket policy + ACLs + Block Public Access + IAM.

Every S3 request reaches ``authorize`` once per resource (from ``S3State._authorize``). It
builds the resource policy S3 evaluates (the bucket policy, plus the bucket's or object's ACL
grants as statements, minus what Block Public Access says to ignore) and asks the shared
authorizer in mode ``always``:

* an explicit Deny in the bucket policy applies to everyone, always (the bucket owner's root
  excepted for the bucket-policy operations themselves, as in AWS);
* anonymous callers need a grant (policy ``Principal: "*"`` or a public ACL);
* other accounts need a grant to them or their account;
* callers in the bucket's account are allowed unless ``--enforce-iam``, when their identity
  policies must allow as well (the decision is recorded on the API-call event either way).
"""
from __future__ import annotations

import functools
from urllib.parse import parse_qsl

from nimbus.core.context import RequestContext
from nimbus.core.policy import Policy
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3 import acl, policies
from nimbus.services.s3.common import ACCOUNT_BLOCKS
from nimbus.services.s3.directory_rules import express_authorization, is_directory, is_directory_name
from nimbus.services.s3.documents import ACCOUNT_PUBLIC_ACCESS_BLOCK, Bucket, ObjectVersion
from nimbus.services.s3.settings_rules import resource_tags

ENFORCED = "BucketOwnerEnforced"
BPA_FIELDS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
# The bucket owner's root may always manage the bucket policy, even one that denies it everything.
_POLICY_ADMIN = frozenset(("s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
                           "s3express:GetBucketPolicy", "s3express:PutBucketPolicy", "s3express:DeleteBucketPolicy"))
# Account-level actions: a bucket policy cannot open them to anonymous callers.
_NEVER_ANONYMOUS = frozenset(("s3:ListAllMyBuckets", "s3:CreateBucket"))
_LIST_KEYS = (("prefix", "s3:prefix"), ("delimiter", "s3:delimiter"), ("max-keys", "s3:max-keys"))
_PARAM_KEYS = (("ACL", "s3:x-amz-acl"), ("ServerSideEncryption", "s3:x-amz-server-side-encryption"),
               ("SSEKMSKeyId", "s3:x-amz-server-side-encryption-aws-kms-key-id"))
_HEADER_KEYS = ("x-amz-acl", "x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp",
                "x-amz-grant-write-acp", "x-amz-grant-full-control", "x-amz-server-side-encryption",
                "x-amz-server-side-encryption-aws-kms-key-id", "x-amz-copy-source", "x-amz-metadata-directive",
                "x-amz-content-sha256", "x-amz-storage-class")


def denied() -> ServiceError:
    return ServiceError("AccessDenied", "Access Denied", status=403)


def block_public_access(bucket: Bucket, store=None) -> dict:
    """The bucket's Block Public Access, each setting also on when its owner's account sets it (s3control)."""
    own = bucket.get("PublicAccessBlock") or {}
    account = ACCOUNT_PUBLIC_ACCESS_BLOCK.get(store, ACCOUNT_BLOCKS, bucket["Account"]) if store is not None else None
    if not account:
        return own
    return {name: bool(own.get(name) or account.get(name)) for name in BPA_FIELDS}


def ownership(bucket: Bucket) -> str:
    """Object Ownership; "" records deleted controls, which behave as ObjectWriter."""
    value = bucket.get("Ownership")
    return ENFORCED if value is None else (value or "ObjectWriter")


def bucket_policy(bucket: Bucket) -> Policy | None:
    text = bucket.get("Policy")
    return _stored_policy(text, bucket["Name"]) if text else None


@functools.lru_cache(maxsize=1024)
def _stored_policy(text: str, name: str) -> Policy:
    return policies.validate(text, name)  # validated when it was put: this only compiles (and caches)


def authorize(ctx: RequestContext, action: str, bucket: Bucket | None, name: str | None, key: str | None,
              record: ObjectVersion | None = None) -> None:
    principal = ctx.principal
    if principal.type == "Anonymous" and action in _NEVER_ANONYMOUS:
        raise denied()
    resource = f"arn:aws:s3:::{name}" if key is None else f"arn:aws:s3:::{name}/{key}"
    express_keys: dict = {}
    if name and (is_directory(bucket) or (bucket is None and is_directory_name(name))):
        express = express_authorization(ctx, action, name, bucket)
        if express is None:
            return
        action, resource, express_keys = express
    if bucket is None:  # CreateBucket, ListBuckets: identity policies only
        ctx.authorize(action, resource if name else "*", context=express_keys, mode="default")
        return
    owner_account = bucket["Account"]
    expected = ctx.request.headers.get("x-amz-expected-bucket-owner") if ctx.request is not None else None
    if expected and expected != owner_account:
        raise denied()
    policy = resource_policy(ctx, bucket, key, record)
    if policy is not None and action in _POLICY_ADMIN and principal.type == "Root" \
            and principal.account_id == owner_account:
        policy = None
    if policy is None and principal.type == "Root" and principal.account_id == owner_account:
        ctx.authorize(action, resource, mode="always")  # the hot path: an owner with nothing to evaluate
        return
    ctx.authorize(action, resource, resource_policy=policy, resource_account=owner_account,
                  context={**condition_keys(ctx, bucket, record), **express_keys}, mode="always",
                  error=lambda decision: _denial(ctx, owner_account, decision))


def _denial(ctx: RequestContext, owner_account: str, decision) -> ServiceError:
    """S3 explains a denial to a caller of the bucket's own account ("User: ... is not authorized to perform:
    ... on resource: "arn" because ..."); anonymous callers and other accounts only get "Access Denied"."""
    if ctx.principal.type == "Anonymous" or ctx.principal.account_id != owner_account:
        return denied()
    message = decision.message().replace(f"on resource: {decision.resource}", f'on resource: "{decision.resource}"', 1)
    return ServiceError("AccessDenied", message, status=403)


def resource_policy(ctx: RequestContext, bucket: Bucket, key: str | None, record: ObjectVersion | None) -> Policy | None:
    """The bucket policy and the ACL grants that apply, as one policy (None when there is nothing)."""
    blocks = block_public_access(bucket, ctx.store)
    caller = ctx.principal.account_id if ctx.principal.type != "Anonymous" else None
    policy = bucket_policy(bucket)
    if policy is not None and blocks.get("RestrictPublicBuckets") and caller != bucket["Account"] \
            and policies.is_public(policy):
        policy = policies.without_public(policy)
    if policy is not None:
        policy = policies.canonical_users_as_accounts(policy, caller, acl.canonical_id, ctx.principal.arn,
                                                      acl.own_canonical_id(ctx.principal))
    parts = [policy] if policy is not None else []
    if ownership(bucket) != ENFORCED:
        ignore = bool(blocks.get("IgnorePublicAcls"))
        grants = bucket.get("Acl")
        if grants:
            parts.append(acl.statements(grants, True, caller, ignore))
        if record is not None and record.get("Acl"):
            parts.append(acl.statements(record["Acl"], False, caller, ignore))
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    return Policy(first.version, tuple(s for p in parts for s in p.statements), first.id, first.variables)


def needs_record(bucket: Bucket, key: str | None) -> bool:
    """Whether the object's own record matters to the decision (object ACLs, existing-tag conditions)."""
    if key is None:
        return False
    return ownership(bucket) != ENFORCED or "existingobjecttag" in (bucket.get("Policy") or "").lower()


def condition_keys(ctx: RequestContext, bucket: Bucket, record: ObjectVersion | None) -> dict:
    """S3's condition keys, from the request as sent."""
    request = ctx.request
    values: dict = {}
    if request is not None:
        query = request.query
        for name, key in _LIST_KEYS:
            if name in query:
                values[key] = query[name]
        if "versionId" in query:
            values["s3:VersionId"] = query["versionId"]
        headers = request.headers
        for name in _HEADER_KEYS:
            value = headers.get(name)
            if value is not None:
                values["s3:" + name] = value
        tagging = headers.get("x-amz-tagging")
        if tagging:
            pairs = parse_qsl(tagging, keep_blank_values=True)
            for tag, value in pairs:
                values[f"s3:RequestObjectTag/{tag}"] = value
            values["s3:RequestObjectTagKeys"] = [tag for tag, _ in pairs]
        presigned = "X-Amz-Signature" in query or "Signature" in query
        values["s3:authType"] = "REST-QUERY-STRING" if presigned else "REST-HEADER"
        if ctx.principal.type != "Anonymous":
            values["s3:signatureversion"] = "AWS" if "Signature" in query or (
                headers.get("authorization") or "").startswith("AWS ") else "AWS4-HMAC-SHA256"
    elif ctx.internal:  # another service's call (CloudTrail's PutObject): the headers its params stand for
        for param, key in _PARAM_KEYS:
            if ctx.params.get(param) is not None:
                values[key] = str(ctx.params[param])
    values.update(resource_tags(bucket))
    if record is not None:
        for tag in record.get("Tags") or []:
            values[f"s3:ExistingObjectTag/{tag['Key']}"] = tag["Value"]
    return values


def check_acl_allowed(bucket: Bucket, grants: list[dict] | None, owner_account: str, creating: bool = False,
                      store=None) -> None:
    """ACLs disabled (BucketOwnerEnforced) and BlockPublicAcls: what a request's ACL may not be."""
    if grants is None:
        return
    if ownership(bucket) == ENFORCED and not acl.owner_only(grants, owner_account):
        if creating:
            raise ServiceError("InvalidBucketAclWithObjectOwnership", "Bucket cannot have ACLs set with "
                               "ObjectOwnership's BucketOwnerEnforced setting", status=400)
        raise ServiceError("AccessControlListNotSupported", "The bucket does not allow ACLs", status=400)
    if block_public_access(bucket, store).get("BlockPublicAcls") and acl.is_public(grants):
        raise denied()
