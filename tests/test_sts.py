"""STS through boto3 and the AWS CLI against a real nimbus server."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.support import advance_clock, unique


def test_default_identity_is_the_default_accounts_root(client):
    identity = client("sts").get_caller_identity()
    assert identity["Account"] == "000000000000"
    assert identity["Arn"] == "arn:aws:iam::000000000000:root"


def test_twelve_digit_key_id_is_that_account(client):
    identity = client("sts", key="123456789012", secret="anything").get_caller_identity()
    assert identity["Account"] == "123456789012"


def test_unknown_key_maps_to_default_account(client):
    identity = client("sts", key="SOMEUNKNOWNKEY", secret="x").get_caller_identity()
    assert identity["Account"] == "000000000000"


def test_known_key_with_wrong_secret_is_rejected(client):
    with pytest.raises(ClientError) as error:
        client("sts", key="test", secret="wrong").get_caller_identity()
    assert error.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_session_token_credentials_sign_later_calls_and_expire_on_the_virtual_clock(client, endpoint):
    creds = client("sts").get_session_token(DurationSeconds=900)["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    session = client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])
    assert session.get_caller_identity()["Arn"] == "arn:aws:iam::000000000000:root"

    wrong_token = client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token="bogus")
    with pytest.raises(ClientError) as error:
        wrong_token.get_caller_identity()
    assert error.value.response["Error"]["Code"] == "InvalidClientTokenId"

    advance_clock(endpoint, 901)
    with pytest.raises(ClientError) as error:
        session.get_caller_identity()
    assert error.value.response["Error"]["Code"] == "ExpiredToken"


def trust(*principals: str, **condition) -> str:
    statement = {"Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def make_role(client, account: str, name: str, trust_policy: str, **extra) -> str:
    iam = client("iam", key=account, secret="x")
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_policy, **extra)["Role"]["Arn"]


def denied(call, **kwargs) -> str:
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    assert error.value.response["Error"]["Code"] == "AccessDenied"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    return error.value.response["Error"]["Message"]


def test_assume_role_credentials_act_as_the_role(client):
    name = unique("Builder")
    role_arn = make_role(client, "111122223333", name, trust("000000000000"), Path="/deploy/", MaxSessionDuration=7200)
    assert role_arn == f"arn:aws:iam::111122223333:role/deploy/{name}"
    result = client("sts").assume_role(RoleArn=role_arn, RoleSessionName="ci-run", DurationSeconds=1800)
    assert result["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::111122223333:assumed-role/{name}/ci-run"
    creds = result["Credentials"]
    role = client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"],
                  region="eu-west-1")
    identity = role.get_caller_identity()
    assert identity["Account"] == "111122223333"
    assert identity["Arn"] == result["AssumedRoleUser"]["Arn"]
    assert identity["UserId"] == result["AssumedRoleUser"]["AssumedRoleId"]
    assert identity["UserId"].endswith(":ci-run")
    assert identity["UserId"].startswith(client("iam", key="111122223333", secret="x")
                                         .get_role(RoleName=name)["Role"]["RoleId"])
    with pytest.raises(ClientError) as error:
        role.get_session_token()
    assert error.value.response["Error"]["Code"] == "AccessDenied"


def test_assume_role_needs_an_existing_role_that_trusts_the_caller(client):
    sts = client("sts")
    missing = "arn:aws:iam::111122223333:role/" + unique("nobody")
    message = denied(sts.assume_role, RoleArn=missing, RoleSessionName="s1")
    assert message == ("User: arn:aws:iam::000000000000:root is not authorized to perform: sts:AssumeRole "
                       f"on resource: {missing}")
    # Trusting another account only.
    other = make_role(client, "111122223333", unique("other"), trust("444455556666"))
    denied(sts.assume_role, RoleArn=other, RoleSessionName="s1")
    assert client("sts", key="444455556666", secret="x").assume_role(RoleArn=other, RoleSessionName="s1")
    # The same name under another path is not the role.
    denied(sts.assume_role, RoleArn=other.replace(":role/", ":role/elsewhere/"), RoleSessionName="s1")


def test_assume_role_trust_conditions_and_service_principals(client):
    sts = client("sts")
    external = make_role(client, "111122223333", unique("ext"),
                         trust("arn:aws:iam::000000000000:root", StringEquals={"sts:ExternalId": "secret-42"}))
    denied(sts.assume_role, RoleArn=external, RoleSessionName="s1")
    denied(sts.assume_role, RoleArn=external, RoleSessionName="s1", ExternalId="wrong-value")
    assert sts.assume_role(RoleArn=external, RoleSessionName="s1", ExternalId="secret-42")["Credentials"]
    service_only = make_role(client, "000000000000", unique("svc"), json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}))
    denied(sts.assume_role, RoleArn=service_only, RoleSessionName="s1")


def test_assume_role_duration_is_capped_by_the_role(client):
    role_arn = make_role(client, "111122223333", unique("short"), trust("000000000000"))
    with pytest.raises(ClientError) as error:
        client("sts").assume_role(RoleArn=role_arn, RoleSessionName="s1", DurationSeconds=7200)
    assert error.value.response["Error"]["Code"] == "ValidationError"
    assert "MaxSessionDuration" in error.value.response["Error"]["Message"]


def test_assume_role_validates_input(client):
    sts = client("sts")
    with pytest.raises(ClientError) as error:
        sts.assume_role(RoleArn="arn:aws:iam::111122223333:role/x", RoleSessionName="ss", DurationSeconds=100000)
    assert error.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(ClientError) as error:
        sts.assume_role(RoleArn="not-an-arn-but-long-enough", RoleSessionName="ss")
    assert error.value.response["Error"]["Code"] == "ValidationError"


def test_aws_cli_get_caller_identity(endpoint):
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}
    aws = Path(sys.executable).with_name("aws")
    out = subprocess.run([str(aws), "sts", "get-caller-identity", "--endpoint-url", endpoint, "--output", "json"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["Account"] == "000000000000"


def test_without_enforcement_only_the_trust_policy_binds(client):
    iam = client("iam")
    user = unique("nopolicy")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    as_user = client("sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    # The trust policy delegates to the account; the user's (absent) policies are not enforced.
    delegated = make_role(client, "000000000000", unique("deleg"), trust("000000000000"))
    assert as_user.assume_role(RoleArn=delegated, RoleSessionName="s1")["Credentials"]
    # A trust policy that does not name the account still refuses.
    elsewhere = make_role(client, "000000000000", unique("else"), trust("999999999999"))
    denied(as_user.assume_role, RoleArn=elsewhere, RoleSessionName="s1")
