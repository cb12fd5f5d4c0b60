"""What the IAM modules share: namespaces, errors, timestamps and policy documents.

IAM is global: state is kept per account, not per region. Entity names are
unique case-insensitively, as in AWS, so documents are keyed by the lower-cased
name; managed policies are keyed by ARN.
"""
from __future__ import annotations

import re
from urllib.parse import quote

from nimbus.core.policy import PolicyError, compile_policy
from nimbus.core.tags import MAX_TAGS
from nimbus.protocol.errors import ServiceError
from nimbus.services.iam.documents import Entity, Tag
from nimbus.services.iam.grammar import check_identity_grammar

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
SERVICE_ROLE_PATH = "/aws-service-role/"  # where service-linked roles live
# IAM's pathType, as the model writes it (and as AWS quotes it in its error message).
PATH_PATTERN = r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)"
PATH = re.compile(r"/|/[\x21-\x7e]+/")


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
                       quota: str = "PolicySize", managed: bool = False) -> str:
    """The document as given, once it parses as a policy of ``kind`` (MalformedPolicyDocument if not);
    a managed policy must be in the 2012-10-17 language."""
    try:
        policy = compile_policy(document, kind)
    except PolicyError as error:
        raise ServiceError("MalformedPolicyDocument", str(error), status=400) from None
    if kind == "identity":
        check_identity_grammar(document, managed=managed)
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


def checked_tags(tags: list) -> list:
    """Tags as given, unless two share a key (in any case), which IAM refuses."""
    keys = [t["Key"].lower() for t in tags]
    if len(keys) != len(set(keys)):
        raise ServiceError("InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case "
                           "insensitive.", status=400)
    return tags


def checked_path(path: str, member: str = "path") -> str:
    """A Path as the model's pattern allows: ``/`` or ``/`` printable ASCII ``/`` (ValidationError if not)."""
    if len(path) > 512 or not PATH.fullmatch(path):
        raise ServiceError("ValidationError", f"1 validation error detected: Value '{path}' at '{member}' failed to "
                           f"satisfy constraint: Member must satisfy regular expression pattern: {PATH_PATTERN}",
                           status=400)
    return path


def merge_tags(existing: list[Tag], new: list[dict]) -> list[Tag]:
    checked_tags(new)
    merged = {t["Key"]: t["Value"] for t in existing}
    merged.update({t["Key"]: t["Value"] for t in new})
    if len(merged) > MAX_TAGS:
        raise limit_exceeded("The number of tags has reached the maximum limit.")
    return [{"Key": k, "Value": v} for k, v in merged.items()]


def add_boundary_and_tags(output: dict, entity: Entity, listed: bool = False) -> dict:
    """The optional members users and roles share in their descriptions (not in ListUsers/ListRoles)."""
    if listed:
        return output
    if entity.get("PermissionsBoundary"):
        output["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                         "PermissionsBoundaryArn": entity["PermissionsBoundary"]}
    if entity.get("Tags"):
        output["Tags"] = tags_output(entity["Tags"])
    return output


def refuse_service_linked(role: dict) -> None:
    """DeleteRole is not for service-linked roles: they are the owning service's (DeleteServiceLinkedRole)."""
    if role["Path"].startswith(SERVICE_ROLE_PATH):
        raise ServiceError("UnmodifiableEntity", f"Cannot perform the operation on the protected role "
                           f"'{role['RoleName']}' - this role is only modifiable by AWS", status=400)
