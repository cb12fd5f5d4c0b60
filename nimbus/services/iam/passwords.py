"""Console passwords: users' login profiles and the account's password policy, enforced whenever a
password is set (CreateLoginProfile, UpdateLoginProfile, ChangePassword).

Passwords are kept only as salted scrypt hashes. Without a policy, AWS's default applies: at least 8
characters with at least three of upper case, lower case, numbers and symbols, and not the user's name.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import string

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.iam.common import already_exists, no_such_entity, ns
from nimbus.services.iam.documents import PASSWORD_POLICY, LoginProfile, PasswordPolicy, User
from nimbus.services.iam.state import IamState

SYMBOLS = set("!@#$%^&*()_+-=[]{}|'")
DEFAULT_MINIMUM = 8
POLICY_DEFAULTS: PasswordPolicy = {"MinimumPasswordLength": 6, "RequireSymbols": False, "RequireNumbers": False,
                                   "RequireUppercaseCharacters": False, "RequireLowercaseCharacters": False,
                                   "AllowUsersToChangePassword": False, "HardExpiry": False}
CLASSES = (("RequireUppercaseCharacters", set(string.ascii_uppercase), "one uppercase letter"),
           ("RequireLowercaseCharacters", set(string.ascii_lowercase), "one lowercase letter"),
           ("RequireNumbers", set(string.digits), "one number"),
           ("RequireSymbols", SYMBOLS, "one symbol"))


def violation(message: str) -> ServiceError:
    return ServiceError("PasswordPolicyViolation", message, status=400)


def _hash(password: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"{salt.hex()}${digest.hex()}"


def _matches(password: str, stored: str) -> bool:
    salt, _, _ = stored.partition("$")
    return hmac.compare_digest(_hash(password, bytes.fromhex(salt)), stored)


def profile_output(user: User, profile: LoginProfile) -> dict:
    return {"UserName": user["UserName"], "CreateDate": timestamp(profile["CreateDate"]),
            "PasswordResetRequired": profile["PasswordResetRequired"]}


class PasswordOps(IamState):
    def create_login_profile(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            user = self._entity(ctx.account_id, "user", params["UserName"])
            if user.get("LoginProfile"):
                raise already_exists(f"Login Profile for user {user['UserName']} already exists.")
            self._check_password(ctx, user, params["Password"], [])
            now = ctx.clock.time()
            profile: LoginProfile = {"CreateDate": now, "PasswordResetRequired": params.get("PasswordResetRequired",
                                                                                            False),
                                     "PasswordHash": _hash(params["Password"]), "PreviousHashes": [],
                                     "PasswordChanged": now}
            user["LoginProfile"] = profile
            self._save(ctx.account_id, "user", user)
        return {"LoginProfile": profile_output(user, profile)}

    def get_login_profile(self, ctx: RequestContext, params: dict) -> dict:
        user, profile = self._login_profile(ctx, params["UserName"])
        return {"LoginProfile": profile_output(user, profile)}

    def update_login_profile(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            user, profile = self._login_profile(ctx, params["UserName"])
            if params.get("Password") is not None:
                self._set_password(ctx, user, profile, params["Password"])
            if params.get("PasswordResetRequired") is not None:
                profile["PasswordResetRequired"] = params["PasswordResetRequired"]
            self._save(ctx.account_id, "user", user)
        return {}

    def delete_login_profile(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            user, _ = self._login_profile(ctx, params["UserName"])
            user["LoginProfile"] = None
            self._save(ctx.account_id, "user", user)
        return {}

    def change_password(self, ctx: RequestContext, params: dict) -> dict:
        if ctx.principal.type != "IAMUser" or not ctx.principal.user_name:
            raise ServiceError("InvalidUserType", "Only IAM users can change their own password.", status=400)
        with self.store.transaction():
            user, profile = self._login_profile(ctx, ctx.principal.user_name)
            if not _matches(params["OldPassword"], profile["PasswordHash"]):
                raise ServiceError("AccessDenied", "The old password is incorrect.", status=403)
            self._set_password(ctx, user, profile, params["NewPassword"])
            profile["PasswordResetRequired"] = False
            self._save(ctx.account_id, "user", user)
        return {}

    # -- the account's password policy ---------------------------------------------------

    def update_account_password_policy(self, ctx: RequestContext, params: dict) -> dict:
        policy: PasswordPolicy = {**POLICY_DEFAULTS}
        policy.update({k: v for k, v in params.items() if k in PasswordPolicy.__annotations__})  # type: ignore
        PASSWORD_POLICY.put(self.store, ns(ctx.account_id, "password_policy"), "policy", policy)
        return {}

    def get_account_password_policy(self, ctx: RequestContext, params: dict) -> dict:
        policy = self._password_policy(ctx)
        if policy is None:
            raise no_such_entity(f"The Password Policy with domain name {ctx.account_id} cannot be found.")
        output = dict(policy)
        output["ExpirePasswords"] = bool(policy.get("MaxPasswordAge"))
        return {"PasswordPolicy": output}

    def delete_account_password_policy(self, ctx: RequestContext, params: dict) -> dict:
        if self._password_policy(ctx) is None:
            raise no_such_entity("The account policy with name PasswordPolicy cannot be found.")
        self.store.delete(ns(ctx.account_id, "password_policy"), "policy")
        return {}

    # -- helpers -------------------------------------------------------------------------

    def _password_policy(self, ctx: RequestContext) -> PasswordPolicy | None:
        return PASSWORD_POLICY.get(self.store, ns(ctx.account_id, "password_policy"), "policy")

    def _login_profile(self, ctx: RequestContext, name: str) -> tuple[User, LoginProfile]:
        user = self._entity(ctx.account_id, "user", name)
        profile = user.get("LoginProfile")
        if not profile:
            raise no_such_entity(f"Login Profile for User {user['UserName']} cannot be found.")
        return user, profile

    def _set_password(self, ctx: RequestContext, user: User, profile: LoginProfile, password: str) -> None:
        history = [profile["PasswordHash"], *profile["PreviousHashes"]]
        self._check_password(ctx, user, password, history)
        profile["PreviousHashes"] = history[:24]
        profile["PasswordHash"], profile["PasswordChanged"] = _hash(password), ctx.clock.time()

    def _check_password(self, ctx: RequestContext, user: User, password: str, history: list[str]) -> None:
        """PasswordPolicyViolation, with AWS's wording, for a password the account's policy refuses."""
        policy = self._password_policy(ctx)
        characters = set(password)
        if policy is None:
            kinds = sum(bool(characters & kind) for _, kind, _ in CLASSES)
            if len(password) < DEFAULT_MINIMUM or kinds < 3 or password.lower() == user["UserName"].lower():
                raise violation("Password does not conform to the account password policy. Passwords must be at "
                                f"least {DEFAULT_MINIMUM} characters long and include at least three of: upper "
                                "case letters, lower case letters, numbers and symbols, and not be the user's name.")
            return
        minimum = policy.get("MinimumPasswordLength", 6)
        if len(password) < minimum:
            raise violation(f"Password should have a minimum length of {minimum}")
        for flag, kind, words in CLASSES:
            if policy.get(flag) and not characters & kind:
                raise violation(f"Password should have at least {words}")
        reuse = policy.get("PasswordReusePrevention") or 0
        if any(_matches(password, old) for old in history[:reuse]):
            raise violation(f"Password should not be one of the previous {reuse} passwords")
