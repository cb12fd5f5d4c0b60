"""AWS::IAM::User, Group, ManagedPolicy, Policy, InstanceProfile and UserToGroupAddition, through IAM's own
API. (AccessKey: iam_keys.py.)"""
from __future__ import annotations

from nimbus.protocol.errors import ServiceError

from .base import Api, Created, Handler, policy_object, policy_text, required, tag_list
from .iam import read_principal, sync_policies

MAX_POLICY_VERSIONS = 5  # IAM keeps five versions of a managed policy


def _diff(old: list, new: list) -> tuple[list, list]:
    """(added, removed), each in a stable order."""
    return sorted(set(new) - set(old)), sorted(set(old) - set(new))


def _groups(api: Api, user: str, old: list, new: list) -> None:
    added, removed = _diff(old, new)
    for group in added:
        api.call("iam", "AddUserToGroup", {"GroupName": group, "UserName": user})
    for group in removed:
        api.call("iam", "RemoveUserFromGroup", {"GroupName": group, "UserName": user})


class User(Handler):
    type_name = "AWS::IAM::User"

    def create(self, api: Api, properties: dict) -> Created:
        if "LoginProfile" in properties:
            raise ServiceError("NotSupported", "nimbus does not serve IAM login profiles (LoginProfile)", status=400)
        name = properties.get("UserName") or api.physical_name(64)
        params = {"UserName": name, "Path": properties.get("Path", "/")}
        if properties.get("PermissionsBoundary"):
            params["PermissionsBoundary"] = properties["PermissionsBoundary"]
        if properties.get("Tags"):
            params["Tags"] = tag_list(properties["Tags"])
        user = api.call("iam", "CreateUser", params)["User"]
        self.update(api, name, {}, properties)
        return Created(name, {"Arn": user["Arn"]})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        sync_policies(api, "User", physical_id, old, new)
        _groups(api, physical_id, old.get("Groups", []), new.get("Groups", []))
        return {"Arn": api.call("iam", "GetUser", {"UserName": physical_id})["User"]["Arn"]}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        self.update(api, physical_id, properties, {})
        api.call("iam", "DeleteUser", {"UserName": physical_id})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        _, live = read_principal(api, "User", physical_id)
        groups = api.call("iam", "ListGroupsForUser", {"UserName": physical_id})["Groups"]
        return {**live, "Groups": [g["GroupName"] for g in groups]}


class Group(Handler):
    type_name = "AWS::IAM::Group"

    def create(self, api: Api, properties: dict) -> Created:
        name = properties.get("GroupName") or api.physical_name(128)
        group = api.call("iam", "CreateGroup", {"GroupName": name, "Path": properties.get("Path", "/")})["Group"]
        sync_policies(api, "Group", name, {}, properties)
        return Created(name, {"Arn": group["Arn"]})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        sync_policies(api, "Group", physical_id, old, new)
        return {"Arn": api.call("iam", "GetGroup", {"GroupName": physical_id})["Group"]["Arn"]}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        sync_policies(api, "Group", physical_id, properties, {})
        api.call("iam", "DeleteGroup", {"GroupName": physical_id})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        return read_principal(api, "Group", physical_id)[1]


def _attach(api: Api, arn: str, old: dict, new: dict) -> None:
    for kind in ("Group", "Role", "User"):
        added, removed = _diff(old.get(f"{kind}s", []), new.get(f"{kind}s", []))
        for name in added:
            api.call("iam", f"Attach{kind}Policy", {f"{kind}Name": name, "PolicyArn": arn})
        for name in removed:
            api.call("iam", f"Detach{kind}Policy", {f"{kind}Name": name, "PolicyArn": arn})


class ManagedPolicy(Handler):
    type_name = "AWS::IAM::ManagedPolicy"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "PolicyDocument")
        params = {"PolicyName": properties.get("ManagedPolicyName") or api.physical_name(128),
                  "PolicyDocument": policy_text(properties["PolicyDocument"]), "Path": properties.get("Path", "/")}
        if properties.get("Description"):
            params["Description"] = properties["Description"]
        arn = api.call("iam", "CreatePolicy", params)["Policy"]["Arn"]
        _attach(api, arn, {}, properties)
        return Created(arn, {"PolicyArn": arn})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        if policy_text(old["PolicyDocument"]) != policy_text(new["PolicyDocument"]):
            versions = api.call("iam", "ListPolicyVersions", {"PolicyArn": physical_id})["Versions"]
            if len(versions) >= MAX_POLICY_VERSIONS:
                oldest = min((v for v in versions if not v["IsDefaultVersion"]), key=lambda v: v["CreateDate"])
                api.call("iam", "DeletePolicyVersion", {"PolicyArn": physical_id, "VersionId": oldest["VersionId"]})
            api.call("iam", "CreatePolicyVersion", {"PolicyArn": physical_id, "SetAsDefault": True,
                                                    "PolicyDocument": policy_text(new["PolicyDocument"])})
        _attach(api, physical_id, old, new)
        return {"PolicyArn": physical_id}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        _attach(api, physical_id, properties, {})
        for version in api.call("iam", "ListPolicyVersions", {"PolicyArn": physical_id})["Versions"]:
            if not version["IsDefaultVersion"]:
                api.call("iam", "DeletePolicyVersion", {"PolicyArn": physical_id, "VersionId": version["VersionId"]})
        api.call("iam", "DeletePolicy", {"PolicyArn": physical_id})


class Policy(Handler):
    """An inline policy put on each of its groups, roles and users."""
    type_name = "AWS::IAM::Policy"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "PolicyName", "PolicyDocument")
        self.update(api, "", {}, properties)
        return Created(api.physical_name(64, prefix=api.stack_name[:5]), {})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        document = policy_text(new["PolicyDocument"]) if new else ""
        for kind in ("Group", "Role", "User"):
            for name in new.get(f"{kind}s", []):
                api.call("iam", f"Put{kind}Policy", {f"{kind}Name": name, "PolicyName": new["PolicyName"],
                                                     "PolicyDocument": document})
            renamed = old and new and old["PolicyName"] != new["PolicyName"]
            for name in old.get(f"{kind}s", []) if old else []:
                if renamed or name not in new.get(f"{kind}s", []):
                    api.call("iam", f"Delete{kind}Policy", {f"{kind}Name": name, "PolicyName": old["PolicyName"]})
        return {}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        self.update(api, physical_id, properties, {})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        """The policy as its holders have it: those that lost it are missing; gone when none has it."""
        live: dict = {"PolicyName": properties["PolicyName"]}
        for kind in ("Group", "Role", "User"):
            holders = []
            for name in properties.get(f"{kind}s", []):
                try:
                    document = api.call("iam", f"Get{kind}Policy", {f"{kind}Name": name,
                                                                   "PolicyName": properties["PolicyName"]})
                except ServiceError as error:
                    if error.code != "NoSuchEntity":
                        raise
                    continue
                holders.append(name)
                live["PolicyDocument"] = policy_object(document["PolicyDocument"])
            live[f"{kind}s"] = holders
        if "PolicyDocument" not in live:
            raise ServiceError("NoSuchEntity", f"The policy {properties['PolicyName']} is on none of its holders.",
                               status=404)
        return live


class InstanceProfile(Handler):
    type_name = "AWS::IAM::InstanceProfile"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "Roles")
        name = properties.get("InstanceProfileName") or api.physical_name(128)
        profile = api.call("iam", "CreateInstanceProfile", {"InstanceProfileName": name,
                                                            "Path": properties.get("Path", "/")})["InstanceProfile"]
        self.update(api, name, {}, properties)
        return Created(name, {"Arn": profile["Arn"]})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        added, removed = _diff(old.get("Roles", []), new.get("Roles", []))
        for role in removed:
            api.call("iam", "RemoveRoleFromInstanceProfile", {"InstanceProfileName": physical_id, "RoleName": role})
        for role in added:
            api.call("iam", "AddRoleToInstanceProfile", {"InstanceProfileName": physical_id, "RoleName": role})
        profile = api.call("iam", "GetInstanceProfile", {"InstanceProfileName": physical_id})["InstanceProfile"]
        return {"Arn": profile["Arn"]}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        for role in properties.get("Roles", []):
            api.call("iam", "RemoveRoleFromInstanceProfile", {"InstanceProfileName": physical_id, "RoleName": role})
        api.call("iam", "DeleteInstanceProfile", {"InstanceProfileName": physical_id})


class UserToGroupAddition(Handler):
    type_name = "AWS::IAM::UserToGroupAddition"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "GroupName", "Users")
        self.update(api, "", {"GroupName": properties["GroupName"], "Users": []}, properties)
        return Created(api.physical_name(64, prefix=api.stack_name[:5]), {})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        for user in old.get("Users", []):
            if old["GroupName"] != new.get("GroupName") or user not in new.get("Users", []):
                api.call("iam", "RemoveUserFromGroup", {"GroupName": old["GroupName"], "UserName": user})
        for user in new.get("Users", []):
            if old["GroupName"] != new["GroupName"] or user not in old.get("Users", []):
                api.call("iam", "AddUserToGroup", {"GroupName": new["GroupName"], "UserName": user})
        return {}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        self.update(api, physical_id, properties, {"GroupName": None})
