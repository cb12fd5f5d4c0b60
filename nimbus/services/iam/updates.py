"""UpdateUser and UpdateGroup: a new name or path keeps the entity's id, and everything that names it follows.

A user's groups list it under its new name and its access keys go on signing as it (with the new ARN);
a group's members list the group under its new name.
"""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.services.iam.common import ENTITIES, already_exists, checked_path, ns
from nimbus.services.iam.documents import ACCESS_KEY, Entity
from nimbus.services.iam.users import UserOps


class UpdateOps(UserOps):
    def update_user(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            user = self._entity(ctx.account_id, "user", params["UserName"])
            old = user["UserName"]
            self._rename(ctx, "user", user, params.get("NewUserName"), params.get("NewPath"))
            for group in filter(None, (self._find(ctx.account_id, "group", g) for g in user.get("Groups", ()))):
                group["Members"] = [user["UserName"].lower() if m == old.lower() else m for m in group["Members"]]
                self._save(ctx.account_id, "group", group)
            for key in self._user_keys(ctx.account_id, old):
                key["UserName"] = user["UserName"]
                ACCESS_KEY.put(self.store, ns(ctx.account_id, "access_keys"), key["AccessKeyId"], key)
                registered = self.runtime.credentials.lookup(key["AccessKeyId"])
                self._register(ctx.account_id, user, key, registered.secret_access_key if registered else "")
        self._changed(ctx)
        ctx.emit_resource_change("AWS::IAM::User", user["Arn"], "updated")
        return {}

    def update_group(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            group = self._entity(ctx.account_id, "group", params["GroupName"])
            old = group["GroupName"].lower()
            self._rename(ctx, "group", group, params.get("NewGroupName"), params.get("NewPath"))
            for user in filter(None, (self._find(ctx.account_id, "user", m) for m in group.get("Members", ()))):
                user["Groups"] = [group["GroupName"].lower() if g == old else g for g in user["Groups"]]
                self._save(ctx.account_id, "user", user)
        self._changed(ctx)
        ctx.emit_resource_change("AWS::IAM::Group", group["Arn"], "updated")
        return {}

    def _rename(self, ctx: RequestContext, kind: str, entity: Entity, name: str | None, path: str | None) -> None:
        """Give the entity a new name and/or path (and so a new ARN), keeping its id; stored under the new name."""
        _, name_param, segment, _ = ENTITIES[kind]
        fields = entity  # UserName/GroupName are the kind's own fields, reached by name
        old = fields[name_param]  # type: ignore[literal-required]
        name = name or old
        if name.lower() != old.lower() and self._find(ctx.account_id, kind, name):
            raise already_exists(f"{kind.capitalize()} with name {name} already exists.")
        fields["Path"] = checked_path(path, "newPath") if path else entity["Path"]
        fields[name_param] = name  # type: ignore[literal-required]
        fields["Arn"] = ctx.arn(f"{segment}{fields['Path']}{name}")
        self._remove(ctx.account_id, kind, old)
        self._save(ctx.account_id, kind, entity)
