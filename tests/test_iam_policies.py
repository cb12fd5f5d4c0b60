"""IAM roles, groups, managed policies (with versions), inline policies, attachments and the
authorization details report, through boto3 against the shared server."""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.support import error_of, unique

ALLOW_S3 = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def policy_doc(*actions: str, effect: str = "Allow") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": effect, "Action": list(actions), "Resource": "*"}]})


def test_role_lifecycle(client):
    iam = client("iam")
    name = unique("role")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST, Description="d",
                           MaxSessionDuration=7200, Tags=[{"Key": "team", "Value": "a"}])["Role"]
    assert role["RoleId"].startswith("AROA") and role["Arn"].endswith(f":role/{name}")
    # The SDK decodes IAM's URL-encoded document back into a dict.
    assert role["AssumeRolePolicyDocument"] == json.loads(TRUST)
    fetched = iam.get_role(RoleName=name)["Role"]
    assert fetched["MaxSessionDuration"] == 7200 and fetched["Description"] == "d"
    assert error_of(iam.create_role, RoleName=name.upper(), AssumeRolePolicyDocument=TRUST) == \
        ("EntityAlreadyExists", 409)
    new_trust = TRUST.replace("lambda", "ec2")
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=new_trust)
    assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == json.loads(new_trust)
    iam.update_role(RoleName=name, MaxSessionDuration=3600)
    assert iam.get_role(RoleName=name)["Role"]["MaxSessionDuration"] == 3600
    iam.tag_role(RoleName=name, Tags=[{"Key": "env", "Value": "dev"}])
    assert {t["Key"] for t in iam.list_role_tags(RoleName=name)["Tags"]} == {"team", "env"}
    iam.untag_role(RoleName=name, TagKeys=["team"])
    assert [t["Key"] for t in iam.list_role_tags(RoleName=name)["Tags"]] == ["env"]
    assert name in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=ALLOW_S3)
    assert error_of(iam.delete_role, RoleName=name) == ("DeleteConflict", 409)
    iam.delete_role_policy(RoleName=name, PolicyName="inline")
    iam.delete_role(RoleName=name)
    assert error_of(iam.get_role, RoleName=name) == ("NoSuchEntity", 404)


@pytest.mark.parametrize("document, message", [
    ("{not json", "This policy contains invalid Json"),
    (json.dumps({"Version": "2012-10-17"}), "Missing required field Statement"),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Action": "s3:*", "Resource": "*"}]}),
     "Missing required field Effect"),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]}),
     "Policy statement must contain actions."),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}),
     "Policy statement must contain resources."),
    (json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Principal": "*"}]}),
     "Policy document should not specify a principal."),
    (json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringWhatever": {"a": "b"}}}]}),
     "Invalid Condition type"),
    (json.dumps({"Version": "2001-01-01", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
     "The policy failed legacy parsing"),
])
def test_malformed_policies_are_rejected(client, document, message):
    iam = client("iam")
    with pytest.raises(ClientError) as error:
        iam.create_policy(PolicyName=unique("bad"), PolicyDocument=document)
    assert error.value.response["Error"]["Code"] == "MalformedPolicyDocument"
    assert message in error.value.response["Error"]["Message"]


def test_trust_policy_must_name_principals_and_sts_actions(client):
    iam = client("iam")
    assert error_of(iam.create_role, RoleName=unique("r"), AssumeRolePolicyDocument=ALLOW_S3)[0] == \
        "MalformedPolicyDocument"
    bad = TRUST.replace("sts:AssumeRole", "s3:GetObject")
    assert error_of(iam.create_role, RoleName=unique("r"), AssumeRolePolicyDocument=bad)[0] == \
        "MalformedPolicyDocument"


def test_managed_policy_versions(client):
    iam = client("iam")
    name = unique("pol")
    policy = iam.create_policy(PolicyName=name, PolicyDocument=ALLOW_S3, Description="x")["Policy"]
    arn = policy["Arn"]
    assert arn == f"arn:aws:iam::000000000000:policy/{name}" and policy["DefaultVersionId"] == "v1"
    assert error_of(iam.create_policy, PolicyName=name, PolicyDocument=ALLOW_S3) == ("EntityAlreadyExists", 409)
    for number in range(2, 6):
        version = iam.create_policy_version(PolicyArn=arn, PolicyDocument=policy_doc(f"s3:Op{number}"),
                                            SetAsDefault=number == 3)["PolicyVersion"]
        assert version["VersionId"] == f"v{number}"
    assert error_of(iam.create_policy_version, PolicyArn=arn, PolicyDocument=ALLOW_S3) == ("LimitExceeded", 409)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"
    v3 = iam.get_policy_version(PolicyArn=arn, VersionId="v3")["PolicyVersion"]
    assert v3["IsDefaultVersion"] and v3["Document"]["Statement"][0]["Action"] == ["s3:Op3"]
    assert [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]] == \
        ["v5", "v4", "v3", "v2", "v1"]
    assert error_of(iam.delete_policy_version, PolicyArn=arn, VersionId="v3") == ("DeleteConflict", 409)
    assert error_of(iam.get_policy_version, PolicyArn=arn, VersionId="v9") == ("NoSuchEntity", 404)
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v5")
    for version in ("v1", "v2", "v3", "v4"):
        iam.delete_policy_version(PolicyArn=arn, VersionId=version)
    assert iam.create_policy_version(PolicyArn=arn, PolicyDocument=ALLOW_S3)["PolicyVersion"]["VersionId"] == "v6"
    iam.delete_policy_version(PolicyArn=arn, VersionId="v6")
    iam.delete_policy(PolicyArn=arn)
    assert error_of(iam.get_policy, PolicyArn=arn) == ("NoSuchEntity", 404)


def test_attachments_counts_and_entities(client):
    iam = client("iam", key="333344445555", secret="x")
    user, group, role = unique("u"), unique("g"), unique("r")
    iam.create_user(UserName=user)
    iam.create_group(GroupName=group)
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    arn = iam.create_policy(PolicyName=unique("p"), PolicyDocument=ALLOW_S3)["Policy"]["Arn"]
    iam.attach_user_policy(UserName=user, PolicyArn=arn)
    iam.attach_group_policy(GroupName=group, PolicyArn=arn)
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 3
    entities = iam.list_entities_for_policy(PolicyArn=arn)
    assert [u["UserName"] for u in entities["PolicyUsers"]] == [user]
    assert [g["GroupName"] for g in entities["PolicyGroups"]] == [group]
    assert [r["RoleName"] for r in entities["PolicyRoles"]] == [role]
    assert iam.list_entities_for_policy(PolicyArn=arn, EntityFilter="Role")["PolicyUsers"] == []
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert {p["PolicyName"] for p in attached} == {arn.rsplit("/", 1)[1], "ReadOnlyAccess"}
    assert error_of(iam.delete_policy, PolicyArn=arn) == ("DeleteConflict", 409)
    assert error_of(iam.delete_user, UserName=user) == ("DeleteConflict", 409)
    assert error_of(iam.attach_user_policy, UserName=user, PolicyArn=arn + "-missing") == ("NoSuchEntity", 404)
    iam.detach_user_policy(UserName=user, PolicyArn=arn)
    assert error_of(iam.detach_user_policy, UserName=user, PolicyArn=arn) == ("NoSuchEntity", 404)
    assert iam.list_attached_user_policies(UserName=user)["AttachedPolicies"] == []
    only = iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"]
    assert [p["Arn"] for p in only] == [arn] and only[0]["AttachmentCount"] == 2
    aws = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")["Policy"]
    assert aws["PolicyName"] == "AdministratorAccess"


def test_managed_policy_quota_per_entity(client):
    iam = client("iam", key="333344445556", secret="x")
    user = unique("many")
    iam.create_user(UserName=user)
    arns = [iam.create_policy(PolicyName=unique("q"), PolicyDocument=ALLOW_S3)["Policy"]["Arn"] for _ in range(11)]
    for arn in arns[:10]:
        iam.attach_user_policy(UserName=user, PolicyArn=arn)
    assert error_of(iam.attach_user_policy, UserName=user, PolicyArn=arns[10]) == ("LimitExceeded", 409)


def test_inline_policies(client):
    iam = client("iam")
    user = unique("inl")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="read", PolicyDocument=ALLOW_S3)
    got = iam.get_user_policy(UserName=user, PolicyName="read")
    assert got["PolicyDocument"] == json.loads(ALLOW_S3) and got["UserName"] == user
    assert iam.list_user_policies(UserName=user)["PolicyNames"] == ["read"]
    assert error_of(iam.get_user_policy, UserName=user, PolicyName="nope") == ("NoSuchEntity", 404)
    assert error_of(iam.put_user_policy, UserName=user, PolicyName="bad", PolicyDocument="{}")[0] == \
        "MalformedPolicyDocument"
    iam.delete_user_policy(UserName=user, PolicyName="read")
    assert iam.list_user_policies(UserName=user)["PolicyNames"] == []


def test_groups_and_membership(client):
    iam = client("iam")
    group, user = unique("grp"), unique("member")
    created = iam.create_group(GroupName=group, Path="/ops/")["Group"]
    assert created["GroupId"].startswith("AGPA") and created["Arn"].endswith(f":group/ops/{group}")
    assert error_of(iam.create_group, GroupName=group) == ("EntityAlreadyExists", 409)
    iam.create_user(UserName=user)
    iam.add_user_to_group(GroupName=group, UserName=user)
    assert [u["UserName"] for u in iam.get_group(GroupName=group)["Users"]] == [user]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName=user)["Groups"]] == [group]
    assert error_of(iam.delete_group, GroupName=group) == ("DeleteConflict", 409)
    iam.put_group_policy(GroupName=group, PolicyName="p", PolicyDocument=ALLOW_S3)
    assert iam.list_group_policies(GroupName=group)["PolicyNames"] == ["p"]
    iam.delete_group_policy(GroupName=group, PolicyName="p")
    iam.remove_user_from_group(GroupName=group, UserName=user)
    assert iam.list_groups_for_user(UserName=user)["Groups"] == []
    iam.delete_group(GroupName=group)
    assert error_of(iam.get_group, GroupName=group) == ("NoSuchEntity", 404)


def test_account_authorization_details(client):
    iam = client("iam", key="555566667777", secret="x")
    user, group, role = unique("du"), unique("dg"), unique("dr")
    iam.create_user(UserName=user)
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=user)
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    iam.put_user_policy(UserName=user, PolicyName="inline", PolicyDocument=ALLOW_S3)
    arn = iam.create_policy(PolicyName=unique("dp"), PolicyDocument=ALLOW_S3)["Policy"]["Arn"]
    iam.attach_group_policy(GroupName=group, PolicyArn=arn)
    iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/PowerUserAccess")
    details = iam.get_account_authorization_details()
    [user_detail] = details["UserDetailList"]
    assert user_detail["GroupList"] == [group]
    assert user_detail["UserPolicyList"][0]["PolicyDocument"] == json.loads(ALLOW_S3)
    assert details["GroupDetailList"][0]["AttachedManagedPolicies"][0]["PolicyArn"] == arn
    assert details["RoleDetailList"][0]["AssumeRolePolicyDocument"] == json.loads(TRUST)
    policies = {p["Arn"]: p for p in details["Policies"]}
    assert set(policies) == {arn, "arn:aws:iam::aws:policy/PowerUserAccess"}
    assert policies[arn]["PolicyVersionList"][0]["Document"] == json.loads(ALLOW_S3)
    only_roles = iam.get_account_authorization_details(Filter=["Role"])
    assert only_roles["UserDetailList"] == [] and len(only_roles["RoleDetailList"]) == 1


def test_instance_profiles(client):
    iam = client("iam")
    profile, role = unique("prof"), unique("ec2role")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST.replace("lambda", "ec2"))
    created = iam.create_instance_profile(InstanceProfileName=profile)["InstanceProfile"]
    assert created["InstanceProfileId"].startswith("AIPA") and created["Roles"] == []
    assert error_of(iam.create_instance_profile, InstanceProfileName=profile) == ("EntityAlreadyExists", 409)
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)
    assert [r["RoleName"] for r in iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Roles"]] \
        == [role]
    other = unique("ec2role")
    iam.create_role(RoleName=other, AssumeRolePolicyDocument=TRUST)
    assert error_of(iam.add_role_to_instance_profile, InstanceProfileName=profile, RoleName=other) == \
        ("LimitExceeded", 409)
    assert [p["InstanceProfileName"] for p in iam.list_instance_profiles_for_role(RoleName=role)["InstanceProfiles"]] \
        == [profile]
    assert error_of(iam.delete_role, RoleName=role) == ("DeleteConflict", 409)
    assert error_of(iam.delete_instance_profile, InstanceProfileName=profile) == ("DeleteConflict", 409)
    iam.remove_role_from_instance_profile(InstanceProfileName=profile, RoleName=role)
    iam.delete_instance_profile(InstanceProfileName=profile)
    assert error_of(iam.get_instance_profile, InstanceProfileName=profile) == ("NoSuchEntity", 404)
    iam.delete_role(RoleName=role)


def test_simulate_policies(client):
    iam = client("iam")
    custom = iam.simulate_custom_policy(
        PolicyInputList=[policy_doc("s3:Get*"), policy_doc("s3:GetObjectAcl", effect="Deny")],
        ActionNames=["s3:GetObject", "s3:GetObjectAcl", "s3:PutObject"])["EvaluationResults"]
    assert [r["EvalDecision"] for r in custom] == ["allowed", "explicitDeny", "implicitDeny"]
    user = unique("sim")
    iam.create_user(UserName=user)
    iam.attach_user_policy(UserName=user, PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    arn = iam.get_user(UserName=user)["User"]["Arn"]
    results = iam.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["s3:ListBucket", "s3:PutObject"],
                                            ResourceArns=["arn:aws:s3:::b"])["EvaluationResults"]
    assert [(r["EvalResourceName"], r["EvalDecision"]) for r in results] == \
        [("arn:aws:s3:::b", "allowed"), ("arn:aws:s3:::b", "implicitDeny")]
    conditional = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:*", "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]})
    by_ip = iam.simulate_custom_policy(PolicyInputList=[conditional], ActionNames=["s3:GetObject"], ContextEntries=[
        {"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["10.1.1.1"], "ContextKeyType": "ip"}])
    assert by_ip["EvaluationResults"][0]["EvalDecision"] == "allowed"


def test_changes_publish_resource_change_events(server, client):
    from nimbus.core.events import RESOURCE_CHANGE
    seen = []
    server.runtime.events.subscribe(RESOURCE_CHANGE, seen.append)
    try:
        iam = client("iam")
        role, group, policy = unique("evr"), unique("evg"), unique("evp")
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
        iam.create_group(GroupName=group)
        arn = iam.create_policy(PolicyName=policy, PolicyDocument=ALLOW_S3)["Policy"]["Arn"]
        iam.delete_policy(PolicyArn=arn)
        server.runtime.events.flush()
    finally:
        server.runtime.events.unsubscribe(RESOURCE_CHANGE, seen.append)
    changes = {(e.resource_type, e.change) for e in seen if role in e.resource_arn or group in e.resource_arn
               or policy in e.resource_arn}
    assert changes == {("AWS::IAM::Role", "created"), ("AWS::IAM::Group", "created"),
                       ("AWS::IAM::Policy", "created"), ("AWS::IAM::Policy", "deleted")}
