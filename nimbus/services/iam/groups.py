"""Groups and their members: a member has the group's policies."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.services.iam.common import delete_conflict, no_such_entity, paged_output
from nimbus.services.iam.documents import Group, User
from nimbus.services.iam.state import IamState
from nimbus.services.iam.users import user_output


def group_output(group: Group) -> dict:
    return {"Path": group["Path"], "GroupName": group["GroupName"], "GroupId": group["GroupId"],
            "Arn": group["Arn"], "CreateDate": timestamp(group["CreateDate"])}


def _membership_changed(ctx: RequestContext, user: User, group: Group) -> None:
    """A user joined or left a group: both changed, for subscribers (AWS Config) that record their members."""
    ctx.emit_resource_change("AWS::IAM::User", user["Arn"], "updated", lambda: user_output(user))
    ctx.emit_resource_change("AWS::IAM::Group", group["Arn"], "updated", lambda: group_output(group))


class GroupOps(IamState):
    def create_group(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            group = self._new_entity(ctx, "group", params, Members=[])
        ctx.emit_resource_change("AWS::IAM::Group", group["Arn"], "created", lambda: group_output(group))
        return {"Group": group_output(group)}

    def get_group(self, ctx: RequestContext, params: dict) -> dict:
        group = self._entity(ctx.account_id, "group", params["GroupName"])
        members = [u for u in (self._find(ctx.account_id, "user", m) for m in group.get("Members", ())) if u]
        output = paged_output(members, params, lambda u: u["UserName"].lower(), "Users", user_output)
        output["Group"] = group_output(group)
        return output

    def list_groups(self, ctx: RequestContext, params: dict) -> dict:
        prefix = params.get("PathPrefix", "/")
        groups = [g for g in self._all(ctx.account_id, "group") if g["Path"].startswith(prefix)]
        return paged_output(groups, params, lambda g: g["GroupName"].lower(), "Groups", group_output)

    def delete_group(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            group = self._entity(ctx.account_id, "group", params["GroupName"])
            if group.get("Members"):
                raise delete_conflict("Cannot delete entity, must remove users from group first.")
            self._check_detached(group)
            self._remove(ctx.account_id, "group", group["GroupName"])
        self._changed(ctx)
        ctx.emit_resource_change("AWS::IAM::Group", group["Arn"], "deleted")
        return {}

    def add_user_to_group(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            group = self._entity(ctx.account_id, "group", params["GroupName"])
            user = self._entity(ctx.account_id, "user", params["UserName"])
            members, groups = group.setdefault("Members", []), user.setdefault("Groups", [])
            if user["UserName"].lower() not in members:
                members.append(user["UserName"].lower())
                groups.append(group["GroupName"].lower())
                self._save(ctx.account_id, "group", group)
                self._save(ctx.account_id, "user", user)
        self._changed(ctx)
        _membership_changed(ctx, user, group)
        return {}

    def remove_user_from_group(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            group = self._entity(ctx.account_id, "group", params["GroupName"])
            user = self._entity(ctx.account_id, "user", params["UserName"])
            if user["UserName"].lower() not in group.get("Members", ()):
                raise no_such_entity(f"The user with name {params['UserName']} cannot be found.")
            group["Members"].remove(user["UserName"].lower())
            user["Groups"] = [g for g in user.get("Groups", ()) if g != group["GroupName"].lower()]
            self._save(ctx.account_id, "group", group)
            self._save(ctx.account_id, "user", user)
        self._changed(ctx)
        _membership_changed(ctx, user, group)
        return {}

    def list_groups_for_user(self, ctx: RequestContext, params: dict) -> dict:
        user = self._entity(ctx.account_id, "user", params["UserName"])
        groups = [g for g in (self._find(ctx.account_id, "group", n) for n in user.get("Groups", ())) if g]
        return paged_output(groups, params, lambda g: g["GroupName"].lower(), "Groups", group_output)
