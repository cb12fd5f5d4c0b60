"""IAM's account-level features: ListPoliciesGrantingServiceAccess from the real policies of a user (and its
groups), a group or a role; and the account's properties (Get/PutAccountProperties)."""
from __future__ import annotations

import json

from tests.support import aws_cli, error_of, unique


def _policy(*actions: str, effect: str = "Allow", key: str = "Action") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": effect, key: list(actions),
                                                               "Resource": "*"}]})


def test_policies_granting_service_access_for_a_user_and_its_groups(aws, account):
    iam = aws("iam")
    user, group = unique("u"), unique("g")
    iam.create_user(UserName=user)
    iam.create_group(GroupName=group)
    iam.add_user_to_group(UserName=user, GroupName=group)
    iam.put_user_policy(UserName=user, PolicyName="s3-read", PolicyDocument=_policy("s3:Get*"))
    iam.put_user_policy(UserName=user, PolicyName="deny-kms", PolicyDocument=_policy("kms:*", effect="Deny"))
    iam.put_group_policy(GroupName=group, PolicyName="all-but-iam", PolicyDocument=_policy("iam:*", key="NotAction"))
    managed = iam.create_policy(PolicyName=unique("p"), PolicyDocument=_policy("S3:PutObject", "sns:Publish"))["Policy"]
    iam.attach_user_policy(UserName=user, PolicyArn=managed["Arn"])
    user_arn = iam.get_user(UserName=user)["User"]["Arn"]

    answer = iam.list_policies_granting_service_access(Arn=user_arn, ServiceNamespaces=["s3", "iam", "kms"])
    by_service = {s["ServiceNamespace"]: s["Policies"] for s in answer["PoliciesGrantingServiceAccess"]}
    assert by_service["s3"] == [
        {"PolicyName": "s3-read", "PolicyType": "INLINE", "EntityType": "USER", "EntityName": user},
        {"PolicyName": managed["PolicyName"], "PolicyType": "MANAGED", "PolicyArn": managed["Arn"]},
        {"PolicyName": "all-but-iam", "PolicyType": "INLINE", "EntityType": "GROUP", "EntityName": group}]
    assert by_service["iam"] == []  # NotAction iam:* grants everything else, not IAM
    # a Deny grants nothing; the group's NotAction does grant KMS
    assert [p["PolicyName"] for p in by_service["kms"]] == ["all-but-iam"]
    assert answer["IsTruncated"] is False

    group_arn = iam.get_group(GroupName=group)["Group"]["Arn"]
    group_answer = iam.list_policies_granting_service_access(Arn=group_arn, ServiceNamespaces=["s3"])
    assert [p["PolicyName"] for p in group_answer["PoliciesGrantingServiceAccess"][0]["Policies"]] == ["all-but-iam"]


def test_policies_granting_service_access_for_a_role_and_errors(aws, account):
    iam = aws("iam")
    role = unique("r")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                "Principal": {"AWS": f"arn:aws:iam::{account}:root"}}]})
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    answer = iam.list_policies_granting_service_access(Arn=role_arn, ServiceNamespaces=["s3", "sqs"])
    assert answer["PoliciesGrantingServiceAccess"] == [
        {"ServiceNamespace": "s3", "Policies": [{"PolicyName": "AmazonS3ReadOnlyAccess", "PolicyType": "MANAGED",
                                                 "PolicyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}]},
        {"ServiceNamespace": "sqs", "Policies": []}]
    missing = f"arn:aws:iam::{account}:role/{unique('nobody')}"
    assert error_of(iam.list_policies_granting_service_access, Arn=missing, ServiceNamespaces=["s3"]) == \
        ("NoSuchEntity", 404)
    assert error_of(iam.list_policies_granting_service_access, Arn=f"arn:aws:s3:::{unique('b')}",
                    ServiceNamespaces=["s3"]) == ("InvalidInput", 400)


def test_account_properties(aws):
    iam = aws("iam")
    assert iam.get_account_properties()["Properties"] == {}
    iam.put_account_properties(Properties={"RoleManager/Enabled": "true", "RoleManager/Mode": "audit"})
    iam.put_account_properties(Properties={"RoleManager/Mode": "enforce"})
    assert iam.get_account_properties()["Properties"] == {"RoleManager/Enabled": "true", "RoleManager/Mode": "enforce"}
    for bad in ({"NoNamespace": "x"}, {"A/B/C": "x"}, {"A/": "x"}, {"One/x": "1", "Two/y": "2"}):
        assert error_of(iam.put_account_properties, Properties=bad) == ("InvalidInput", 400), bad


def test_policies_granting_service_access_through_the_cli(client, endpoint):
    iam = client("iam")  # the CLI signs as test/test: the default account
    user = unique("cli")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="logs", PolicyDocument=_policy("logs:PutLogEvents"))
    arn = iam.get_user(UserName=user)["User"]["Arn"]
    answer = aws_cli(endpoint, "iam", "list-policies-granting-service-access", "--arn", arn,
                     "--service-namespaces", "logs")
    assert answer["PoliciesGrantingServiceAccess"] == [{"ServiceNamespace": "logs", "Policies": [
        {"PolicyName": "logs", "PolicyType": "INLINE", "EntityType": "USER", "EntityName": user}]}]
