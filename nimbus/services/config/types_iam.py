"""IAM's types as AWS Config records them (global: ``awsRegion`` "global", recorded by a recorder that
includes global resource types): users, groups, roles and customer managed policies, with their inline
and attached policies, and the relationships between them. Their resource id is IAM's unique id."""
from __future__ import annotations

from typing import TYPE_CHECKING

from nimbus.services.config.described import Described, arn_name, epoch, iso, relationship, supports

if TYPE_CHECKING:
    from nimbus.services.config.reading import Reader

USER, GROUP, ROLE, POLICY = "AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role", "AWS::IAM::Policy"
_GONE = ("NoSuchEntity",)
_MANAGED = "Is attached to CustomerManagedPolicy"
# What each entity is called in its operations: (Get..., its output member, the List...Policies suffix).
_ENTITY = {USER: ("User", "UserName"), GROUP: ("Group", "GroupName"), ROLE: ("Role", "RoleName")}


def _inline_policies(reader: Reader, kind: str, name_member: str, name: str) -> list[dict]:
    listed = reader.call("iam", f"List{kind}Policies", {name_member: name}).get("PolicyNames", [])
    policies = []
    for policy_name in listed:
        found = reader.optional("iam", f"Get{kind}Policy", {name_member: name, "PolicyName": policy_name}, _GONE)
        if found is not None:
            policies.append({"policyName": policy_name, "policyDocument": found["PolicyDocument"]})
    return policies


def _attached(reader: Reader, kind: str, name_member: str, name: str) -> list[dict]:
    listed = reader.call("iam", f"ListAttached{kind}Policies", {name_member: name}).get("AttachedPolicies", [])
    return [{"policyName": p["PolicyName"], "policyArn": p["PolicyArn"]} for p in listed]


def _managed_relationships(attached: list[dict]) -> list[dict]:
    return [relationship(POLICY, p["policyName"], _MANAGED) for p in attached if ":aws:policy/" not in p["policyArn"]]


def _describe_entity(resource_type: str):
    kind, name_member = _ENTITY[resource_type]
    lower = kind.lower()

    def describe(reader: Reader, arn: str) -> Described | None:
        name = arn_name(arn)
        found = reader.optional("iam", f"Get{kind}", {name_member: name}, _GONE)
        if found is None:
            return None
        entity = found[kind]
        attached = _attached(reader, kind, name_member, name)
        configuration = {
            "path": entity["Path"], f"{lower}Name": name, f"{lower}Id": entity[f"{kind}Id"], "arn": entity["Arn"],
            "createDate": iso(entity["CreateDate"]),
            f"{lower}PolicyList": _inline_policies(reader, kind, name_member, name),
            "attachedManagedPolicies": attached,
        }
        related = _managed_relationships(attached)
        if resource_type == USER:
            groups = [g["GroupName"] for g in reader.call("iam", "ListGroupsForUser", {"UserName": name})["Groups"]]
            configuration["groupList"] = groups
            related += [relationship(GROUP, group, "Is attached to Group") for group in groups]
        if resource_type == GROUP:
            related += [relationship(USER, u["UserName"], "Contains User", u["UserId"]) for u in found.get("Users", [])]
        if resource_type == ROLE:
            configuration["assumeRolePolicyDocument"] = entity.get("AssumeRolePolicyDocument")
            configuration["instanceProfileList"] = []
        if resource_type in (USER, ROLE):
            configuration["permissionsBoundary"] = entity.get("PermissionsBoundary")
            configuration["tags"] = [{"key": t["Key"], "value": t["Value"]} for t in entity.get("Tags", [])]
        return Described(resource_id=entity[f"{kind}Id"], name=name, arn=entity["Arn"], configuration=configuration,
                         tags={t["Key"]: t["Value"] for t in entity.get("Tags", [])}, relationships=related,
                         created=epoch(entity["CreateDate"]))
    return describe


def describe_policy(reader: Reader, arn: str) -> Described | None:
    found = reader.optional("iam", "GetPolicy", {"PolicyArn": arn}, _GONE)
    if found is None:
        return None
    policy = found["Policy"]
    versions = reader.call("iam", "ListPolicyVersions", {"PolicyArn": arn}).get("Versions", [])
    version_list = []
    for version in versions:
        document = reader.call("iam", "GetPolicyVersion", {"PolicyArn": arn, "VersionId": version["VersionId"]})
        version_list.append({"document": document["PolicyVersion"].get("Document"), "versionId": version["VersionId"],
                             "isDefaultVersion": version["IsDefaultVersion"], "createDate": iso(version["CreateDate"])})
    entities = reader.call("iam", "ListEntitiesForPolicy", {"PolicyArn": arn})
    related = ([relationship(USER, u["UserName"], "Is attached to IAMUser", u["UserId"])
                for u in entities.get("PolicyUsers", [])]
               + [relationship(GROUP, g["GroupName"], "Is attached to IAMGroup", g["GroupId"])
                  for g in entities.get("PolicyGroups", [])]
               + [relationship(ROLE, r["RoleName"], "Is attached to Role", r["RoleId"])
                  for r in entities.get("PolicyRoles", [])])
    configuration = {
        "policyName": policy["PolicyName"], "policyId": policy["PolicyId"], "arn": arn, "path": policy["Path"],
        "defaultVersionId": policy["DefaultVersionId"], "attachmentCount": policy.get("AttachmentCount", 0),
        "permissionsBoundaryUsageCount": policy.get("PermissionsBoundaryUsageCount", 0),
        "isAttachable": policy.get("IsAttachable", True), "description": policy.get("Description"),
        "createDate": iso(policy["CreateDate"]), "updateDate": iso(policy["UpdateDate"]),
        "policyVersionList": version_list,
    }
    return Described(resource_id=policy["PolicyId"], name=policy["PolicyName"], arn=arn, configuration=configuration,
                     relationships=related, created=epoch(policy["CreateDate"]),
                     tags={t["Key"]: t["Value"] for t in policy.get("Tags", [])})


def _discover(operation: str, member: str, params: dict | None = None):
    def discover(reader: Reader) -> list[str]:
        arns: list[str] = []
        marker = None
        while True:
            page = reader.call("iam", operation, {**(params or {}), **({"Marker": marker} if marker else {})})
            arns += [entity["Arn"] for entity in page.get(member, [])]
            marker = page.get("Marker") if page.get("IsTruncated") else None
            if not marker:
                return arns
    return discover


supports(USER, _describe_entity(USER), _discover("ListUsers", "Users"), is_global=True)
supports(GROUP, _describe_entity(GROUP), _discover("ListGroups", "Groups"), is_global=True)
supports(ROLE, _describe_entity(ROLE), _discover("ListRoles", "Roles"), is_global=True)
supports(POLICY, describe_policy, _discover("ListPolicies", "Policies", {"Scope": "Local"}), is_global=True)
