"""Roles: a trust policy (who may assume it), a maximum session length, tags."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.services.iam.common import (
    add_boundary_and_tags,
    delete_conflict,
    encode_document,
    paged_output,
    refuse_service_linked,
    validated_document,
)
from nimbus.services.iam.documents import Role
from nimbus.services.iam.state import IamState

DEFAULT_SESSION_SECONDS = 3600
TRUST_POLICY_SIZE = 2048


def role_output(role: Role, full: bool = True, listed: bool = False) -> dict:
    output = {k: role[k] for k in ("Path", "RoleName", "RoleId", "Arn")}
    output["CreateDate"] = timestamp(role["CreateDate"])
    output["AssumeRolePolicyDocument"] = encode_document(role["AssumeRolePolicyDocument"])
    if role.get("Description"):
        output["Description"] = role["Description"]
    output["MaxSessionDuration"] = role["MaxSessionDuration"]
    add_boundary_and_tags(output, role, listed)
    if full:
        output["RoleLastUsed"] = {}
    return output


class RoleOps(IamState):
    def create_role(self, ctx: RequestContext, params: dict) -> dict:
        trust = validated_document(params["AssumeRolePolicyDocument"], "trust", TRUST_POLICY_SIZE,
                                   "ACLSizePerRole")
        with self.store.transaction():
            if params.get("PermissionsBoundary"):
                self._managed_document(ctx.account_id, params["PermissionsBoundary"])
            role = self._new_entity(
                ctx, "role", params, AssumeRolePolicyDocument=trust, Description=params.get("Description"),
                MaxSessionDuration=params.get("MaxSessionDuration", DEFAULT_SESSION_SECONDS),
                Tags=params.get("Tags", []), PermissionsBoundary=params.get("PermissionsBoundary"))
        ctx.emit_resource_change("AWS::IAM::Role", role["Arn"], "created", lambda: role_output(role))
        return {"Role": role_output(role, full=False)}

    def get_role(self, ctx: RequestContext, params: dict) -> dict:
        return {"Role": role_output(self._entity(ctx.account_id, "role", params["RoleName"]))}

    def list_roles(self, ctx: RequestContext, params: dict) -> dict:
        prefix = params.get("PathPrefix", "/")
        roles = [r for r in self._all(ctx.account_id, "role") if r["Path"].startswith(prefix)]
        return paged_output(roles, params, lambda r: r["RoleName"].lower(), "Roles",
                            lambda r: role_output(r, full=False, listed=True))

    def update_role(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            role = self._entity(ctx.account_id, "role", params["RoleName"])
            if "Description" in params:
                role["Description"] = params["Description"]
            if "MaxSessionDuration" in params:
                role["MaxSessionDuration"] = params["MaxSessionDuration"]
            self._save(ctx.account_id, "role", role)
        ctx.emit_resource_change("AWS::IAM::Role", role["Arn"], "updated", lambda: role_output(role))
        return {}

    def update_role_description(self, ctx: RequestContext, params: dict) -> dict:
        self.update_role(ctx, params)
        return {"Role": role_output(self._entity(ctx.account_id, "role", params["RoleName"]))}

    def update_assume_role_policy(self, ctx: RequestContext, params: dict) -> dict:
        trust = validated_document(params["PolicyDocument"], "trust", TRUST_POLICY_SIZE, "ACLSizePerRole")
        with self.store.transaction():
            role = self._entity(ctx.account_id, "role", params["RoleName"])
            role["AssumeRolePolicyDocument"] = trust
            self._save(ctx.account_id, "role", role)
        ctx.emit_resource_change("AWS::IAM::Role", role["Arn"], "updated", lambda: role_output(role))
        return {}

    def delete_role(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            role = self._entity(ctx.account_id, "role", params["RoleName"])
            refuse_service_linked(dict(role))
            self._check_detached(role)
            if role.get("InstanceProfiles"):
                raise delete_conflict("Cannot delete entity, must remove roles from instance profile first.")
            self._remove(ctx.account_id, "role", role["RoleName"])
        self._changed(ctx)
        ctx.emit_resource_change("AWS::IAM::Role", role["Arn"], "deleted")
        return {}

    def put_role_permissions_boundary(self, ctx, params): return self._put_boundary(ctx, "role", params)  # noqa
    def delete_role_permissions_boundary(self, ctx, params): return self._put_boundary(ctx, "role", params)  # noqa

    def tag_role(self, ctx, params): return self._tag(ctx, "role", params)  # noqa: E704
    def untag_role(self, ctx, params): return self._untag(ctx, "role", params)  # noqa: E704
    def list_role_tags(self, ctx, params): return self._list_tags(ctx, "role", params)  # noqa: E704
