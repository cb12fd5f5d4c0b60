"""Users and their access keys (which then sign requests as the user)."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.identity import Credential, Principal
from nimbus.core.ids import random_id, secret_access_key
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.iam.common import (
    add_boundary_and_tags,
    delete_conflict,
    limit_exceeded,
    no_such_entity,
    ns,
    paged_output,
)
from nimbus.services.iam.documents import ACCESS_KEY, AccessKey, User
from nimbus.services.iam.state import IamState

ACCESS_KEYS_PER_USER = 2


def user_output(user: User, listed: bool = False) -> dict:
    output = {k: user[k] for k in ("Path", "UserName", "UserId", "Arn")}
    output["CreateDate"] = timestamp(user["CreateDate"])
    return add_boundary_and_tags(output, user, listed)


class UserOps(IamState):
    def create_user(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            if params.get("PermissionsBoundary"):
                self._managed_document(ctx.account_id, params["PermissionsBoundary"])
            user = self._new_entity(ctx, "user", params, Tags=params.get("Tags", []),
                                    PermissionsBoundary=params.get("PermissionsBoundary"), Groups=[])
        ctx.emit_resource_change("AWS::IAM::User", user["Arn"], "created", lambda: user_output(user))
        return {"User": user_output(user)}

    def get_user(self, ctx: RequestContext, params: dict) -> dict:
        name = params.get("UserName") or self._caller_user_name(ctx)
        if name is None:
            # The root identity has no IAM user; AWS answers with the account's root.
            principal = ctx.principal
            return {"User": {"UserId": principal.account_id, "Arn": ctx.arn("root"),
                             "Path": "/", "UserName": "", "CreateDate": timestamp(0)}}
        return {"User": user_output(self._entity(ctx.account_id, "user", name))}

    def list_users(self, ctx: RequestContext, params: dict) -> dict:
        prefix = params.get("PathPrefix", "/")
        users = [u for u in self._all(ctx.account_id, "user") if u["Path"].startswith(prefix)]
        return paged_output(users, params, lambda u: u["UserName"].lower(), "Users",
                            lambda u: user_output(u, listed=True))

    def delete_user(self, ctx: RequestContext, params: dict) -> dict:
        name = params["UserName"]
        with self.store.transaction():
            user = self._entity(ctx.account_id, "user", name)
            if self._user_keys(ctx.account_id, user["UserName"]):
                raise delete_conflict("Cannot delete entity, must delete access keys first.")
            if user.get("LoginProfile"):
                raise delete_conflict("Cannot delete entity, must delete login profile first.")
            if user.get("SigningCertificates") or user.get("SSHPublicKeys"):
                raise delete_conflict("Cannot delete entity, must delete signing certificates and SSH public keys "
                                      "first.")
            self._check_detached(user)
            if user.get("Groups"):
                raise delete_conflict("Cannot delete entity, must remove user from all groups first.")
            self._remove(ctx.account_id, "user", name)
        self._changed(ctx)
        ctx.emit_resource_change("AWS::IAM::User", user["Arn"], "deleted")
        return {}

    def put_user_permissions_boundary(self, ctx, params): return self._put_boundary(ctx, "user", params)  # noqa
    def delete_user_permissions_boundary(self, ctx, params): return self._put_boundary(ctx, "user", params)  # noqa

    def tag_user(self, ctx, params): return self._tag(ctx, "user", params)  # noqa: E704
    def untag_user(self, ctx, params): return self._untag(ctx, "user", params)  # noqa: E704
    def list_user_tags(self, ctx, params): return self._list_tags(ctx, "user", params)  # noqa: E704

    # -- access keys ---------------------------------------------------------

    def create_access_key(self, ctx: RequestContext, params: dict) -> dict:
        name = params.get("UserName") or self._caller_user_name(ctx)
        if name is None:
            raise ServiceError("ValidationError", "Must specify userName when calling with non-User credentials",
                               status=400)
        with self.store.transaction():
            user = self._entity(ctx.account_id, "user", name)
            if len(self._user_keys(ctx.account_id, user["UserName"])) >= ACCESS_KEYS_PER_USER:
                raise limit_exceeded(f"Cannot exceed quota for AccessKeysPerUser: {ACCESS_KEYS_PER_USER}")
            key: AccessKey = {
                "UserName": user["UserName"],
                "AccessKeyId": random_id("AKIA"),
                "Status": "Active",
                "CreateDate": ctx.clock.time(),
            }
            # The secret is kept only in the credential registry, sealed; the key's record has none.
            secret = secret_access_key()
            ACCESS_KEY.put(self.store, ns(ctx.account_id, "access_keys"), key["AccessKeyId"], key)
            self._register(ctx.account_id, user, key, secret)
        return {"AccessKey": {**key, "SecretAccessKey": secret, "CreateDate": timestamp(key["CreateDate"])}}

    def list_access_keys(self, ctx: RequestContext, params: dict) -> dict:
        name = params.get("UserName") or self._caller_user_name(ctx)
        if name is None:
            return {"AccessKeyMetadata": [], "IsTruncated": False}
        user = self._entity(ctx.account_id, "user", name)
        keys = self._user_keys(ctx.account_id, user["UserName"])
        return paged_output(keys, params, lambda k: k["AccessKeyId"], "AccessKeyMetadata", lambda k: {
            "UserName": k["UserName"], "AccessKeyId": k["AccessKeyId"], "Status": k["Status"],
            "CreateDate": timestamp(k["CreateDate"])})

    def update_access_key(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            key, user = self._key(ctx, params)
            key["Status"] = params["Status"]
            registered = self.runtime.credentials.lookup(key["AccessKeyId"])
            secret = registered.secret_access_key if registered else ""
            ACCESS_KEY.put(self.store, ns(ctx.account_id, "access_keys"), key["AccessKeyId"], key)
            self._register(ctx.account_id, user, key, secret)
        return {}

    def delete_access_key(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            key, _ = self._key(ctx, params)
            self.store.delete(ns(ctx.account_id, "access_keys"), key["AccessKeyId"])
            ctx.runtime.credentials.remove(key["AccessKeyId"])
        return {}

    # -- helpers -------------------------------------------------------------

    def _user_keys(self, account: str, user_name: str) -> list[AccessKey]:
        return [k for _, k in ACCESS_KEY.scan(self.store, ns(account, "access_keys")) if k["UserName"] == user_name]

    def _key(self, ctx: RequestContext, params: dict) -> tuple[AccessKey, User]:
        key_id = params["AccessKeyId"]
        key = ACCESS_KEY.get(self.store, ns(ctx.account_id, "access_keys"), key_id)
        name = params.get("UserName") or (key or {}).get("UserName") or self._caller_user_name(ctx)
        if key is None or (name and key["UserName"].lower() != name.lower()):
            raise no_such_entity(f"The Access Key with id {key_id} cannot be found.")
        return key, self._entity(ctx.account_id, "user", key["UserName"])

    @staticmethod
    def _caller_user_name(ctx: RequestContext) -> str | None:
        return ctx.principal.user_name if ctx.principal.type == "IAMUser" else None

    def _register(self, account: str, user: User, key: AccessKey, secret: str) -> None:
        """Make the key sign requests as this user (or stop, when it is inactive)."""
        self.runtime.credentials.put(Credential(
            access_key_id=key["AccessKeyId"],
            secret_access_key=secret,
            principal=Principal(type="IAMUser", account_id=account, arn=user["Arn"], principal_id=user["UserId"],
                                user_name=user["UserName"], access_key_id=key["AccessKeyId"]),
            status=key["Status"],
        ))
