"""Key policies: GetKeyPolicy, PutKeyPolicy and their validation (KMS's grammar rules, the IAM
engine's grammar, and AWS's lockout safety check, evaluated by the engine).

The policies AWS writes are in key_policies.py; evaluation is in access.py.
"""
from __future__ import annotations

import re

from nimbus.core.context import RequestContext
from nimbus.core.json_text import read_json
from nimbus.core.policy import PolicyError, compile_policy
from nimbus.protocol.errors import ServiceError
from nimbus.services.kms import access
from nimbus.services.kms.documents import Key
from nimbus.services.kms.key_policies import default_policy, key_policy
from nimbus.services.kms.listing import page
from nimbus.services.kms.state import KmsState

__all__ = ["default_policy", "validate", "PolicyOps"]

AWS_PRINCIPAL = re.compile(
    r"^(\*|\d{12}|arn:aws[a-z\-]*:(iam|sts)::\d{12}:(root|user/.+|role/.+|assumed-role/.+|federated-user/.+))$")
LOCKOUT = "The new key policy will not allow you to update the key policy in the future."
INVALID_PRINCIPALS = "Policy contains a statement with one or more invalid principals."


def _malformed(message: str) -> ServiceError:
    return ServiceError("MalformedPolicyDocumentException", message)


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _statements(document: str) -> list[dict]:
    try:
        policy = read_json(document)
    except ValueError:
        raise _malformed("The policy document is not valid JSON.") from None
    if not isinstance(policy, dict) or "Statement" not in policy:
        raise _malformed("The policy document must contain a Statement.")
    statements = _as_list(policy["Statement"])
    for statement in statements:
        if not isinstance(statement, dict):
            raise _malformed("Each policy statement must be a JSON object.")
        if statement.get("Effect") not in ("Allow", "Deny"):
            raise _malformed("Each policy statement must have an Effect of Allow or Deny.")
        if "Action" not in statement and "NotAction" not in statement:
            raise _malformed("Each policy statement must have an Action.")
        principal = statement.get("Principal", statement.get("NotPrincipal"))
        if principal is None:
            raise _malformed("Each key policy statement must have a Principal.")
        _check_principal(principal)
    return statements


def _check_principal(principal) -> None:
    if principal == "*":
        return
    if not isinstance(principal, dict) or not principal:
        raise _malformed(INVALID_PRINCIPALS)
    for kind, values in principal.items():
        if kind not in ("AWS", "Service", "Federated", "CanonicalUser"):
            raise _malformed(INVALID_PRINCIPALS)
        for value in _as_list(values):
            if not isinstance(value, str) or (kind == "AWS" and not AWS_PRINCIPAL.match(value)):
                raise _malformed(INVALID_PRINCIPALS)


def validate(ctx: RequestContext, document: str, bypass_lockout_check: bool, key: Key) -> None:
    """``document`` may become ``key``'s policy (``key`` may be one not saved yet)."""
    _statements(document)
    try:
        compile_policy(document, "resource")
    except PolicyError as exc:
        raise _malformed(str(exc)) from None
    # AWS's lockout check: the caller must still be allowed to change the policy under the new one.
    if not bypass_lockout_check and not access.would_allow(ctx, key, "PutKeyPolicy", document):
        raise _malformed(LOCKOUT)


class PolicyOps(KmsState):
    def get_key_policy(self, ctx: RequestContext, params: dict) -> dict:
        key = self.keys.resolve(ctx, params["KeyId"], allow_alias=False)
        self.authorize(ctx, key, "GetKeyPolicy")
        name = params.get("PolicyName", "default")
        if name != "default":
            raise ServiceError("NotFoundException", "No such policy exists")
        return {"Policy": key_policy(key), "PolicyName": name}

    def put_key_policy(self, ctx: RequestContext, params: dict) -> dict:
        if params.get("PolicyName", "default") != "default":
            raise ServiceError("NotFoundException", "No such policy exists")
        with self.store.transaction():
            key = self.keys.resolve(ctx, params["KeyId"], allow_alias=False)
            self.check_state(key, "PutKeyPolicy")
            self.authorize(ctx, key, "PutKeyPolicy")
            validate(ctx, params["Policy"], params.get("BypassPolicyLockoutSafetyCheck", False), key)
            key["Policies"]["default"] = params["Policy"]
            self.keys.save(key)
        return {}

    def list_key_policies(self, ctx: RequestContext, params: dict) -> dict:
        key = self.keys.resolve(ctx, params["KeyId"], allow_alias=False)
        self.authorize(ctx, key, "ListKeyPolicies")
        output = page(["default"], params, lambda name: name, "PolicyNames", default_limit=100)
        return output
