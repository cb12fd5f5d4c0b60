"""Who may use a key: the one place each KMS call's access decision is made.

``authorize`` is called by every operation on a key, after the key is resolved and before anything
happens. Today it decides:

* same-account callers: allowed (nimbus does not yet evaluate IAM policies for them);
* cross-account callers: allowed only through a grant on the key whose grantee is the caller and
  that allows the operation (with its encryption-context constraints); otherwise AccessDenied.

WHERE THE IAM ENGINE PLUGS IN: ``_policy_allows`` below. Once the IAM policy engine exists it must
evaluate the key policy (``key["Policies"]["default"]``, a JSON string) as the resource policy,
together with the caller's identity policies, for action ``kms:<operation>`` on ``key["Arn"]``
with the request's condition keys (``kms:EncryptionContext:*``, ``kms:CallerAccount``,
``kms:ViaService``, ...). Call it always for cross-account callers, and for every caller when
``ctx.runtime.config.enforce_iam`` is on. A grant that allows the call allows it regardless of
policies (grants are an independent allow), which ``authorize`` already handles.
"""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.kms import grants as grant_rules


def authorize(ctx: RequestContext, key: dict, operation: str, context: dict | None = None,
              grant_tokens: list[str] | None = None) -> None:
    """Raise AccessDeniedException unless the caller may run ``operation`` on ``key``."""
    cross_account = ctx.account_id != key["AWSAccountId"]
    enforce = cross_account or ctx.runtime.config.enforce_iam
    if not enforce:
        return
    if grant_rules.allows(ctx, key, operation, context, grant_tokens):
        return
    decision = _policy_allows(ctx, key, operation, context)
    if decision is None:
        # No engine yet: same-account callers keep access (nimbus's default), cross-account does not.
        decision = not cross_account
    if not decision:
        raise ServiceError(
            "AccessDeniedException",
            f"User: {ctx.principal.arn} is not authorized to perform: kms:{operation} on resource: "
            f"{key['Arn']} because no resource-based policy allows the kms:{operation} action")


def _policy_allows(ctx: RequestContext, key: dict, operation: str, context: dict | None) -> bool | None:
    """The key policy's (plus identity policies') decision; None while nimbus has no IAM engine."""
    return None
