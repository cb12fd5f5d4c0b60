"""``--enforce-iam``: calls are allowed only as IAM policies say, through boto3 and the AWS CLI.

Also: with enforcement off, the decision is still computed and recorded on the API-call event.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
from botocore.exceptions import ClientError

from nimbus.core.events import API_CALL
from tests.support import make_client, start_server, unique

ACCOUNT = "000000000000"


@pytest.fixture(scope="module")
def enforcing(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("enforce"), enforce_iam=True) as running:
        yield running


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


class Caller:
    """An IAM user with an access key, and clients signed with it."""

    def __init__(self, endpoint: str, account: str = ACCOUNT, inline: str | None = None,
                 managed: tuple[str, ...] = (), **create):
        self.endpoint = endpoint
        self.admin = make_client(endpoint, "iam", key="test" if account == ACCOUNT else account, secret="test")
        self.name = unique("user")
        self.arn = self.admin.create_user(UserName=self.name, **create)["User"]["Arn"]
        if inline:
            self.admin.put_user_policy(UserName=self.name, PolicyName="inline", PolicyDocument=inline)
        for arn in managed:
            self.admin.attach_user_policy(UserName=self.name, PolicyArn=arn)
        key = self.admin.create_access_key(UserName=self.name)["AccessKey"]
        self.key, self.secret = key["AccessKeyId"], key["SecretAccessKey"]

    def client(self, service: str):
        return make_client(self.endpoint, service, key=self.key, secret=self.secret)


def denied(call, *args, **kwargs) -> str:
    with pytest.raises(ClientError) as error:
        call(*args, **kwargs)
    response = error.value.response
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDenied", 403)
    return response["Error"]["Message"]


def test_user_without_policies_is_denied_but_knows_who_it_is(enforcing):
    caller = Caller(enforcing.endpoint)
    message = denied(caller.client("iam").list_users)
    assert message == (f"User: {caller.arn} is not authorized to perform: iam:ListUsers on resource: * "
                       "because no identity-based policy allows the iam:ListUsers action")
    # GetCallerIdentity needs no permission, as in AWS.
    assert caller.client("sts").get_caller_identity()["Arn"] == caller.arn
    # The account's root may do anything in its account.
    make_client(enforcing.endpoint, "iam").list_users()


def test_managed_policy_allows_and_detaching_takes_effect_at_once(enforcing):
    caller = Caller(enforcing.endpoint, managed=("arn:aws:iam::aws:policy/IAMReadOnlyAccess",))
    iam = caller.client("iam")
    assert any(u["UserName"] == caller.name for u in iam.list_users()["Users"])
    denied(iam.create_user, UserName=unique("x"))
    caller.admin.detach_user_policy(UserName=caller.name, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    denied(iam.list_users)
    # A customer managed policy: its default version decides.
    arn = caller.admin.create_policy(PolicyName=unique("p"), PolicyDocument=document(allow("iam:ListUsers")))
    arn = arn["Policy"]["Arn"]
    caller.admin.attach_user_policy(UserName=caller.name, PolicyArn=arn)
    iam.list_users()
    caller.admin.create_policy_version(PolicyArn=arn, PolicyDocument=document(allow("iam:ListRoles")),
                                       SetAsDefault=True)
    denied(iam.list_users)
    iam.list_roles()


def test_explicit_deny_wins(enforcing):
    caller = Caller(enforcing.endpoint, managed=("arn:aws:iam::aws:policy/AdministratorAccess",),
                    inline=document({"Effect": "Deny", "Action": "iam:Create*", "Resource": "*"}))
    iam = caller.client("iam")
    iam.list_users()
    message = denied(iam.create_user, UserName="blocked-user")
    assert message.startswith(f"User: {caller.arn} is not authorized to perform: iam:CreateUser on resource: "
                              "arn:aws:iam::000000000000:user/blocked-user")
    assert message.endswith("with an explicit deny in an identity-based policy")


def test_not_action_and_not_resource(enforcing):
    secret_user = unique("secret")
    make_client(enforcing.endpoint, "iam").create_user(UserName=secret_user)
    caller = Caller(enforcing.endpoint, inline=document(
        {"Effect": "Allow", "NotAction": ["iam:Delete*", "iam:Create*"], "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:GetUser", "NotResource": f"arn:aws:iam::{ACCOUNT}:user/user-*"}))
    iam = caller.client("iam")
    iam.list_roles()
    denied(iam.delete_user, UserName=secret_user)
    assert iam.get_user(UserName=caller.name)["User"]["UserName"] == caller.name
    assert "explicit deny" in denied(iam.get_user, UserName=secret_user)


def test_username_variable_scopes_a_user_to_itself(enforcing):
    other = Caller(enforcing.endpoint)
    caller = Caller(enforcing.endpoint, inline=document(
        allow(["iam:GetUser", "iam:ListAccessKeys"], f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}")))
    iam = caller.client("iam")
    assert iam.get_user()["User"]["UserName"] == caller.name
    assert len(iam.list_access_keys()["AccessKeyMetadata"]) == 1
    denied(iam.get_user, UserName=other.name)
    denied(iam.list_access_keys, UserName=other.name)


def test_source_ip_condition(enforcing):
    caller = Caller(enforcing.endpoint, inline=document(
        allow("iam:ListUsers", Condition={"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}),
        allow("iam:ListRoles", Condition={"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}})))
    iam = caller.client("iam")
    iam.list_users()
    denied(iam.list_roles)


def test_current_time_condition_follows_the_virtual_clock(tmp_path):
    with start_server(tmp_path, enforce_iam=True) as running:
        now = requests.get(f"{running.endpoint}/_nimbus/clock", timeout=5).json()["epoch"]
        until = __import__("datetime").datetime.fromtimestamp(now + 3600, tz=__import__("datetime").timezone.utc)
        caller = Caller(running.endpoint, inline=document(allow(
            "iam:ListUsers", Condition={"DateLessThan": {"aws:CurrentTime": until.strftime("%Y-%m-%dT%H:%M:%SZ")}})))
        iam = caller.client("iam")
        iam.list_users()
        requests.post(f"{running.endpoint}/_nimbus/clock", json={"advance_seconds": 7200},
                      timeout=5).raise_for_status()
        denied(iam.list_users)


def test_group_policies_apply_to_members(enforcing):
    admin = make_client(enforcing.endpoint, "iam")
    group = unique("readers")
    admin.create_group(GroupName=group)
    admin.attach_group_policy(GroupName=group, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    caller = Caller(enforcing.endpoint)
    iam = caller.client("iam")
    denied(iam.list_groups)
    admin.add_user_to_group(GroupName=group, UserName=caller.name)
    iam.list_groups()
    admin.put_group_policy(GroupName=group, PolicyName="deny", PolicyDocument=document(
        {"Effect": "Deny", "Action": "iam:ListGroups", "Resource": "*"}))
    denied(iam.list_groups)
    admin.remove_user_from_group(GroupName=group, UserName=caller.name)
    assert "no identity-based policy" in denied(iam.list_roles)


def test_permissions_boundary_narrows_what_policies_allow(enforcing):
    caller = Caller(enforcing.endpoint, managed=("arn:aws:iam::aws:policy/AdministratorAccess",),
                    PermissionsBoundary="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    iam = caller.client("iam")
    iam.list_users()
    assert denied(iam.create_group, GroupName=unique("g")).endswith(
        "because no permissions boundary allows the iam:CreateGroup action")


def trust(principal: dict) -> str:
    return document({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


def session_client(endpoint: str, credentials: dict, service: str):
    return make_client(endpoint, service, key=credentials["AccessKeyId"], secret=credentials["SecretAccessKey"],
                       token=credentials["SessionToken"])


def test_assumed_role_sessions_use_the_roles_policies(enforcing):
    admin = make_client(enforcing.endpoint, "iam")
    role = unique("reader")
    role_arn = admin.create_role(RoleName=role, AssumeRolePolicyDocument=trust({"AWS": ACCOUNT}))["Role"]["Arn"]
    admin.put_role_policy(RoleName=role, PolicyName="p", PolicyDocument=document(allow("iam:ListRoles")))
    creds = make_client(enforcing.endpoint, "sts").assume_role(RoleArn=role_arn, RoleSessionName="s1")["Credentials"]
    iam = session_client(enforcing.endpoint, creds, "iam")
    iam.list_roles()
    message = denied(iam.list_users)
    assert message.startswith(f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role}/s1 is not authorized")
    # A session policy narrows the session further.
    creds = make_client(enforcing.endpoint, "sts").assume_role(
        RoleArn=role_arn, RoleSessionName="narrow", Policy=document(allow("iam:GetRole")))["Credentials"]
    assert "session policy" in denied(session_client(enforcing.endpoint, creds, "iam").list_roles)


def test_trust_naming_the_account_needs_an_identity_policy_too(enforcing):
    admin = make_client(enforcing.endpoint, "iam")
    role_arn = admin.create_role(RoleName=unique("deleg"),
                                 AssumeRolePolicyDocument=trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))["Role"]["Arn"]
    caller = Caller(enforcing.endpoint)
    denied(caller.client("sts").assume_role, RoleArn=role_arn, RoleSessionName="s1")
    caller.admin.put_user_policy(UserName=caller.name, PolicyName="assume",
                                 PolicyDocument=document(allow("sts:AssumeRole", role_arn)))
    assert caller.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="s1")["Credentials"]
    # Naming the user itself in the trust policy is enough within the account.
    direct = Caller(enforcing.endpoint)
    direct_role = admin.create_role(RoleName=unique("direct"),
                                    AssumeRolePolicyDocument=trust({"AWS": direct.arn}))["Role"]["Arn"]
    assert direct.client("sts").assume_role(RoleArn=direct_role, RoleSessionName="s1")["Credentials"]


def test_cross_account_assume_role_needs_trust_and_permission(enforcing):
    other_account = "111111111111"
    other_iam = make_client(enforcing.endpoint, "iam", key=other_account, secret="x")
    role = unique("xacct")
    role_arn = other_iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust({"AWS": ACCOUNT}))["Role"]["Arn"]
    other_iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    caller = Caller(enforcing.endpoint, inline=document(allow("sts:AssumeRole", role_arn)))
    creds = caller.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="x1")["Credentials"]
    session = session_client(enforcing.endpoint, creds, "iam")
    assert all(r["Arn"].split(":")[4] == other_account for r in session.list_roles()["Roles"])
    denied(session.create_user, UserName=unique("no"))
    untrusted = Caller(enforcing.endpoint, account="222222222222",
                       inline=document(allow("sts:AssumeRole", role_arn)))
    assert denied(untrusted.client("sts").assume_role, RoleArn=role_arn, RoleSessionName="x1") == (
        f"User: {untrusted.arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")


def test_aws_cli_is_denied_and_allowed(enforcing):
    caller = Caller(enforcing.endpoint)
    aws = Path(sys.executable).with_name("aws")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": caller.key, "AWS_SECRET_ACCESS_KEY": caller.secret,
           "AWS_DEFAULT_REGION": "us-east-1"}
    command = [str(aws), "iam", "list-users", "--endpoint-url", enforcing.endpoint, "--output", "json"]
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "AccessDenied" in out.stderr and "iam:ListUsers" in out.stderr
    caller.admin.attach_user_policy(UserName=caller.name, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert caller.name in out.stdout


def test_decision_is_recorded_when_not_enforced(server, endpoint):
    caller = Caller(endpoint)
    seen, done = [], threading.Event()

    def on_call(event):
        if event.principal.get("arn") == caller.arn and event.operation == "ListUsers":
            seen.append(event)
            done.set()

    server.runtime.events.subscribe(API_CALL, on_call)
    try:
        caller.client("iam").list_users()  # allowed: enforcement is off
        assert done.wait(10)
    finally:
        server.runtime.events.unsubscribe(API_CALL, on_call)
    decision = seen[0].authorization
    assert decision["allowed"] is False and decision["enforced"] is False
    assert decision["action"] == "iam:ListUsers"
    assert decision["message"].endswith("because no identity-based policy allows the iam:ListUsers action")
    assert seen[0].error_code is None


def test_policies_survive_a_restart(tmp_path):
    with start_server(tmp_path, enforce_iam=True) as first:
        caller = Caller(first.endpoint, managed=("arn:aws:iam::aws:policy/IAMReadOnlyAccess",),
                        inline=document({"Effect": "Deny", "Action": "iam:ListRoles", "Resource": "*"}))
    with start_server(tmp_path, enforce_iam=True) as second:
        caller.endpoint = second.endpoint
        iam = caller.client("iam")
        # IAM is loaded lazily: the authorizer must find the user's policies all the same.
        assert any(u["UserName"] == caller.name for u in iam.list_users()["Users"])
        denied(iam.list_roles)


def test_boundary_can_be_put_and_removed(enforcing):
    caller = Caller(enforcing.endpoint, managed=("arn:aws:iam::aws:policy/IAMReadOnlyAccess",))
    iam = caller.client("iam")
    iam.list_roles()
    caller.admin.put_user_permissions_boundary(UserName=caller.name,
                                               PermissionsBoundary="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    assert caller.admin.get_user(UserName=caller.name)["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == \
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    denied(iam.list_roles)
    caller.admin.delete_user_permissions_boundary(UserName=caller.name)
    iam.list_roles()


def test_principal_tag_conditions(enforcing):
    by_team = document(allow("iam:ListRoles", Condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}}))
    caller = Caller(enforcing.endpoint, inline=by_team, Tags=[{"Key": "team", "Value": "blue"}])
    iam = caller.client("iam")
    iam.list_roles()
    caller.admin.tag_user(UserName=caller.name, Tags=[{"Key": "team", "Value": "red"}])
    denied(iam.list_roles)
    # A role session's tags override the role's own.
    admin = make_client(enforcing.endpoint, "iam")
    role = unique("tagged")
    role_arn = admin.create_role(RoleName=role, AssumeRolePolicyDocument=trust({"AWS": ACCOUNT}),
                                 Tags=[{"Key": "team", "Value": "blue"}])["Role"]["Arn"]
    admin.put_role_policy(RoleName=role, PolicyName="p", PolicyDocument=by_team)
    sts = make_client(enforcing.endpoint, "sts")
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="s1")["Credentials"]
    session_client(enforcing.endpoint, creds, "iam").list_roles()
    # Session tags need the trust policy to allow sts:TagSession too.
    denied(sts.assume_role, RoleArn=role_arn, RoleSessionName="s2", Tags=[{"Key": "team", "Value": "red"}])
    admin.update_assume_role_policy(RoleName=role, PolicyDocument=document(
        {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": ["sts:AssumeRole", "sts:TagSession"]}))
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="s2", Tags=[{"Key": "team", "Value": "red"}])
    denied(session_client(enforcing.endpoint, creds["Credentials"], "iam").list_roles)
