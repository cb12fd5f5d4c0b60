"""AWS IAM: users and their access keys (which then sign requests).

IAM is global: state is kept per account, not per region. Names are unique
case-insensitively, as in AWS, so documents are keyed by the lower-cased name.
"""
from __future__ import annotations

from datetime import datetime, timezone

from nimbus.core.context import RequestContext
from nimbus.core.identity import Credential, Principal
from nimbus.core.ids import random_id, secret_access_key
from nimbus.core.paging import page
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider

ACCESS_KEYS_PER_USER = 2


def _users(account: str) -> tuple[str, ...]:
    return ("iam", account, "users")


def _keys(account: str) -> tuple[str, ...]:
    return ("iam", account, "access_keys")


def _no_such_user(name: str) -> ServiceError:
    return ServiceError("NoSuchEntity", f"The user with name {name} cannot be found.", status=404)


def _timestamp(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def _user_output(user: dict) -> dict:
    output = {k: user[k] for k in ("Path", "UserName", "UserId", "Arn")}
    output["CreateDate"] = _timestamp(user["CreateDate"])
    if user.get("Tags"):
        output["Tags"] = user["Tags"]
    if user.get("PermissionsBoundary"):
        output["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                         "PermissionsBoundaryArn": user["PermissionsBoundary"]}
    return output


class Provider(BaseProvider):
    # -- users ---------------------------------------------------------------

    def create_user(self, ctx: RequestContext, params: dict) -> dict:
        name, path = params["UserName"], params.get("Path", "/")
        with self.store.transaction():
            if self.store.get(_users(ctx.account_id), name.lower()):
                raise ServiceError("EntityAlreadyExists", f"User with name {name} already exists.", status=409)
            user = {
                "Path": path,
                "UserName": name,
                "UserId": random_id("AIDA"),
                "Arn": f"arn:aws:iam::{ctx.account_id}:user{path}{name}",
                "CreateDate": ctx.clock.time(),
                "Tags": params.get("Tags", []),
                "PermissionsBoundary": params.get("PermissionsBoundary"),
            }
            self.store.put(_users(ctx.account_id), name.lower(), user)
        ctx.emit_resource_change("AWS::IAM::User", user["Arn"], "created", _user_output(user))
        return {"User": _user_output(user)}

    def get_user(self, ctx: RequestContext, params: dict) -> dict:
        name = params.get("UserName") or self._caller_user_name(ctx)
        if name is None:
            # The root identity has no IAM user; AWS answers with the account's root.
            principal = ctx.principal
            return {"User": {"UserId": principal.account_id, "Arn": f"arn:aws:iam::{principal.account_id}:root",
                             "Path": "/", "UserName": "", "CreateDate": _timestamp(0)}}
        return {"User": _user_output(self._user(ctx.account_id, name))}

    def list_users(self, ctx: RequestContext, params: dict) -> dict:
        prefix = params.get("PathPrefix", "/")
        users = [u for _, u in self.store.scan(_users(ctx.account_id)) if u["Path"].startswith(prefix)]
        chunk, marker = page(users, params.get("Marker"), params.get("MaxItems"), key=lambda u: u["UserName"].lower())
        output = {"Users": [_user_output(u) for u in chunk], "IsTruncated": marker is not None}
        if marker:
            output["Marker"] = marker
        return output

    def delete_user(self, ctx: RequestContext, params: dict) -> dict:
        name = params["UserName"]
        with self.store.transaction():
            user = self._user(ctx.account_id, name)
            if self._user_keys(ctx.account_id, user["UserName"]):
                raise ServiceError("DeleteConflict", "Cannot delete entity, must delete access keys first.", status=409)
            self.store.delete(_users(ctx.account_id), name.lower())
        ctx.emit_resource_change("AWS::IAM::User", user["Arn"], "deleted", None)
        return {}

    # -- access keys ---------------------------------------------------------

    def create_access_key(self, ctx: RequestContext, params: dict) -> dict:
        name = params.get("UserName") or self._caller_user_name(ctx)
        if name is None:
            raise ServiceError("ValidationError", "Must specify userName when calling with non-User credentials",
                               status=400)
        with self.store.transaction():
            user = self._user(ctx.account_id, name)
            if len(self._user_keys(ctx.account_id, user["UserName"])) >= ACCESS_KEYS_PER_USER:
                raise ServiceError("LimitExceeded",
                                   f"Cannot exceed quota for AccessKeysPerUser: {ACCESS_KEYS_PER_USER}", status=409)
            key = {
                "UserName": user["UserName"],
                "AccessKeyId": random_id("AKIA"),
                "Status": "Active",
                "SecretAccessKey": secret_access_key(),
                "CreateDate": ctx.clock.time(),
            }
            self.store.put(_keys(ctx.account_id), key["AccessKeyId"], key)
            self._register(ctx.account_id, user, key)
        return {"AccessKey": {**key, "CreateDate": _timestamp(key["CreateDate"])}}

    def list_access_keys(self, ctx: RequestContext, params: dict) -> dict:
        name = params.get("UserName") or self._caller_user_name(ctx)
        if name is None:
            return {"AccessKeyMetadata": [], "IsTruncated": False}
        user = self._user(ctx.account_id, name)
        keys = self._user_keys(ctx.account_id, user["UserName"])
        chunk, marker = page(keys, params.get("Marker"), params.get("MaxItems"), key=lambda k: k["AccessKeyId"])
        output = {
            "AccessKeyMetadata": [
                {"UserName": k["UserName"], "AccessKeyId": k["AccessKeyId"], "Status": k["Status"],
                 "CreateDate": _timestamp(k["CreateDate"])} for k in chunk
            ],
            "IsTruncated": marker is not None,
        }
        if marker:
            output["Marker"] = marker
        return output

    def update_access_key(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            key, user = self._key(ctx, params)
            key["Status"] = params["Status"]
            self.store.put(_keys(ctx.account_id), key["AccessKeyId"], key)
            self._register(ctx.account_id, user, key)
        return {}

    def delete_access_key(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            key, _ = self._key(ctx, params)
            self.store.delete(_keys(ctx.account_id), key["AccessKeyId"])
            ctx.runtime.credentials.remove(key["AccessKeyId"])
        return {}

    # -- helpers -------------------------------------------------------------

    def _user(self, account: str, name: str) -> dict:
        user = self.store.get(_users(account), name.lower())
        if user is None:
            raise _no_such_user(name)
        return user

    def _user_keys(self, account: str, user_name: str) -> list[dict]:
        return [k for _, k in self.store.scan(_keys(account)) if k["UserName"] == user_name]

    def _key(self, ctx: RequestContext, params: dict) -> tuple[dict, dict]:
        key_id = params["AccessKeyId"]
        key = self.store.get(_keys(ctx.account_id), key_id)
        name = params.get("UserName") or (key or {}).get("UserName") or self._caller_user_name(ctx)
        if key is None or (name and key["UserName"].lower() != name.lower()):
            raise ServiceError("NoSuchEntity", f"The Access Key with id {key_id} cannot be found.", status=404)
        return key, self._user(ctx.account_id, key["UserName"])

    @staticmethod
    def _caller_user_name(ctx: RequestContext) -> str | None:
        return ctx.principal.user_name if ctx.principal.type == "IAMUser" else None

    def _register(self, account: str, user: dict, key: dict) -> None:
        """Make the key sign requests as this user (or stop, when it is inactive)."""
        self.runtime.credentials.put(Credential(
            access_key_id=key["AccessKeyId"],
            secret_access_key=key["SecretAccessKey"],
            principal=Principal(type="IAMUser", account_id=account, arn=user["Arn"], principal_id=user["UserId"],
                                user_name=user["UserName"], access_key_id=key["AccessKeyId"]),
            status=key["Status"],
        ))
