"""ListPoliciesGrantingServiceAccess: which of an identity's permissions policies allow it some action of a
service. Only the identity's own policies count (and a user's groups'), as in AWS: no resource policies,
permissions boundaries or trust policies."""
from __future__ import annotations

from fnmatch import fnmatchcase
from typing import cast

from nimbus.core.arns import parse_arn
from nimbus.core.context import RequestContext
from nimbus.core.policy import PolicyError, Statement, compile_policy
from nimbus.protocol.errors import ServiceError
from nimbus.services.iam.common import ENTITIES, no_such_entity, paged_output
from nimbus.services.iam.documents import Entity
from nimbus.services.iam.state import IamState

ENTITY_TYPES = {"user": "USER", "group": "GROUP", "role": "ROLE"}


def _covers_service(pattern: str, namespace: str) -> bool:
    """Could ``pattern`` (an Action entry) match some action of the service ``namespace``?"""
    vendor, colon, _ = pattern.lower().partition(":")
    return fnmatchcase(namespace, vendor) if colon else pattern == "*"


def _excludes_service(pattern: str, namespace: str) -> bool:
    """Does ``pattern`` (a NotAction entry) match every action of the service ``namespace``?"""
    vendor, colon, action = pattern.lower().partition(":")
    return pattern == "*" or (bool(colon) and action == "*" and fnmatchcase(namespace, vendor))


def _grants(statement: Statement, namespace: str) -> bool:
    if not statement.allow:
        return False
    if statement.actions is not None:
        return any(_covers_service(p, namespace) for p in statement.actions)
    return not any(_excludes_service(p, namespace) for p in statement.not_actions or ())


def _document_grants(document: str, namespace: str) -> bool:
    try:
        statements = compile_policy(document).statements
    except PolicyError:  # stored documents were validated; an AWS managed one IAM cannot parse grants nothing
        return False
    return any(_grants(s, namespace) for s in statements)


def _name(kind: str, holder: Entity) -> str:
    return cast(dict, holder)[ENTITIES[kind][1]]


class ServiceAccessOps(IamState):
    def list_policies_granting_service_access(self, ctx: RequestContext, params: dict) -> dict:
        holders = self._identity_holders(ctx, params["Arn"])
        results = []
        for namespace in dict.fromkeys(n.lower() for n in params["ServiceNamespaces"]):
            policies = []
            for kind, holder in holders:
                for name, document in holder.get("InlinePolicies", {}).items():
                    if _document_grants(document, namespace):
                        policies.append({"PolicyName": name, "PolicyType": "INLINE",
                                         "EntityType": ENTITY_TYPES[kind], "EntityName": _name(kind, holder)})
                for arn in holder.get("AttachedPolicies", ()):
                    policy = self._find_policy(ctx.account_id, arn)
                    if policy and _document_grants(policy["Versions"][policy["DefaultVersionId"]]["Document"],
                                                   namespace):
                        policies.append({"PolicyName": policy["PolicyName"], "PolicyType": "MANAGED",
                                         "PolicyArn": arn})
            results.append({"ServiceNamespace": namespace, "Policies": policies})
        return paged_output(results, params, lambda r: r["ServiceNamespace"], "PoliciesGrantingServiceAccess",
                            lambda r: r)

    def _identity_holders(self, ctx: RequestContext, arn: str) -> list[tuple[str, Entity]]:
        """The user, group or role ``arn`` names, and for a user its groups (whose policies it has)."""
        parsed = parse_arn(arn) or {}
        kind, _, path_name = parsed.get("resource", "").partition("/")
        if parsed.get("service") != "iam" or kind not in ENTITY_TYPES or not path_name:
            raise ServiceError("InvalidInput", f"ARN {arn} is not valid.", status=400)
        name = path_name.rsplit("/", 1)[-1]
        entity = self._find(ctx.account_id, kind, name) if parsed.get("account") == ctx.account_id else None
        if entity is None:
            raise no_such_entity(f"The {kind} with name {name} cannot be found.")
        holders: list[tuple[str, Entity]] = [(kind, entity)]
        if kind == "user":
            user = self._entity(ctx.account_id, "user", name)
            holders += [("group", g) for g in (self._find(ctx.account_id, "group", n) for n in user["Groups"]) if g]
        return holders
