"""IAM's grammar for policy documents and paths, its per-operation response shapes, renames that keep ids,
and tags on managed policies and instance profiles, through boto3."""
from __future__ import annotations

import json

import pytest

from tests.support import error_of, make_client, unique

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def statement(**fields) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **fields}]})


@pytest.mark.parametrize("document, message", [
    (json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
     "Policy document must be version 2012-10-17 or greater."),
    (statement(Action="s3:GetObject", Resource="bucket/key"), 'Resource bucket/key must be in ARN format or "*".'),
    (statement(Action="s3:GetObject", Resource="arn:nope:s3:::b"),
     'Partition "nope" is not valid for resource "arn:nope:s3:*:*:b".'),
    (statement(Action="s3:GetObject", Resource="arn:aws:s3*:::b"),
     "Resource vendor must be fully qualified and cannot contain regexes."),
    (statement(Action="iam:GetUser", Resource="arn:aws:iam:us-east-1:123456789012:user/x"),
     "IAM resource arn:aws:iam:us-east-1:123456789012:user/x cannot contain region information."),
    (statement(Action="iam:GetUser", Resource="arn:aws:iam::123456789012:person/x"),
     'IAM resource path must either be "*" or start with user/'),
    (statement(Action="s3:Get:Object", Resource="*"), "Actions/Condition can contain only one colon."),
    (statement(Action="s3 x:GetObject", Resource="*"), "Vendor s3 x is not valid"),
    (statement(Action="GetObject", Resource="*"),
     "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
])
def test_policies_follow_iams_grammar(client, document, message):
    assert error_of(client("iam").create_policy, PolicyName=unique("bad"), PolicyDocument=document).message \
        .startswith(message)


def test_odd_but_valid_policies_are_accepted(client):
    iam = client("iam")
    odd = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Odd1", "Effect": "Allow", "Action": ["ec2:Describe*.?", "a-b.c:x", "*"],
         "Resource": ["arn:aws:s3:::b/*", "arn:aws-cn:ec2:*:*:*", "arn:aws:iam::123456789012:user/${aws:username}"],
         "Condition": {"StringEquals": {}, "Whatever": {}}}]})
    iam.create_policy(PolicyName=unique("odd"), PolicyDocument=odd)
    # Inline policies may still be in the 2008 language; only managed policies must be 2012-10-17.
    name = unique("u")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="old", PolicyDocument=json.dumps(
        {"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))


def test_paths_follow_the_models_pattern(client):
    iam = client("iam")
    for path in ("no-slash", "/no-trailing", "/with space/"):
        error = error_of(iam.create_user, UserName=unique("u"), Path=path)
        assert error == ("ValidationError", 400)
        assert "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)" \
            in error.message
    assert error_of(iam.create_instance_profile, InstanceProfileName=unique("p"), Path="x") == \
        ("ValidationError", 400)
    assert iam.create_user(UserName=unique("u"), Path="/a/b/")["User"]["Path"] == "/a/b/"


def test_response_shapes_are_each_operations_own(client):
    iam = client("iam")
    boundary = iam.create_policy(PolicyName=unique("b"), PolicyDocument=statement(Action="s3:*", Resource="*"),
                                 Description="kept")["Policy"]
    assert "Description" not in boundary and "Tags" not in boundary
    got = iam.get_policy(PolicyArn=boundary["Arn"])["Policy"]
    assert got["Tags"] == [] and got["Description"] == "kept"
    user, role = unique("u"), unique("r")
    tags = [{"Key": "team", "Value": "a"}]
    iam.create_user(UserName=user, Tags=tags, PermissionsBoundary=boundary["Arn"])
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST, Tags=tags, PermissionsBoundary=boundary["Arn"])
    [listed_user] = [u for u in iam.list_users()["Users"] if u["UserName"] == user]
    [listed_role] = [r for r in iam.list_roles()["Roles"] if r["RoleName"] == role]
    for listed in (listed_user, listed_role):
        assert "Tags" not in listed and "PermissionsBoundary" not in listed
    assert iam.get_user(UserName=user)["User"]["Tags"] == tags
    assert iam.get_role(RoleName=role)["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary["Arn"]
    twice = [{"Key": "k", "Value": "1"}, {"Key": "K", "Value": "2"}]
    for call, args in ((iam.create_user, {"UserName": unique("u")}), (iam.tag_user, {"UserName": user}),
                       (iam.create_policy, {"PolicyName": unique("p"), "PolicyDocument": statement(
                           Action="s3:*", Resource="*")})):
        assert error_of(call, Tags=twice, **args) == ("InvalidInput", 400)


def test_renames_keep_ids_groups_and_keys(client, endpoint):
    iam = client("iam")
    old, new, group, new_group = unique("u"), unique("u"), unique("g"), unique("g")
    user_id = iam.create_user(UserName=old)["User"]["UserId"]
    group_id = iam.create_group(GroupName=group)["Group"]["GroupId"]
    iam.add_user_to_group(GroupName=group, UserName=old)
    key = iam.create_access_key(UserName=old)["AccessKey"]
    iam.update_user(UserName=old, NewUserName=new, NewPath="/moved/")
    renamed = iam.get_user(UserName=new)["User"]
    assert renamed["UserId"] == user_id and renamed["Arn"].endswith(f":user/moved/{new}")
    assert error_of(iam.get_user, UserName=old) == ("NoSuchEntity", 404)
    assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName=new)["AccessKeyMetadata"]] == [key["AccessKeyId"]]
    sts = make_client(endpoint, "sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert sts.get_caller_identity()["Arn"] == renamed["Arn"]

    iam.update_group(GroupName=group, NewGroupName=new_group)
    got = iam.get_group(GroupName=new_group)
    assert got["Group"]["GroupId"] == group_id and [u["UserName"] for u in got["Users"]] == [new]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName=new)["Groups"]] == [new_group]
    other = unique("u")
    iam.create_user(UserName=other)
    assert error_of(iam.update_user, UserName=other, NewUserName=new.upper()) == ("EntityAlreadyExists", 409)
    assert error_of(iam.update_user, UserName=unique("missing"), NewUserName="x") == ("NoSuchEntity", 404)


def test_tags_on_policies_and_instance_profiles(client):
    iam = client("iam")
    arn = iam.create_policy(PolicyName=unique("p"), PolicyDocument=statement(Action="s3:*", Resource="*"),
                            Tags=[{"Key": "a", "Value": "1"}])["Policy"]["Arn"]
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "b", "Value": "2"}])
    iam.untag_policy(PolicyArn=arn, TagKeys=["a"])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Tags"] == [{"Key": "b", "Value": "2"}]
    profile = unique("ip")
    iam.create_instance_profile(InstanceProfileName=profile)
    iam.tag_instance_profile(InstanceProfileName=profile, Tags=[{"Key": "c", "Value": "3"}])
    assert iam.list_instance_profile_tags(InstanceProfileName=profile)["Tags"] == [{"Key": "c", "Value": "3"}]
    iam.untag_instance_profile(InstanceProfileName=profile, TagKeys=["c"])
    assert iam.list_instance_profile_tags(InstanceProfileName=profile)["Tags"] == []
    assert error_of(iam.tag_policy, PolicyArn=arn + "x", Tags=[{"Key": "d", "Value": "4"}]) == ("NoSuchEntity", 404)
