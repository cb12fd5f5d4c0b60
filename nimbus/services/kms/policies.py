"""Key policies: the default policy exactly as AWS writes it, and PutKeyPolicy's validation.

Evaluation is not here: see access.py for where the IAM engine plugs in.
"""
from __future__ import annotations

import fnmatch
import json
import re

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.kms.grants import caller_principals
from nimbus.services.kms.listing import page

# AWS serializes the default policy with Jackson's pretty printer: " : " separators and "[ {".
DEFAULT_POLICY = """{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::%s:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}"""
AWS_PRINCIPAL = re.compile(
    r"^(\*|\d{12}|arn:aws[a-z\-]*:(iam|sts)::\d{12}:(root|user/.+|role/.+|assumed-role/.+|federated-user/.+))$")
LOCKOUT = "The new key policy will not allow you to update the key policy in the future."
INVALID_PRINCIPALS = "Policy contains a statement with one or more invalid principals."


def default_policy(account: str) -> str:
    return DEFAULT_POLICY % account


def _malformed(message: str) -> ServiceError:
    return ServiceError("MalformedPolicyDocumentException", message)


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _statements(document: str) -> list[dict]:
    try:
        policy = json.loads(document)
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


def _allows_put_policy(statements: list[dict], ctx: RequestContext) -> bool:
    """AWS's lockout check: some statement must still let the caller change the policy."""
    names = caller_principals(ctx) | {"*"}
    for statement in statements:
        if statement["Effect"] != "Allow" or "Action" not in statement or "Principal" not in statement:
            continue
        principal = statement["Principal"]
        principals = {"*"} if principal == "*" else set(_as_list(principal.get("AWS", [])))
        actions = [a.lower() for a in _as_list(statement["Action"]) if isinstance(a, str)]
        if principals & names and any(fnmatch.fnmatchcase("kms:putkeypolicy", a) for a in actions):
            return True
    return False


def validate(ctx: RequestContext, document: str, bypass_lockout_check: bool) -> None:
    statements = _statements(document)
    if not bypass_lockout_check and not _allows_put_policy(statements, ctx):
        raise _malformed(LOCKOUT)


class PolicyOps:
    def get_key_policy(self, ctx: RequestContext, params: dict) -> dict:
        key = self.keys.resolve(ctx, params["KeyId"], allow_alias=False)
        self.authorize(ctx, key, "GetKeyPolicy")
        name = params.get("PolicyName", "default")
        if name not in key["Policies"]:
            raise ServiceError("NotFoundException", "No such policy exists")
        return {"Policy": key["Policies"][name], "PolicyName": name}

    def put_key_policy(self, ctx: RequestContext, params: dict) -> dict:
        if params.get("PolicyName", "default") != "default":
            raise ServiceError("NotFoundException", "No such policy exists")
        validate(ctx, params["Policy"], params.get("BypassPolicyLockoutSafetyCheck", False))
        with self.store.transaction():
            key = self.keys.resolve(ctx, params["KeyId"], allow_alias=False)
            self.check_state(key, "PutKeyPolicy")
            self.authorize(ctx, key, "PutKeyPolicy")
            key["Policies"]["default"] = params["Policy"]
            self.keys.save(key)
        return {}

    def list_key_policies(self, ctx: RequestContext, params: dict) -> dict:
        key = self.keys.resolve(ctx, params["KeyId"], allow_alias=False)
        self.authorize(ctx, key, "ListKeyPolicies")
        output = page(sorted(key["Policies"]), params, lambda name: name, "PolicyNames", default_limit=100)
        return output
