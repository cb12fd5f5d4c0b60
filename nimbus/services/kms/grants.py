"""Grants: who besides the key policy may use a key, for which operations, under which context.

A grant is stored in the key's account and Region. Grants take effect at once in nimbus (AWS is
eventually consistent and offers grant tokens to bridge the gap); tokens are still checked for
shape and, when they name a grant, for that grant's existence.
"""
from __future__ import annotations

import base64
import os
import uuid

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.kms.documents import GRANT, Grant, Key
from nimbus.services.kms.keys import grants_ns
from nimbus.services.kms.listing import page
from nimbus.services.kms.state import KmsState

# Operations whose requests carry an encryption context; only they may have grant constraints.
CONTEXT_OPERATIONS = frozenset({
    "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom",
    "ReEncryptTo", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "CreateGrant",
    "RetireGrant", "DescribeKey"})
TOKEN_PREFIX = b"nimbus-grant:"


def caller_principals(ctx: RequestContext) -> set[str]:
    principal = ctx.principal
    names = {principal.arn, f"arn:aws:iam::{principal.account_id}:root", principal.account_id}
    issuer = (principal.session_context or {}).get("sessionIssuer") or {}
    if issuer.get("arn"):
        names.add(issuer["arn"])
    return names


def constraints_hold(constraints: dict | None, context: dict | None) -> bool:
    if not constraints:
        return True
    context = context or {}
    equals = constraints.get("EncryptionContextEquals")
    if equals is not None and equals != context:
        return False
    subset = constraints.get("EncryptionContextSubset")
    if subset is not None and any(context.get(k) != v for k, v in subset.items()):
        return False
    return True


def decode_token(token: str) -> tuple[str, str, str] | None:
    """(account, region, grant id) named by a token, or None if it is not a nimbus grant token."""
    try:
        raw = base64.urlsafe_b64decode(token.encode() + b"=" * (-len(token) % 4))
    except (ValueError, TypeError):
        return None
    if not raw.startswith(TOKEN_PREFIX):
        return None
    parts = raw[len(TOKEN_PREFIX):].split(b":")
    if len(parts) != 4:
        return None
    return parts[0].decode(), parts[1].decode(), parts[2].decode()


def check_tokens(grant_tokens: list[str] | None) -> None:
    for token in grant_tokens or ():
        if decode_token(token) is None:
            raise ServiceError("InvalidGrantTokenException", "")


def allowing_grant(ctx: RequestContext, key: Key, operation: str, context: dict | None) -> str | None:
    """The id of a grant that lets the caller run ``operation`` on ``key``, if any."""
    names = caller_principals(ctx)
    for _, grant in GRANT.scan(ctx.store, grants_ns(key["AWSAccountId"], key["Region"])):
        grantee = grant.get("GranteePrincipal") in names or (
            grant.get("GranteeServicePrincipal") is not None
            and grant["GranteeServicePrincipal"] == ctx.principal.invoked_by)
        if grant["KeyId"] == key["KeyId"] and grantee \
                and operation in grant["Operations"] and constraints_hold(grant.get("Constraints"), context):
            return grant["GrantId"]
    return None


def grant_entry(grant: Grant) -> dict:
    output = {k: grant[k] for k in ("GrantId", "IssuingAccount", "Operations")}
    output["KeyId"] = grant["KeyArn"]
    output["CreationDate"] = timestamp(grant["CreationDate"])
    for optional in ("Name", "GranteePrincipal", "GranteeServicePrincipal", "RetiringPrincipal",
                     "RetiringServicePrincipal", "Constraints"):
        if grant.get(optional):
            output[optional] = grant[optional]
    return output


class GrantOps(KmsState):
    def create_grant(self, ctx: RequestContext, params: dict) -> dict:
        key = self.keys.resolve(ctx, params["KeyId"], cross_account=True)
        self.check_state(key, "CreateGrant")
        self.authorize(ctx, key, "CreateGrant", None, params.get("GrantTokens"))
        constraints = params.get("Constraints")
        operations = params["Operations"]
        if not params.get("GranteePrincipal") and not params.get("GranteeServicePrincipal"):
            raise ServiceError("ValidationException", "Either GranteePrincipal or GranteeServicePrincipal must be "
                               "specified")
        if constraints and not set(operations) <= CONTEXT_OPERATIONS:
            bad = ", ".join(sorted(set(operations) - CONTEXT_OPERATIONS))
            raise ServiceError("ValidationException",
                               f"Grant constraints are not supported for the operations: {bad}")
        self.dry_run(params)
        ns = grants_ns(key["AWSAccountId"], key["Region"])
        with self.store.transaction():
            grant: Grant | None = None
            if params.get("Name"):
                grant = next((g for _, g in GRANT.scan(self.store, ns)
                              if g["KeyId"] == key["KeyId"] and g.get("Name") == params["Name"]
                              and g.get("GranteePrincipal") == params.get("GranteePrincipal")
                              and g.get("GranteeServicePrincipal") == params.get("GranteeServicePrincipal")
                              and g["Operations"] == operations and g.get("Constraints") == constraints), None)
            if grant is None:
                grant = {
                    "GrantId": os.urandom(32).hex(), "KeyId": key["KeyId"], "KeyArn": key["Arn"],
                    "Name": params.get("Name"), "CreationDate": ctx.clock.time(),
                    "GranteePrincipal": params.get("GranteePrincipal"),
                    "GranteeServicePrincipal": params.get("GranteeServicePrincipal"),
                    "RetiringPrincipal": params.get("RetiringPrincipal"),
                    "RetiringServicePrincipal": params.get("RetiringServicePrincipal"),
                    "IssuingAccount": f"arn:aws:iam::{ctx.account_id}:root",
                    "Operations": operations, "Constraints": constraints,
                }
                GRANT.put(self.store, ns, grant["GrantId"], grant)
        token = TOKEN_PREFIX + ":".join([key["AWSAccountId"], key["Region"], grant["GrantId"],
                                         uuid.uuid4().hex]).encode()
        return {"GrantId": grant["GrantId"], "GrantToken": base64.urlsafe_b64encode(token).decode().rstrip("=")}

    def list_grants(self, ctx: RequestContext, params: dict) -> dict:
        key = self.keys.resolve(ctx, params["KeyId"], cross_account=True)
        self.authorize(ctx, key, "ListGrants")
        grants = [g for _, g in GRANT.scan(self.store, grants_ns(key["AWSAccountId"], key["Region"]))
                  if g["KeyId"] == key["KeyId"]]
        if params.get("GrantId"):
            grants = [g for g in grants if g["GrantId"] == params["GrantId"]]
            if not grants:
                raise ServiceError("InvalidGrantIdException", "")
        for member in ("GranteePrincipal", "GranteeServicePrincipal"):
            if params.get(member):
                grants = [g for g in grants if g.get(member) == params[member]]
        grants.sort(key=lambda g: (g["CreationDate"], g["GrantId"]))
        output = page(grants, params, lambda g: g["GrantId"], "Grants", default_limit=50)
        output["Grants"] = [grant_entry(g) for g in output["Grants"]]
        return output

    def list_retirable_grants(self, ctx: RequestContext, params: dict) -> dict:
        if not params.get("RetiringPrincipal") and not params.get("RetiringServicePrincipal"):
            raise ServiceError("ValidationException", "Either RetiringPrincipal or RetiringServicePrincipal must be "
                               "specified")
        grants = [g for _, g in GRANT.scan(self.store, grants_ns(ctx.account_id, ctx.region))
                  if (params.get("RetiringPrincipal") and g.get("RetiringPrincipal") == params["RetiringPrincipal"])
                  or (params.get("RetiringServicePrincipal")
                      and g.get("RetiringServicePrincipal") == params["RetiringServicePrincipal"])]
        grants.sort(key=lambda g: (g["CreationDate"], g["GrantId"]))
        output = page(grants, params, lambda g: g["GrantId"], "Grants", default_limit=50)
        output["Grants"] = [grant_entry(g) for g in output["Grants"]]
        return output

    def revoke_grant(self, ctx: RequestContext, params: dict) -> dict:
        key = self.keys.resolve(ctx, params["KeyId"], cross_account=True)
        self.authorize(ctx, key, "RevokeGrant")
        ns = grants_ns(key["AWSAccountId"], key["Region"])
        grant = GRANT.get(self.store, ns, params["GrantId"])
        if grant is None or grant["KeyId"] != key["KeyId"]:
            raise ServiceError("InvalidGrantIdException", "")
        self.dry_run(params)
        self.store.delete(ns, grant["GrantId"])
        return {}

    def retire_grant(self, ctx: RequestContext, params: dict) -> dict:
        if params.get("GrantToken"):
            located = decode_token(params["GrantToken"])
            if located is None:
                raise ServiceError("InvalidGrantTokenException", "")
            account, region, grant_id = located
        elif params.get("KeyId") and params.get("GrantId"):
            key = self.keys.resolve(ctx, params["KeyId"], cross_account=True)
            account, region, grant_id = key["AWSAccountId"], key["Region"], params["GrantId"]
        else:
            raise ServiceError("ValidationException", "Grant token OR (grant ID, key ID) must be specified")
        ns = grants_ns(account, region)
        grant = GRANT.get(self.store, ns, grant_id)
        if grant is None:
            raise ServiceError("NotFoundException", f"Grant ID {grant_id} not found")
        names = caller_principals(ctx)
        may_retire = (grant.get("RetiringPrincipal") in names or account == ctx.account_id
                      or (grant.get("GranteePrincipal") in names and "RetireGrant" in grant["Operations"]))
        if not may_retire:
            raise ServiceError("AccessDeniedException",
                               f"User: {ctx.principal.arn} is not authorized to perform: kms:RetireGrant")
        self.dry_run(params)
        self.store.delete(ns, grant_id)
        return {}
