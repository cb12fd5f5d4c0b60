"""The account's password policy: UpdateAccountPasswordPolicy, GetAccountPasswordPolicy and
DeleteAccountPasswordPolicy (what Config's IAM_PASSWORD_POLICY rule and Trusted Advisor read)."""
from __future__ import annotations

from typing import Any

from nimbus.core.context import RequestContext
from nimbus.services.base import BaseProvider
from nimbus.services.iam.common import no_such_entity, ns

_KEY = "password-policy"
_FLAGS = ("RequireSymbols", "RequireNumbers", "RequireUppercaseCharacters", "RequireLowercaseCharacters",
          "AllowUsersToChangePassword")
_OPTIONAL = ("MaxPasswordAge", "PasswordReusePrevention", "HardExpiry")
DEFAULT_MINIMUM_LENGTH = 8  # what AWS sets when the request leaves it out


class PasswordPolicyOps(BaseProvider):
    def update_account_password_policy(self, ctx: RequestContext, params: dict) -> dict:
        policy: dict[str, Any] = {"MinimumPasswordLength": params.get("MinimumPasswordLength", DEFAULT_MINIMUM_LENGTH)}
        policy.update({flag: bool(params.get(flag, False)) for flag in _FLAGS})
        policy.update({member: params[member] for member in _OPTIONAL if params.get(member)})
        policy["ExpirePasswords"] = bool(policy.get("MaxPasswordAge"))
        self.store.put(ns(ctx.account_id, "settings"), _KEY, policy)
        return {}

    def get_account_password_policy(self, ctx: RequestContext, params: dict) -> dict:
        policy = self.store.get(ns(ctx.account_id, "settings"), _KEY)
        if policy is None:
            raise _missing(ctx)
        return {"PasswordPolicy": policy}

    def delete_account_password_policy(self, ctx: RequestContext, params: dict) -> dict:
        if self.store.get(ns(ctx.account_id, "settings"), _KEY) is None:
            raise _missing(ctx)
        self.store.delete(ns(ctx.account_id, "settings"), _KEY)
        return {}


def _missing(ctx: RequestContext):
    return no_such_entity(f"The Password Policy with domain name {ctx.account_id} cannot be found.")
