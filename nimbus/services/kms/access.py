"""Who may use a key: the one place each KMS call's access decision is made.

``authorize`` is called by every operation on a key, after the key is resolved and before anything
happens. It asks the IAM engine, AWS's way:

* the key policy is the primary resource policy and must grant (``must_grant``): a statement naming
  the caller (its user or role ARN) allows it; one naming its account (the default policy's
  "Enable IAM User Permissions" root statement) delegates to that account's IAM identity policies.
  Without such a statement IAM policies alone grant nothing;
* across accounts both sides must allow: the key policy (the caller's account or ARN) and the
  caller's own identity policies;
* a grant allows its operations in addition (under its encryption-context constraints);
* an explicit deny in the key policy or an identity policy wins over everything, grants included.

When it binds: always for callers from another account (without ``--enforce-iam`` the caller's own
identity side is taken as allowing, as ``mode="always"`` does), and for every caller with
``--enforce-iam``. Otherwise the decision is only recorded on the API-call event.
"""
from __future__ import annotations

import logging

from nimbus.core.context import RequestContext
from nimbus.core.policy import Decision, PolicyError, compile_policy
from nimbus.protocol.errors import ServiceError
from nimbus.services.kms import grants as grant_rules
from nimbus.services.kms.conditions import condition_keys
from nimbus.services.kms.documents import Key
from nimbus.services.kms.key_policies import ROOT_SID, default_policy, key_policy

log = logging.getLogger(__name__)
# What a stored policy nimbus cannot read grants: nothing (it was validated on write, so only
# documents written by an older nimbus can get here).
NOTHING = compile_policy('{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",'
                         '"NotAction":"kms:*","Resource":"*"}]}', "resource")


def denied(decision: Decision) -> ServiceError:
    return ServiceError("AccessDeniedException", decision.message())


def authorize(ctx: RequestContext, key: Key, operation: str, context: dict | None = None,
              grant_tokens: list[str] | None = None) -> Decision:
    """Raise AccessDeniedException unless the caller may run ``operation`` on ``key``."""
    grant_rules.check_tokens(grant_tokens)
    if _own_root_under_default_policy(ctx, key):
        return _record(ctx, Decision(True, f"kms:{operation}", key["Arn"], ctx.principal.arn, "allowed",
                                     statements=[ROOT_SID]))
    cross_account = ctx.account_id != key["AWSAccountId"]
    decision = ctx.authorize(
        f"kms:{operation}", key["Arn"], resource_policy=_compiled(key), resource_account=key["AWSAccountId"],
        context=condition_keys(ctx, key, operation, context), mode="record", must_grant=True)
    if not decision.allowed and decision.reason != "explicit_deny":
        grant = grant_rules.allowing_grant(ctx, key, operation, context)
        if grant is not None:
            decision.allowed = decision.resource_allowed = True
            decision.reason, decision.policy_type, decision.statements = "allowed", None, [f"grant:{grant}"]
    enforce_iam = ctx.runtime.config.enforce_iam
    decision.enforced = enforce_iam
    if enforce_iam:
        allowed = decision.allowed
    else:
        allowed = decision.resource_allowed or not cross_account
    if not allowed:
        raise denied(decision)
    return decision


def would_allow(ctx: RequestContext, key: Key, operation: str, policy: str) -> bool:
    """Would ``policy``, as the key policy, let the caller run ``operation``? (PutKeyPolicy's lockout
    check: AWS asks the key policy alone, so a statement naming the caller's account passes whatever
    its IAM policies say today: the account can always grant itself the permission.)"""
    decision = ctx.runtime.authz.decide(
        ctx, f"kms:{operation}", key["Arn"], resource_policy=compile_policy(policy, "resource"),
        resource_account=key["AWSAccountId"], context=condition_keys(ctx, key, operation, None), must_grant=True)
    return decision.resource_allowed


def _own_root_under_default_policy(ctx: RequestContext, key: Key) -> bool:
    """The hot path: the default policy lets its account's root do anything, whatever the request."""
    principal = ctx.principal
    return principal.type == "Root" and principal.account_id == key["AWSAccountId"] \
        and key["Policies"].get("default") == default_policy(key["AWSAccountId"])


def _record(ctx: RequestContext, decision: Decision) -> Decision:
    decision.enforced = ctx.runtime.config.enforce_iam
    if ctx.authorization is None or ctx.authorization.allowed:
        ctx.authorization = decision
    return decision


def _compiled(key: Key):
    text = key_policy(key)
    try:
        return compile_policy(text, "resource")
    except PolicyError as exc:
        log.warning("key policy of %s does not compile (%s); it grants nothing", key["Arn"], exc)
        return NOTHING
