"""Instance profiles: the container that hands a role to an EC2 instance (one role each)."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.ids import random_id
from nimbus.core.times import timestamp
from nimbus.services.iam.common import (
    already_exists,
    checked_path,
    checked_tags,
    delete_conflict,
    limit_exceeded,
    no_such_entity,
    ns,
    paged_output,
    tags_output,
)
from nimbus.services.iam.documents import INSTANCE_PROFILE, InstanceProfile, Role
from nimbus.services.iam.roles import role_output
from nimbus.services.iam.state import IamState

ROLES_PER_PROFILE = 1


class InstanceProfileOps(IamState):
    def create_instance_profile(self, ctx: RequestContext, params: dict) -> dict:
        name, path = params["InstanceProfileName"], checked_path(params.get("Path", "/"))
        with self.store.transaction():
            if self._find_profile(ctx.account_id, name):
                raise already_exists(f"Instance Profile {name} already exists.")
            profile: InstanceProfile = {"Path": path, "InstanceProfileName": name, "InstanceProfileId": random_id("AIPA"),
                       "Arn": ctx.arn(f"instance-profile{path}{name}"),
                       "CreateDate": ctx.clock.time(), "Roles": [], "Tags": checked_tags(params.get("Tags", []))}
            INSTANCE_PROFILE.put(self.store, ns(ctx.account_id, "instance_profiles"), name.lower(), profile)
        return {"InstanceProfile": profile_output(profile, self._profile_roles(ctx.account_id, profile))}

    def get_instance_profile(self, ctx: RequestContext, params: dict) -> dict:
        profile = self._profile(ctx.account_id, params["InstanceProfileName"])
        return {"InstanceProfile": profile_output(profile, self._profile_roles(ctx.account_id, profile))}

    def list_instance_profiles(self, ctx: RequestContext, params: dict) -> dict:
        prefix = params.get("PathPrefix", "/")
        profiles = [p for _, p in INSTANCE_PROFILE.scan(self.store, ns(ctx.account_id, "instance_profiles"))
                    if p["Path"].startswith(prefix)]
        return paged_output(profiles, params, lambda p: p["InstanceProfileName"].lower(), "InstanceProfiles",
                            lambda p: profile_output(p, self._profile_roles(ctx.account_id, p)))

    def delete_instance_profile(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            profile = self._profile(ctx.account_id, params["InstanceProfileName"])
            if profile["Roles"]:
                raise delete_conflict("Cannot delete entity, must remove roles from instance profile first.")
            self.store.delete(ns(ctx.account_id, "instance_profiles"), profile["InstanceProfileName"].lower())
        return {}

    def add_role_to_instance_profile(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            profile = self._profile(ctx.account_id, params["InstanceProfileName"])
            role = self._entity(ctx.account_id, "role", params["RoleName"])
            if role["RoleName"].lower() in profile["Roles"]:
                raise already_exists(f"Role {role['RoleName']} already exists in instance profile.")
            if len(profile["Roles"]) >= ROLES_PER_PROFILE:
                raise limit_exceeded(f"Cannot exceed quota for InstanceSessionsPerInstanceProfile: {ROLES_PER_PROFILE}")
            profile["Roles"].append(role["RoleName"].lower())
            role.setdefault("InstanceProfiles", []).append(profile["InstanceProfileName"].lower())
            INSTANCE_PROFILE.put(self.store, ns(ctx.account_id, "instance_profiles"), profile["InstanceProfileName"].lower(), profile)
            self._save(ctx.account_id, "role", role)
        return {}

    def remove_role_from_instance_profile(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            profile = self._profile(ctx.account_id, params["InstanceProfileName"])
            role = self._entity(ctx.account_id, "role", params["RoleName"])
            if role["RoleName"].lower() not in profile["Roles"]:
                raise no_such_entity(f"The role with name {params['RoleName']} cannot be found.")
            profile["Roles"].remove(role["RoleName"].lower())
            role["InstanceProfiles"] = [p for p in role.get("InstanceProfiles", [])
                                        if p != profile["InstanceProfileName"].lower()]
            INSTANCE_PROFILE.put(self.store, ns(ctx.account_id, "instance_profiles"), profile["InstanceProfileName"].lower(), profile)
            self._save(ctx.account_id, "role", role)
        return {}

    def list_instance_profiles_for_role(self, ctx: RequestContext, params: dict) -> dict:
        role = self._entity(ctx.account_id, "role", params["RoleName"])
        profiles = [p for p in (self._find_profile(ctx.account_id, n) for n in role.get("InstanceProfiles", ())) if p]
        return paged_output(profiles, params, lambda p: p["InstanceProfileName"].lower(), "InstanceProfiles",
                            lambda p: profile_output(p, self._profile_roles(ctx.account_id, p)))

    def _profile(self, account: str, name: str) -> InstanceProfile:
        profile = self._find_profile(account, name)
        if profile is None:
            raise no_such_entity(f"Instance Profile {name} cannot be found.")
        return profile


def profile_output(profile: InstanceProfile, roles: list[Role]) -> dict:
    output = {k: profile[k] for k in ("Path", "InstanceProfileName", "InstanceProfileId", "Arn")}
    output.update(CreateDate=timestamp(profile["CreateDate"]), Roles=[role_output(r, full=False) for r in roles])
    if profile.get("Tags"):
        output["Tags"] = tags_output(profile["Tags"])
    return output
