"""What every IAM operation module shares: access to users, groups, roles and managed policies, and the
hooks every change goes through."""
from __future__ import annotations

from collections import Counter
from typing import Any, Literal, cast, overload

from nimbus.core.context import RequestContext
from nimbus.core.ids import random_id
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider
from nimbus.services.iam.aws_managed import AWS_MANAGED, is_aws_managed
from nimbus.services.iam.common import (
    ENTITIES,
    already_exists,
    checked_path,
    checked_tags,
    delete_conflict,
    merge_tags,
    no_such_entity,
    ns,
    paged_output,
)
from nimbus.services.iam.documents import (
    ENTITY_KINDS,
    INSTANCE_PROFILE,
    MANAGED_POLICY,
    Entity,
    Group,
    InstanceProfile,
    ManagedPolicy,
    Role,
    User,
)


class IamState(BaseProvider):
    @overload
    def _entity(self, account: str, kind: Literal["user"], name: str) -> User: ...
    @overload
    def _entity(self, account: str, kind: Literal["group"], name: str) -> Group: ...
    @overload
    def _entity(self, account: str, kind: Literal["role"], name: str) -> Role: ...
    @overload
    def _entity(self, account: str, kind: str, name: str) -> Entity: ...

    def _entity(self, account: str, kind: str, name: str) -> Entity:
        entity = self._find(account, kind, name)
        if entity is None:
            raise no_such_entity(f"The {kind} with name {name} cannot be found.")
        return entity

    @overload
    def _find(self, account: str, kind: Literal["user"], name: str) -> User | None: ...
    @overload
    def _find(self, account: str, kind: Literal["group"], name: str) -> Group | None: ...
    @overload
    def _find(self, account: str, kind: Literal["role"], name: str) -> Role | None: ...
    @overload
    def _find(self, account: str, kind: str, name: str) -> Entity | None: ...

    def _find(self, account: str, kind: str, name: str) -> Entity | None:
        return ENTITY_KINDS[kind].get(self.store, ns(account, ENTITIES[kind][0]), name.lower())

    def _save(self, account: str, kind: str, entity: Entity) -> None:
        name = cast(dict, entity)[ENTITIES[kind][1]]  # UserName, GroupName or RoleName
        ENTITY_KINDS[kind].put(self.store, ns(account, ENTITIES[kind][0]), name.lower(), entity)

    def _remove(self, account: str, kind: str, name: str) -> None:
        self.store.delete(ns(account, ENTITIES[kind][0]), name.lower())

    @overload
    def _all(self, account: str, kind: Literal["user"]) -> list[User]: ...
    @overload
    def _all(self, account: str, kind: Literal["group"]) -> list[Group]: ...
    @overload
    def _all(self, account: str, kind: Literal["role"]) -> list[Role]: ...
    @overload
    def _all(self, account: str, kind: str) -> list[Entity]: ...

    def _all(self, account: str, kind: str) -> list[Any]:  # list[User] | list[Group]...: lists are invariant
        return [e for _, e in ENTITY_KINDS[kind].scan(self.store, ns(account, ENTITIES[kind][0]))]

    @overload
    def _new_entity(self, ctx: RequestContext, kind: Literal["user"], params: dict, **fields) -> User: ...
    @overload
    def _new_entity(self, ctx: RequestContext, kind: Literal["group"], params: dict, **fields) -> Group: ...
    @overload
    def _new_entity(self, ctx: RequestContext, kind: Literal["role"], params: dict, **fields) -> Role: ...

    def _new_entity(self, ctx: RequestContext, kind: str, params: dict, **fields) -> Entity:
        """A new user, group or role (EntityAlreadyExists for a taken name, any case)."""
        collection, name_param, segment, prefix = ENTITIES[kind]
        name, path = params[name_param], checked_path(params.get("Path", "/"))
        checked_tags(fields.get("Tags") or [])
        if self._find(ctx.account_id, kind, name):
            raise already_exists(f"{kind.capitalize()} with name {name} already exists.")
        # The name and id fields are the kind's own (UserName, UserId...), so the literal is cast.
        entity = cast(Entity, {
            "Path": path,
            name_param: name,
            f"{kind.capitalize()}Id": random_id(prefix),
            "Arn": ctx.arn(f"{segment}{path}{name}"),  # the partition of the caller's region
            "CreateDate": ctx.clock.time(),
            "InlinePolicies": {},
            "AttachedPolicies": [],
            **fields,
        })
        self._save(ctx.account_id, kind, entity)
        return entity

    def _changed(self, ctx: RequestContext) -> None:
        """Who may do what changed: cached decisions for this account are stale."""
        self.runtime.authz.invalidate(ctx.account_id)

    @staticmethod
    def _check_detached(entity: Entity) -> None:
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

    def _find_policy(self, account: str, arn: str) -> ManagedPolicy | None:
        if is_aws_managed(arn):
            return AWS_MANAGED.get(arn)
        return MANAGED_POLICY.get(self.store, ns(account, "policies"), arn)

    def _managed_document(self, account: str, arn: str) -> str:
        """The default version's document of an attachable policy (NoSuchEntity if none)."""
        policy = self._find_policy(account, arn)
        if policy is None:
            raise no_such_entity(f"Policy {arn} does not exist or is not attachable.")
        return policy["Versions"][policy["DefaultVersionId"]]["Document"]

    def _local_policies(self, account: str) -> list[ManagedPolicy]:
        return [p for _, p in MANAGED_POLICY.scan(self.store, ns(account, "policies"))]

    def _policy(self, account: str, arn: str, local: bool = False) -> ManagedPolicy:
        policy = self._find_policy(account, arn)
        if policy is None:
            raise no_such_entity(f"Policy {arn} was not found.")
        if local and is_aws_managed(arn):
            raise ServiceError("AccessDenied", "AWS managed policies cannot be changed.", status=403)
        return policy

    def _attachment_counts(self, account: str) -> Counter:
        counts: Counter = Counter()
        for kind in ("user", "group", "role"):
            for entity in self._all(account, kind):
                counts.update(entity.get("AttachedPolicies", ()))
        return counts

    def _find_profile(self, account: str, name: str) -> InstanceProfile | None:
        return INSTANCE_PROFILE.get(self.store, ns(account, "instance_profiles"), name.lower())

    def _holder_documents(self, account: str, holder: Entity) -> list[str]:
        """The inline and attached (default version) policies of one user, group or role."""
        documents = list(holder.get("InlinePolicies", {}).values())
        for arn in holder.get("AttachedPolicies", ()):
            policy = self._find_policy(account, arn)
            if policy is not None:
                documents.append(policy["Versions"][policy["DefaultVersionId"]]["Document"])
        return documents

    def _profile_roles(self, account: str, profile: InstanceProfile) -> list[Role]:
        return [r for r in (self._find(account, "role", n) for n in profile["Roles"]) if r]
