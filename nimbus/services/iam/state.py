"""What every IAM operation module shares: access to users, groups, roles and managed policies, and the
hooks every change goes through."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.ids import random_id
from nimbus.services.base import BaseProvider
from nimbus.services.iam.aws_managed import AWS_MANAGED, is_aws_managed
from nimbus.services.iam.common import (
    ENTITIES,
    already_exists,
    delete_conflict,
    merge_tags,
    no_such_entity,
    ns,
    paged_output,
)


class IamState(BaseProvider):
    def _entity(self, account: str, kind: str, name: str) -> dict:
        entity = self.store.get(ns(account, ENTITIES[kind][0]), name.lower())
        if entity is None:
            raise no_such_entity(f"The {kind} with name {name} cannot be found.")
        return entity

    def _find(self, account: str, kind: str, name: str) -> dict | None:
        return self.store.get(ns(account, ENTITIES[kind][0]), name.lower())

    def _save(self, account: str, kind: str, entity: dict) -> None:
        name = entity[ENTITIES[kind][1]]
        self.store.put(ns(account, ENTITIES[kind][0]), name.lower(), entity)

    def _remove(self, account: str, kind: str, name: str) -> None:
        self.store.delete(ns(account, ENTITIES[kind][0]), name.lower())

    def _all(self, account: str, kind: str) -> list[dict]:
        return [e for _, e in self.store.scan(ns(account, ENTITIES[kind][0]))]

    def _new_entity(self, ctx: RequestContext, kind: str, params: dict, **fields) -> dict:
        """A new user, group or role (EntityAlreadyExists for a taken name, any case)."""
        collection, name_param, segment, prefix = ENTITIES[kind]
        name, path = params[name_param], params.get("Path", "/")
        if self._find(ctx.account_id, kind, name):
            raise already_exists(f"{kind.capitalize()} with name {name} already exists.")
        entity = {
            "Path": path,
            name_param: name,
            f"{kind.capitalize()}Id": random_id(prefix),
            "Arn": f"arn:aws:iam::{ctx.account_id}:{segment}{path}{name}",
            "CreateDate": ctx.clock.time(),
            "InlinePolicies": {},
            "AttachedPolicies": [],
            **fields,
        }
        self._save(ctx.account_id, kind, entity)
        return entity

    def _changed(self, ctx: RequestContext) -> None:
        """Who may do what changed: cached decisions for this account are stale."""
        self.runtime.authz.invalidate(ctx.account_id)

    @staticmethod
    def _check_detached(entity: dict) -> None:
        """A user, group or role keeps its policies until they are removed (DeleteConflict)."""
        if entity.get("InlinePolicies"):
            raise delete_conflict("Cannot delete entity, must delete policies first.")
        if entity.get("AttachedPolicies"):
            raise delete_conflict("Cannot delete entity, must detach all policies first.")

    def _put_boundary(self, ctx: RequestContext, kind: str, params: dict) -> dict:
        """Set (Put...PermissionsBoundary) or clear (Delete..., no PermissionsBoundary) a boundary."""
        arn = params.get("PermissionsBoundary")
        with self.store.transaction():
            entity = self._entity(ctx.account_id, kind, params[ENTITIES[kind][1]])
            if arn:
                self._managed_document(ctx.account_id, arn)
            entity["PermissionsBoundary"] = arn
            self._save(ctx.account_id, kind, entity)
        self._changed(ctx)
        return {}

    # -- tags (users and roles) ------------------------------------------------------

    def _tag(self, ctx: RequestContext, kind: str, params: dict) -> dict:
        with self.store.transaction():
            entity = self._entity(ctx.account_id, kind, params[ENTITIES[kind][1]])
            entity["Tags"] = merge_tags(entity.get("Tags", []), params["Tags"])
            self._save(ctx.account_id, kind, entity)
        self._changed(ctx)  # aws:PrincipalTag conditions read them
        return {}

    def _untag(self, ctx: RequestContext, kind: str, params: dict) -> dict:
        with self.store.transaction():
            entity = self._entity(ctx.account_id, kind, params[ENTITIES[kind][1]])
            entity["Tags"] = [t for t in entity.get("Tags", []) if t["Key"] not in params["TagKeys"]]
            self._save(ctx.account_id, kind, entity)
        self._changed(ctx)
        return {}

    def _list_tags(self, ctx: RequestContext, kind: str, params: dict) -> dict:
        entity = self._entity(ctx.account_id, kind, params[ENTITIES[kind][1]])
        return paged_output(entity.get("Tags", []), params, lambda t: t["Key"], "Tags", dict)

    def _find_policy(self, account: str, arn: str) -> dict | None:
        return AWS_MANAGED.get(arn) if is_aws_managed(arn) else self.store.get(ns(account, "policies"), arn)

    def _managed_document(self, account: str, arn: str) -> str:
        """The default version's document of an attachable policy (NoSuchEntity if none)."""
        policy = self._find_policy(account, arn)
        if policy is None:
            raise no_such_entity(f"Policy {arn} does not exist or is not attachable.")
        return policy["Versions"][policy["DefaultVersionId"]]["Document"]
