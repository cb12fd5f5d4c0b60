"""STS through boto3 and the AWS CLI against a real nimbus server."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from botocore.exceptions import ClientError

from tests.conftest import make_client


def advance(endpoint: str, seconds: float) -> None:
    requests.post(f"{endpoint}/_nimbus/clock", json={"advance_seconds": seconds}, timeout=5).raise_for_status()


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

    advance(endpoint, 901)
    with pytest.raises(ClientError) as error:
        session.get_caller_identity()
    assert error.value.response["Error"]["Code"] == "ExpiredToken"


def test_assume_role_credentials_act_as_the_role(client):
    role_arn = "arn:aws:iam::111122223333:role/deploy/Builder"
    result = client("sts").assume_role(RoleArn=role_arn, RoleSessionName="ci-run", DurationSeconds=1800)
    assert result["AssumedRoleUser"]["Arn"] == "arn:aws:sts::111122223333:assumed-role/Builder/ci-run"
    creds = result["Credentials"]
    role = client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"],
                  region="eu-west-1")
    identity = role.get_caller_identity()
    assert identity["Account"] == "111122223333"
    assert identity["Arn"] == result["AssumedRoleUser"]["Arn"]
    assert identity["UserId"] == result["AssumedRoleUser"]["AssumedRoleId"]
    assert identity["UserId"].endswith(":ci-run")
    with pytest.raises(ClientError) as error:
        role.get_session_token()
    assert error.value.response["Error"]["Code"] == "AccessDenied"


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
