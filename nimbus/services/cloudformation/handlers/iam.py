"""AWS::IAM::Role (inline Policies, ManagedPolicyArns), through IAM's own API; what roles, users and groups
share: their inline and managed policies."""
from __future__ import annotations

from .base import Api, Created, Handler, policy_object, policy_text, required, tag_list

_ROLE_MEMBERS = ("Description", "MaxSessionDuration", "PermissionsBoundary")


def _inline(properties: dict) -> dict[str, str]:
    return {p["PolicyName"]: policy_text(p["PolicyDocument"]) for p in properties.get("Policies", [])}


def sync_policies(api: Api, kind: str, name: str, old: dict, new: dict) -> None:
    """Make a role's, user's or group's (``kind``) inline Policies and ManagedPolicyArns what ``new`` says."""
    named = {f"{kind}Name": name}
    before, after = _inline(old), _inline(new)
    for policy, document in after.items():
        if before.get(policy) != document:
            api.call("iam", f"Put{kind}Policy", {**named, "PolicyName": policy, "PolicyDocument": document})
    for policy in sorted(set(before) - set(after)):
        api.call("iam", f"Delete{kind}Policy", {**named, "PolicyName": policy})
    attached, wanted = set(old.get("ManagedPolicyArns", [])), set(new.get("ManagedPolicyArns", []))
    for arn in sorted(wanted - attached):
        api.call("iam", f"Attach{kind}Policy", {**named, "PolicyArn": arn})
    for arn in sorted(attached - wanted):
        api.call("iam", f"Detach{kind}Policy", {**named, "PolicyArn": arn})


def read_principal(api: Api, kind: str, name: str) -> tuple[dict, dict]:
    """(IAM's description, the properties a template writes) of a role, user or group (``kind``): its name,
    Path, Tags, PermissionsBoundary, inline Policies and ManagedPolicyArns."""
    named = {f"{kind}Name": name}
    found = api.call("iam", f"Get{kind}", named)[kind]
    policies = [{"PolicyName": policy, "PolicyDocument": policy_object(
        api.call("iam", f"Get{kind}Policy", {**named, "PolicyName": policy})["PolicyDocument"])}
        for policy in api.call("iam", f"List{kind}Policies", named)["PolicyNames"]]
    attached = api.call("iam", f"ListAttached{kind}Policies", named)["AttachedPolicies"]
    out = {f"{kind}Name": name, "Path": found.get("Path", "/"), "Tags": found.get("Tags", []), "Policies": policies,
           "ManagedPolicyArns": [p["PolicyArn"] for p in attached]}
    boundary = found.get("PermissionsBoundary")
    if kind != "Group":
        out["PermissionsBoundary"] = boundary["PermissionsBoundaryArn"] if boundary else None
    return found, out


class Role(Handler):
    type_name = "AWS::IAM::Role"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "AssumeRolePolicyDocument")
        name = properties.get("RoleName") or api.physical_name(64)
        params = {"RoleName": name, "AssumeRolePolicyDocument": policy_text(properties["AssumeRolePolicyDocument"]),
                  "Path": properties.get("Path", "/"), **self._members(properties)}
        if properties.get("Tags"):
            params["Tags"] = tag_list(properties["Tags"])
        role = api.call("iam", "CreateRole", params)["Role"]
        sync_policies(api, "Role", name, {}, properties)
        return Created(name, {"Arn": role["Arn"], "RoleId": role["RoleId"]})

    @staticmethod
    def _members(properties: dict) -> dict:
        members = {m: properties[m] for m in _ROLE_MEMBERS if m in properties}
        if "MaxSessionDuration" in members:
            members["MaxSessionDuration"] = int(members["MaxSessionDuration"])
        return members

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        if old["AssumeRolePolicyDocument"] != new["AssumeRolePolicyDocument"]:
            api.call("iam", "UpdateAssumeRolePolicy", {"RoleName": physical_id,
                                                       "PolicyDocument": policy_text(new["AssumeRolePolicyDocument"])})
        if self._members(old) != self._members(new):
            members = self._members(new)
            members.pop("PermissionsBoundary", None)
            api.call("iam", "UpdateRole", {"RoleName": physical_id, **members})
        sync_policies(api, "Role", physical_id, old, new)
        role = api.call("iam", "GetRole", {"RoleName": physical_id})["Role"]
        return {"Arn": role["Arn"], "RoleId": role["RoleId"]}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        sync_policies(api, "Role", physical_id, properties, {})
        api.call("iam", "DeleteRole", {"RoleName": physical_id})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        role, live = read_principal(api, "Role", physical_id)
        return {**live, "AssumeRolePolicyDocument": policy_object(role["AssumeRolePolicyDocument"]),
                "Description": role.get("Description", ""), "MaxSessionDuration": role.get("MaxSessionDuration", 3600)}
