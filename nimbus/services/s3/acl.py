"""Access control lists: canned ACLs, x-amz-grant-* headers and AccessControlPolicy documents.

Grants are stored in S3's own output shape (``{"Grantee": {...}, "Permission": ...}``). For
evaluation they become resource-policy statements (``statements``) that the shared IAM engine
reads beside the bucket policy, with AWS's ACL-permission-to-action mapping.
"""
from __future__ import annotations

import hashlib
import json
import re

from nimbus.core.policy import Policy, compile_policy
from nimbus.protocol.errors import ServiceError

GROUPS = "http://acs.amazonaws.com/groups/"
ALL_USERS = GROUPS + "global/AllUsers"
AUTHENTICATED_USERS = GROUPS + "global/AuthenticatedUsers"
LOG_DELIVERY = GROUPS + "s3/LogDelivery"
PUBLIC_GROUPS = (ALL_USERS, AUTHENTICATED_USERS)
KNOWN_GROUPS = (ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY)

CANNED = ("private", "public-read", "public-read-write", "aws-exec-read", "authenticated-read",
          "bucket-owner-read", "bucket-owner-full-control", "log-delivery-write")
GRANT_PARAMS = {"GrantFullControl": "FULL_CONTROL", "GrantRead": "READ", "GrantReadACP": "READ_ACP",
                "GrantWrite": "WRITE", "GrantWriteACP": "WRITE_ACP"}

# AWS's mapping of ACL permissions to policy actions (bucket and object ACLs differ).
_BUCKET = {"READ": ("s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"),
           "WRITE": ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"),
           "READ_ACP": ("s3:GetBucketAcl",), "WRITE_ACP": ("s3:PutBucketAcl",)}
_OBJECT = {"READ": ("s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTorrent"),
           "READ_ACP": ("s3:GetObjectAcl", "s3:GetObjectVersionAcl"),
           "WRITE_ACP": ("s3:PutObjectAcl", "s3:PutObjectVersionAcl")}
for _table in (_BUCKET, _OBJECT):
    _table["FULL_CONTROL"] = tuple(a for actions in list(_table.values()) for a in actions)
_GRANT = re.compile(r'\s*(id|uri|emailAddress)\s*=\s*"([^"]*)"\s*(?:,|$)')


def canonical_id(account_id: str) -> str:
    """An account's canonical user id (64 hex characters, stable)."""
    return hashlib.sha256(f"nimbus-owner:{account_id}".encode()).hexdigest()


# CloudFront's origin access identities: principals of no account, each with a canonical id of its own.
_OWN_CANONICAL_PREFIX = "arn:aws:iam::cloudfront:user/"


def own_canonical_id(principal) -> str:
    """The canonical user id a principal has apart from its account's (an origin access identity's
    S3CanonicalUserId, which CloudFront keeps as its principal id), or ""."""
    return principal.principal_id if principal.arn.startswith(_OWN_CANONICAL_PREFIX) else ""


def owner(account_id: str) -> dict:
    return {"DisplayName": "nimbus" if account_id == "000000000000" else account_id, "ID": canonical_id(account_id)}


def _user(account_id: str) -> dict:
    return {"Type": "CanonicalUser", "ID": canonical_id(account_id)}


def _group(uri: str) -> dict:
    return {"Type": "Group", "URI": uri}


def canned(acl: str, owner_account: str, bucket_account: str, for_bucket: bool) -> list[dict]:
    """The grants a canned ACL stands for (``owner_account`` owns the bucket or object)."""
    grants = [{"Grantee": _user(owner_account), "Permission": "FULL_CONTROL"}]
    extra = {
        "public-read": [(_group(ALL_USERS), "READ")],
        "public-read-write": [(_group(ALL_USERS), "READ"), (_group(ALL_USERS), "WRITE")],
        "authenticated-read": [(_group(AUTHENTICATED_USERS), "READ")],
        "log-delivery-write": [(_group(LOG_DELIVERY), "WRITE"), (_group(LOG_DELIVERY), "READ_ACP")]
        if for_bucket else [],
    }.get(acl, [])
    if not for_bucket and bucket_account != owner_account:
        if acl == "bucket-owner-read":
            extra = [(_user(bucket_account), "READ")]
        elif acl == "bucket-owner-full-control":
            extra = [(_user(bucket_account), "FULL_CONTROL")]
    return grants + [{"Grantee": grantee, "Permission": permission} for grantee, permission in extra]


def _parse_grantees(text: str) -> list[dict]:
    grantees, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _GRANT.match(text, position)
        if match is None:
            raise ServiceError("InvalidArgument", "Invalid grant header value", status=400,
                               ArgumentName="x-amz-grant", ArgumentValue=text)
        kind, value = match.groups()
        if kind == "id":
            grantees.append({"Type": "CanonicalUser", "ID": value})
        elif kind == "uri":
            grantees.append(_group(value))
        else:
            grantees.append({"Type": "AmazonCustomerByEmail", "EmailAddress": value})
        position = match.end()
    return grantees


def from_request(params: dict, owner_account: str, bucket_account: str, for_bucket: bool,
                 default: str | None = "private") -> list[dict] | None:
    """Grants a request asks for: a canned ACL, x-amz-grant-* headers or an AccessControlPolicy body.

    None when the request names no ACL and ``default`` is None (keep the current one)."""
    grant_headers = {name: params[name] for name in GRANT_PARAMS if params.get(name)}
    body = params.get("AccessControlPolicy")
    chosen = sum(1 for present in (params.get("ACL"), grant_headers, body) if present)
    if chosen > 1:
        raise ServiceError("InvalidRequest", "Specifying both Canned ACLs and Header Grants is not allowed",
                           status=400)
    if grant_headers:
        grants: list[dict] = [{"Grantee": grantee, "Permission": GRANT_PARAMS[name]}
                  for name, text in grant_headers.items() for grantee in _parse_grantees(text)]
    elif body:
        grants = [dict(g) for g in body.get("Grants") or []]
    elif params.get("ACL") or default:
        acl = params.get("ACL") or default
        if acl not in CANNED:
            raise ServiceError("InvalidArgument", "Invalid canned ACL", status=400, ArgumentName="x-amz-acl",
                               ArgumentValue=acl)
        return canned(acl, owner_account, bucket_account, for_bucket)
    else:
        return None
    for grant in grants:
        grantee = grant.get("Grantee") or {}
        if grant.get("Permission") not in _BUCKET or grantee.get("Type") not in (
                "CanonicalUser", "Group", "AmazonCustomerByEmail"):
            raise _malformed_acl()
        if grantee["Type"] == "Group" and grantee.get("URI") not in KNOWN_GROUPS:
            raise ServiceError("InvalidArgument", "Invalid group uri", status=400, ArgumentName="uri",
                               ArgumentValue=grantee.get("URI"))
        if grantee["Type"] == "CanonicalUser" and not re.fullmatch(r"[0-9a-f]{64}", grantee.get("ID") or ""):
            raise ServiceError("InvalidArgument", "Invalid id", status=400, ArgumentName="CanonicalUser/ID",
                               ArgumentValue=grantee.get("ID"))
        if grantee["Type"] == "AmazonCustomerByEmail":
            raise ServiceError("UnresolvableGrantByEmailAddress", "The e-mail address you provided does not "
                               "match any account on record.", status=400, EmailAddress=grantee.get("EmailAddress"))
    return grants


def _malformed_acl() -> ServiceError:
    return ServiceError("MalformedACLError", "The XML you provided was not well-formed or did not validate against "
                        "our published schema", status=400)


def is_public(grants: list[dict]) -> bool:
    return any((g.get("Grantee") or {}).get("URI") in PUBLIC_GROUPS for g in grants)


def owner_only(grants: list[dict], owner_account: str) -> bool:
    """What a bucket with ACLs disabled accepts: full control for the bucket owner and nothing else."""
    me = canonical_id(owner_account)
    return all((g.get("Grantee") or {}).get("ID") == me and g.get("Permission") == "FULL_CONTROL" for g in grants)


def describe(grants: list[dict]) -> list[dict]:
    """Grants as Get(Bucket|Object)Acl returns them (canonical users with a display name)."""
    out = []
    for grant in grants:
        grantee = dict(grant["Grantee"])
        if grantee.get("Type") == "CanonicalUser" and "DisplayName" not in grantee:
            grantee["DisplayName"] = grantee["ID"][:12]
        out.append({"Grantee": grantee, "Permission": grant["Permission"]})
    return out


def statements(grants: list[dict], for_bucket: bool, caller_account: str | None, ignore_public: bool) -> Policy | None:
    """The grants as resource-policy statements the engine evaluates (resource ``*``: they are only
    consulted for requests on their own bucket or object)."""
    table = _BUCKET if for_bucket else _OBJECT
    caller_id = canonical_id(caller_account) if caller_account else None
    out = []
    for grant in grants:
        grantee, actions = grant["Grantee"], table.get(grant["Permission"])
        if not actions:
            continue
        uri = grantee.get("URI")
        condition = None
        if uri == ALL_USERS:
            principal = "*"
        elif uri == AUTHENTICATED_USERS:
            principal = "*"
            condition = {"StringNotEquals": {"aws:PrincipalType": "Anonymous"}}
        elif uri == LOG_DELIVERY:
            principal = {"Service": "logging.s3.amazonaws.com"}
        elif grantee.get("ID") and grantee["ID"] == caller_id:
            principal = {"AWS": caller_account}
        else:
            continue
        if ignore_public and uri in PUBLIC_GROUPS:
            continue
        statement = {"Effect": "Allow", "Principal": principal, "Action": list(actions), "Resource": "*"}
        if condition:
            statement["Condition"] = condition
        out.append(statement)
    if not out:
        return None
    return compile_policy(json.dumps({"Version": "2012-10-17", "Statement": out}, sort_keys=True), "resource")
