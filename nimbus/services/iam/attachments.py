"""Inline policies (Put/Get/List/Delete{User,Group,Role}Policy) and managed policy attachments."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.services.iam.common import (
    ENTITIES,
    INLINE_POLICY_SIZE,
    MANAGED_POLICIES_PER_ENTITY,
    QUOTA_NAMES,
    encode_document,
    limit_exceeded,
    no_such_entity,
    paged_output,
    validated_document,
)

RESOURCE_TYPES = {"user": "AWS::IAM::User", "group": "AWS::IAM::Group", "role": "AWS::IAM::Role"}

from nimbus.services.iam.state import IamState


class AttachmentOps(IamState):
    # -- inline ------------------------------------------------------------------------

    def _put_inline(self, ctx: RequestContext, kind: str, params: dict) -> dict:
        name_param = ENTITIES[kind][1]
        document = validated_document(params["PolicyDocument"])
        with self.store.transaction():
            entity = self._entity(ctx.account_id, kind, params[name_param])
            inline = entity.setdefault("InlinePolicies", {})
            inline[params["PolicyName"]] = document
            limit = INLINE_POLICY_SIZE[kind]
            if sum(len("".join(d.split())) for d in inline.values()) > limit:
                raise limit_exceeded(f"Maximum policy size of {limit} bytes exceeded for {kind} "
                                     f"{entity[name_param]}")
            self._save(ctx.account_id, kind, entity)
        self._changed(ctx)
        ctx.emit_resource_change(RESOURCE_TYPES[kind], entity["Arn"], "updated")
        return {}

    def _get_inline(self, ctx: RequestContext, kind: str, params: dict) -> dict:
        name_param = ENTITIES[kind][1]
        entity = self._entity(ctx.account_id, kind, params[name_param])
        document = entity.get("InlinePolicies", {}).get(params["PolicyName"])
        if document is None:
            raise no_such_entity(f"The {kind} policy with name {params['PolicyName']} cannot be found.")
        return {name_param: entity[name_param], "PolicyName": params["PolicyName"],
                "PolicyDocument": encode_document(document)}

    def _list_inline(self, ctx: RequestContext, kind: str, params: dict) -> dict:
        entity = self._entity(ctx.account_id, kind, params[ENTITIES[kind][1]])
        names = sorted(entity.get("InlinePolicies", {}))
        return paged_output(names, params, lambda n: n, "PolicyNames", lambda n: n)

    def _delete_inline(self, ctx: RequestContext, kind: str, params: dict) -> dict:
        with self.store.transaction():
            entity = self._entity(ctx.account_id, kind, params[ENTITIES[kind][1]])
            if entity.get("InlinePolicies", {}).pop(params["PolicyName"], None) is None:
                raise no_such_entity(f"The {kind} policy with name {params['PolicyName']} cannot be found.")
            self._save(ctx.account_id, kind, entity)
        self._changed(ctx)
        return {}

    def put_user_policy(self, ctx, params): return self._put_inline(ctx, "user", params)  # noqa: E704
    def put_group_policy(self, ctx, params): return self._put_inline(ctx, "group", params)  # noqa: E704
    def put_role_policy(self, ctx, params): return self._put_inline(ctx, "role", params)  # noqa: E704
    def get_user_policy(self, ctx, params): return self._get_inline(ctx, "user", params)  # noqa: E704
    def get_group_policy(self, ctx, params): return self._get_inline(ctx, "group", params)  # noqa: E704
    def get_role_policy(self, ctx, params): return self._get_inline(ctx, "role", params)  # noqa: E704
    def list_user_policies(self, ctx, params): return self._list_inline(ctx, "user", params)  # noqa: E704
    def list_group_policies(self, ctx, params): return self._list_inline(ctx, "group", params)  # noqa: E704
    def list_role_policies(self, ctx, params): return self._list_inline(ctx, "role", params)  # noqa: E704
    def delete_user_policy(self, ctx, params): return self._delete_inline(ctx, "user", params)  # noqa: E704
    def delete_group_policy(self, ctx, params): return self._delete_inline(ctx, "group", params)  # noqa: E704
    def delete_role_policy(self, ctx, params): return self._delete_inline(ctx, "role", params)  # noqa: E704

    # -- managed attachments ---------------------------------------------------------------

    def _attach(self, ctx: RequestContext, kind: str, params: dict) -> dict:
        arn = params["PolicyArn"]
        with self.store.transaction():
            entity = self._entity(ctx.account_id, kind, params[ENTITIES[kind][1]])
            self._managed_document(ctx.account_id, arn)
            attached = entity.setdefault("AttachedPolicies", [])
            if arn not in attached:
                if len(attached) >= MANAGED_POLICIES_PER_ENTITY:
                    raise limit_exceeded(f"Cannot exceed quota for PoliciesPer{QUOTA_NAMES[kind]}: "
                                         f"{MANAGED_POLICIES_PER_ENTITY}")
                attached.append(arn)
                self._save(ctx.account_id, kind, entity)
        self._changed(ctx)
        ctx.emit_resource_change(RESOURCE_TYPES[kind], entity["Arn"], "updated")
        return {}

    def _detach(self, ctx: RequestContext, kind: str, params: dict) -> dict:
        arn = params["PolicyArn"]
        with self.store.transaction():
            entity = self._entity(ctx.account_id, kind, params[ENTITIES[kind][1]])
            if arn not in entity.get("AttachedPolicies", ()):
                raise no_such_entity(f"Policy {arn} was not found.")
            entity["AttachedPolicies"].remove(arn)
            self._save(ctx.account_id, kind, entity)
        self._changed(ctx)
        ctx.emit_resource_change(RESOURCE_TYPES[kind], entity["Arn"], "updated")
        return {}

    def _list_attached(self, ctx: RequestContext, kind: str, params: dict) -> dict:
        entity = self._entity(ctx.account_id, kind, params[ENTITIES[kind][1]])
        prefix = params.get("PathPrefix", "/")
        policies = [p for p in (self._find_policy(ctx.account_id, a) for a in entity.get("AttachedPolicies", ()))
                    if p is not None and p["Path"].startswith(prefix)]
        return paged_output(policies, params, lambda p: p["Arn"], "AttachedPolicies",
                            lambda p: {"PolicyName": p["PolicyName"], "PolicyArn": p["Arn"]})

    def attach_user_policy(self, ctx, params): return self._attach(ctx, "user", params)  # noqa: E704
    def attach_group_policy(self, ctx, params): return self._attach(ctx, "group", params)  # noqa: E704
    def attach_role_policy(self, ctx, params): return self._attach(ctx, "role", params)  # noqa: E704
    def detach_user_policy(self, ctx, params): return self._detach(ctx, "user", params)  # noqa: E704
    def detach_group_policy(self, ctx, params): return self._detach(ctx, "group", params)  # noqa: E704
    def detach_role_policy(self, ctx, params): return self._detach(ctx, "role", params)  # noqa: E704
    def list_attached_user_policies(self, ctx, params): return self._list_attached(ctx, "user", params)  # noqa
    def list_attached_group_policies(self, ctx, params): return self._list_attached(ctx, "group", params)  # noqa
    def list_attached_role_policies(self, ctx, params): return self._list_attached(ctx, "role", params)  # noqa

    def list_entities_for_policy(self, ctx: RequestContext, params: dict) -> dict:
        arn = params["PolicyArn"]
        self._policy(ctx.account_id, arn)
        wanted = params.get("EntityFilter")
        prefix = params.get("PathPrefix", "/")
        output = {"PolicyGroups": [], "PolicyUsers": [], "PolicyRoles": [], "IsTruncated": False}
        for kind, filter_name, list_name in (("group", "Group", "PolicyGroups"), ("user", "User", "PolicyUsers"),
                                             ("role", "Role", "PolicyRoles")):
            if wanted and wanted not in (filter_name, "LocalManagedPolicy", "AWSManagedPolicy"):
                continue
            name_param, id_field = ENTITIES[kind][1], f"{kind.capitalize()}Id"
            output[list_name] = [{name_param: e[name_param], id_field: e[id_field]}
                                 for e in self._all(ctx.account_id, kind)
                                 if arn in e.get("AttachedPolicies", ()) and e["Path"].startswith(prefix)]
        return output
