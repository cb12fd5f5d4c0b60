"""What the IAM modules share: namespaces, errors, timestamps and policy documents.

IAM is global: state is kept per account, not per region. Entity names are
unique case-insensitively, as in AWS, so documents are keyed by the lower-cased
name; managed policies are keyed by ARN.
"""
from __future__ import annotations

from urllib.parse import quote

from nimbus.core.policy import PolicyError, compile_policy
from nimbus.core.tags import MAX_TAGS
from nimbus.protocol.errors import ServiceError
from nimbus.services.iam.documents import Entity, Tag

# kind → (store collection, name parameter, ARN segment, id prefix)
ENTITIES = {
    "user": ("users", "UserName", "user", "AIDA"),
    "group": ("groups", "GroupName", "group", "AGPA"),
    "role": ("roles", "RoleName", "role", "AROA"),
}
MANAGED_POLICIES_PER_ENTITY = 10
POLICY_VERSIONS = 5
MANAGED_POLICY_SIZE = 6144
# AWS's quotas on the inline policies of one entity (characters, whitespace not counted).
INLINE_POLICY_SIZE = {"user": 2048, "group": 5120, "role": 10240}
QUOTA_NAMES = {"user": "User", "group": "Group", "role": "Role"}


def ns(account: str, collection: str) -> tuple[str, ...]:
    return ("iam", account, collection)


def no_such_entity(message: str) -> ServiceError:
    return ServiceError("NoSuchEntity", message, status=404)


def already_exists(message: str) -> ServiceError:
    return ServiceError("EntityAlreadyExists", message, status=409)


def delete_conflict(message: str) -> ServiceError:
    return ServiceError("DeleteConflict", message, status=409)


def limit_exceeded(message: str) -> ServiceError:
    return ServiceError("LimitExceeded", message, status=409)


def encode_document(document: str) -> str:
    """IAM returns policy documents URL-encoded (RFC 3986); SDKs decode them."""
    return quote(document, safe="-_.!~*'()")


def validated_document(document: str, kind: str = "identity", limit: int | None = None,
                       quota: str = "PolicySize") -> str:
    """The document as given, once it parses as a policy of ``kind`` (MalformedPolicyDocument if not)."""
    try:
        policy = compile_policy(document, kind)
    except PolicyError as error:
        raise ServiceError("MalformedPolicyDocument", str(error), status=400) from None
    if kind == "trust":
        for statement in policy.statements:
            for action in statement.actions or statement.not_actions or ():
                if not action.lower().startswith("sts:"):
                    raise ServiceError("MalformedPolicyDocument",
                                       "AssumeRole policy may only specify STS AssumeRole actions.", status=400)
    if limit is not None and len("".join(document.split())) > limit:
        raise limit_exceeded(f"Cannot exceed quota for {quota}: {limit}")
    return document


def paged_output(items: list, params: dict, key, list_name: str, render) -> dict:
    from nimbus.core.paging import page
    chunk, marker = page(items, params.get("Marker"), params.get("MaxItems"), key=key)
    output = {list_name: [render(item) for item in chunk], "IsTruncated": marker is not None}
    if marker:
        output["Marker"] = marker
    return output


def tags_output(tags: list[Tag]) -> list[dict]:
    return [{"Key": t["Key"], "Value": t["Value"]} for t in tags]


def merge_tags(existing: list[Tag], new: list[dict]) -> list[Tag]:
    merged = {t["Key"]: t["Value"] for t in existing}
    merged.update({t["Key"]: t["Value"] for t in new})
    if len(merged) > MAX_TAGS:
        raise limit_exceeded("The number of tags has reached the maximum limit.")
    return [{"Key": k, "Value": v} for k, v in merged.items()]


def add_boundary_and_tags(output: dict, entity: Entity) -> dict:
    """The optional members users and roles share in their descriptions."""
    if entity.get("PermissionsBoundary"):
        output["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                         "PermissionsBoundaryArn": entity["PermissionsBoundary"]}
    if entity.get("Tags"):
        output["Tags"] = tags_output(entity["Tags"])
    return output
