"""Temporary credentials keep AWS's limits: what GetSessionToken's credentials may call (MFA for IAM), a
root session's one hour, MFA in policies, and a role session that outlives its role."""
from __future__ import annotations

import json

import pytest

from tests.support import error_of, make_client, mfa_login, new_mfa_device, session_client, start_server, unique

TRUST_ACCOUNT = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"}, "Action": "sts:AssumeRole"}]})


def policy(action: str, **condition) -> str:
    statement = {"Effect": "Allow", "Action": action, "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def session(endpoint: str, credentials: dict, service: str):
    return session_client(endpoint, credentials, service)


@pytest.fixture(scope="module")
def enforcing(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("sessions"), enforce_iam=True) as running:
        yield running


def root_mfa(endpoint: str) -> dict:
    """SerialNumber and TokenCode of a virtual device no user holds, which the account's root may use."""
    return mfa_login(endpoint, *new_mfa_device(make_client(endpoint, "iam"), endpoint))


def user_keys(endpoint: str, *policies: str) -> dict:
    """A new user's long-term key (as a credentials dict without token), with these inline policies."""
    iam = make_client(endpoint, "iam")
    name = unique("user")
    iam.create_user(UserName=name)
    for number, document in enumerate(policies):
        iam.put_user_policy(UserName=name, PolicyName=f"p{number}", PolicyDocument=document)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"], "SessionToken": None}


def test_session_token_credentials_cannot_call_iam_without_mfa(client, endpoint):
    plain = session(endpoint, client("sts").get_session_token()["Credentials"], "iam")
    assert error_of(plain.list_users) == ("InvalidClientTokenId", 403)
    with_mfa = session(endpoint, client("sts").get_session_token(**root_mfa(endpoint))["Credentials"], "iam")
    assert "Users" in with_mfa.list_users()


def test_session_token_credentials_call_only_assume_role_and_get_caller_identity_in_sts(client, endpoint):
    sts = session(endpoint, client("sts").get_session_token(**root_mfa(endpoint))["Credentials"], "sts")
    assert sts.get_caller_identity()["Account"] == "000000000000"
    role = client("iam").create_role(RoleName=unique("r"), AssumeRolePolicyDocument=TRUST_ACCOUNT)["Role"]
    assert sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1")["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert error_of(sts.get_session_token).worded == (
        "AccessDenied", "Cannot call GetSessionToken with session credentials")
    assert error_of(sts.get_access_key_info, AccessKeyId="AKIAIOSFODNN7EXAMPLE").worded == (
        "AccessDenied", "Cannot call GetAccessKeyInfo with session credentials")


def test_a_root_session_lasts_at_most_an_hour(client, endpoint):
    now = client("sts").get_session_token(DurationSeconds=900)["Credentials"]["Expiration"]
    longest = client("sts").get_session_token(DurationSeconds=129600)["Credentials"]["Expiration"]
    default = client("sts").get_session_token()["Credentials"]["Expiration"]
    assert 2690 <= (longest - now).total_seconds() <= 2710
    assert longest == default


def test_a_user_session_lasts_as_long_as_asked(enforcing):
    keys = user_keys(enforcing.endpoint)
    user = make_client(enforcing.endpoint, "sts", key=keys["AccessKeyId"], secret=keys["SecretAccessKey"])
    short = user.get_session_token(DurationSeconds=900)["Credentials"]["Expiration"]
    long = user.get_session_token(DurationSeconds=129600)["Credentials"]["Expiration"]
    assert 128690 <= (long - short).total_seconds() <= 128710


def test_mfa_given_to_get_session_token_is_aws_multi_factor_auth_present(enforcing):
    keys = user_keys(enforcing.endpoint, policy("sns:ListTopics", Bool={"aws:MultiFactorAuthPresent": "true"}))
    user = make_client(enforcing.endpoint, "sts", key=keys["AccessKeyId"], secret=keys["SecretAccessKey"])
    name = user.get_caller_identity()["Arn"].rpartition("/")[2]
    device = new_mfa_device(make_client(enforcing.endpoint, "iam"), enforcing.endpoint, user=name)
    mfa = mfa_login(enforcing.endpoint, *device)
    assert "Topics" in session(enforcing.endpoint, user.get_session_token(**mfa)["Credentials"], "sns").list_topics()
    without = session(enforcing.endpoint, user.get_session_token()["Credentials"], "sns")
    assert error_of(without.list_topics).status == 403
    # Long-term keys carry no MFA at all (the key is absent, so the condition does not match).
    long_term = make_client(enforcing.endpoint, "sns", key=keys["AccessKeyId"], secret=keys["SecretAccessKey"])
    assert error_of(long_term.list_topics).status == 403


def test_a_role_re_created_under_its_name_does_not_revive_old_sessions(enforcing):
    iam, sts = make_client(enforcing.endpoint, "iam"), make_client(enforcing.endpoint, "sts")
    name = unique("role")

    def create_role() -> str:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_ACCOUNT)["Role"]["Arn"]
        iam.put_role_policy(RoleName=name, PolicyName="topics", PolicyDocument=policy("sns:ListTopics"))
        return arn

    arn = create_role()
    old = session(enforcing.endpoint, sts.assume_role(RoleArn=arn, RoleSessionName="s1")["Credentials"], "sns")
    assert "Topics" in old.list_topics()
    iam.delete_role_policy(RoleName=name, PolicyName="topics")
    iam.delete_role(RoleName=name)
    create_role()
    new = session(enforcing.endpoint, sts.assume_role(RoleArn=arn, RoleSessionName="s1")["Credentials"], "sns")
    assert "Topics" in new.list_topics()
    assert error_of(old.list_topics).status == 403
