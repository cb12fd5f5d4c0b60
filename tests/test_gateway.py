"""The gateway: admin endpoints, routing, errors for what nimbus cannot serve, strict auth."""
from __future__ import annotations

import datetime as dt

import botocore.auth
import pytest
import requests
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from nimbus.core.secrets import root_key
from tests.support import make_client, root_client, send_signed, start_server, unique


@pytest.fixture
def fresh(tmp_path):
    with start_server(tmp_path) as running:
        yield running


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("strict"), strict_auth=True) as running:
        yield running


def test_health_lists_services_and_loads_them_lazily(fresh):
    health = requests.get(f"{fresh.endpoint}/_nimbus/health", timeout=5).json()
    assert health["services"]["sts"] == "available"
    assert health["version"]
    make_client(fresh.endpoint, "sts").get_caller_identity()
    health = requests.get(f"{fresh.endpoint}/_nimbus/health", timeout=5).json()
    assert health["services"]["sts"] == "loaded"
    assert health["services"]["iam"] == "available"


def test_clock_moves_forward_only(fresh):
    before = requests.get(f"{fresh.endpoint}/_nimbus/clock", timeout=5).json()
    after = requests.post(f"{fresh.endpoint}/_nimbus/clock", json={"advance_seconds": 86400}, timeout=5).json()
    assert after["epoch"] - before["epoch"] >= 86400
    assert requests.post(f"{fresh.endpoint}/_nimbus/clock", json={"advance_seconds": -1}, timeout=5).status_code == 400
    assert requests.post(f"{fresh.endpoint}/_nimbus/clock", data=b"{nope", timeout=5,
                         headers={"Content-Type": "application/json"}).status_code == 400


def test_reset_wipes_state(fresh):
    iam = make_client(fresh.endpoint, "iam")
    iam.create_user(UserName="temporary")
    assert requests.post(f"{fresh.endpoint}/_nimbus/reset", json={}, timeout=5).status_code == 200
    with pytest.raises(ClientError) as error:
        iam.get_user(UserName="temporary")
    assert error.value.response["Error"]["Code"] == "NoSuchEntity"


def test_reset_retires_providers_and_their_clock_timers(fresh):
    """A provider a reset replaced must not keep reacting to clock jumps (nor pile up across resets)."""
    def load_scheduled_services():
        make_client(fresh.endpoint, "kinesis").list_streams()
        make_client(fresh.endpoint, "firehose").list_delivery_streams()
        make_client(fresh.endpoint, "s3").list_buckets()
        return fresh.runtime.services.get("kinesis").provider

    retired = load_scheduled_services()
    timers = len(fresh.runtime.clock._on_advance)
    for _ in range(3):
        assert requests.post(f"{fresh.endpoint}/_nimbus/reset", json={}, timeout=5).status_code == 200
        current = load_scheduled_services()
    assert retired.closed and not current.closed
    assert len(fresh.runtime.clock._on_advance) == timers
    assert requests.post(f"{fresh.endpoint}/_nimbus/clock", json={"advance_seconds": 60}, timeout=30).status_code == 200


def test_unimplemented_operation_is_a_clear_501(client):
    with pytest.raises(ClientError) as error:
        client("sts").assume_root(TargetPrincipal="123456789012", TaskPolicyArn={
            "arn": "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"})
    response = error.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert response["Error"]["Code"] == "NotImplemented"
    assert "AssumeRoot" in response["Error"]["Message"]


def test_unknown_query_action(endpoint):
    response = send_signed(endpoint, "sts", "Action=Frobnicate&Version=2011-06-15",
                      {"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400
    assert b"<Code>InvalidAction</Code>" in response.content


def test_unknown_json_target(endpoint):
    response = send_signed(endpoint, "sts", "{}", {"Content-Type": "application/x-amz-json-1.1",
                                              "X-Amz-Target": "NoSuchService_2020.Do"})
    assert 400 <= response.status_code < 500
    assert response.json()["__type"]


def test_unknown_service(endpoint):
    response = send_signed(endpoint, "nosuchsvc", "Action=Do", {"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400
    assert b"UnknownService" in response.content


def test_missing_required_parameter(endpoint):
    response = send_signed(endpoint, "iam", "Action=CreateUser&Version=2010-05-08",
                      {"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400
    assert b"<Code>ValidationError</Code>" in response.content
    assert b"userName" in response.content or b"UserName" in response.content


def test_oversize_body_is_413(endpoint, server):
    limit = server.config.max_body_bytes
    response = requests.post(endpoint + "/", data=b"x" * (limit + 1),
                             headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30)
    assert response.status_code == 413
    assert b"RequestEntityTooLarge" in response.content


def test_strict_rejects_unknown_keys_and_unsigned_calls(strict):
    with pytest.raises(ClientError) as error:
        make_client(strict.endpoint, "sts", key="AKIAUNKNOWNKEY000000", secret="x").get_caller_identity()
    assert error.value.response["Error"]["Code"] == "InvalidClientTokenId"
    response = requests.post(strict.endpoint + "/", data="Action=GetCallerIdentity&Version=2011-06-15",
                             headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=5)
    assert response.status_code == 403
    assert b"MissingAuthenticationToken" in response.content
    assert root_client(strict, "sts").get_caller_identity()["Account"] == "000000000000"


def test_strict_rejects_stale_signatures(strict, monkeypatch):
    key, secret = root_key(strict.config.data_dir)
    stale = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=20)
    # Only botocore's signing clock: patching datetime itself would reach the server's threads too.
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda remove_tzinfo=True: stale)
    response = send_signed(strict.endpoint, "sts", "Action=GetCallerIdentity&Version=2011-06-15",
                      {"Content-Type": "application/x-www-form-urlencoded"}, key=key, secret=secret)
    assert response.status_code in (400, 403)
    assert b"RequestExpired" in response.content or b"Signature expired" in response.content


def test_region_comes_from_the_credential_scope(client):
    # A role session's ARN carries no region, but the request must be accepted in any region.
    for region in ("eu-central-1", "ap-southeast-2"):
        assert client("sts", region=region).get_caller_identity()["Account"] == "000000000000"


def test_presigned_query_string_routes_and_authenticates(endpoint):
    from botocore.auth import SigV4QueryAuth
    request = AWSRequest(method="GET", url=f"{endpoint}/?Action=GetCallerIdentity&Version=2011-06-15")
    SigV4QueryAuth(Credentials("123456789012", "x"), "sts", "eu-west-1", expires=60).add_auth(request)
    response = requests.get(request.url, timeout=5)
    assert response.status_code == 200
    assert b"<Account>123456789012</Account>" in response.content


def test_nimbus_status_reports_a_running_server(endpoint):
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "nimbus.cli", "status", "--endpoint", endpoint],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and '"status": "running"' in out.stdout


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize("body, code", [
    ("Action=ListUsers&Version=2010-05-08&NoSuchParam=1", b"<Code>ValidationError</Code>"),
    ("Action=ListUsers&Version=2010-05-08&MaxItems=lots", b"<Code>InvalidParameterValue</Code>"),
    ("Action=ListUsers&Version=2010-05-08&MaxItems=0", b"<Code>ValidationError</Code>"),
    ("Action=CreateUser&Version=2010-05-08&UserName=bad%20name", b"<Code>ValidationError</Code>"),
])
def test_bad_parameters_are_aws_shaped_400s(endpoint, body, code):
    response = send_signed(endpoint, "iam", body, FORM)
    assert response.status_code == 400, response.content
    assert code in response.content
    assert response.content.startswith(b"<ErrorResponse") or b"<ErrorResponse" in response.content[:80]


def test_wrong_content_type_is_a_4xx(endpoint):
    response = send_signed(endpoint, "sts", "Action=GetCallerIdentity&Version=2011-06-15", {"Content-Type": "text/plain"})
    assert response.status_code == 400
    assert b"<Code>MissingAction</Code>" in response.content


JSON_11 = {"Content-Type": "application/x-amz-json-1.1"}


@pytest.mark.parametrize("target, body, status, code", [
    ("TrentService.ListKeys", b"{\"Limit\": ", 400, "SerializationException"),
    ("TrentService.ListKeys", b"[1, 2]", 400, "SerializationException"),
    ("TrentService.ListKeys", b"{\"Limit\": \"ten\"}", 400, "SerializationException"),
    ("TrentService.ListKeys", b"{\"Bogus\": 1}", 400, "ValidationException"),
    ("TrentService.DescribeKey", b"{}", 400, "ValidationException"),
    ("TrentService.Frobnicate", b"{}", 400, "UnknownOperationException"),
])
def test_bad_json_requests_are_aws_shaped_400s(endpoint, target, body, status, code):
    response = send_signed(endpoint, "kms", body, {**JSON_11, "X-Amz-Target": target})
    assert response.status_code == status, response.content
    assert response.json()["__type"].endswith(code)
    assert response.headers["x-amzn-RequestId"]


@pytest.mark.parametrize("service, call", [
    ("iam", lambda iam: iam.get_user(UserName="bad\x00name\x01")),
    ("sns", lambda sns: sns.create_topic(Name="bad\x00topic")),
    ("s3", lambda s3: s3.get_object(Bucket=s3.create_bucket(Bucket=unique("ctl"))["Location"].strip("/"),
                                    Key="missing\x01key")),
])
def test_control_characters_echoed_in_xml_errors_stay_parseable(client, service, call):
    """XML cannot carry NUL or most control characters; an error quoting one must still parse."""
    with pytest.raises(ClientError) as error:
        call(client(service, parameter_validation=False))
    assert 400 <= error.value.response["ResponseMetadata"]["HTTPStatusCode"] < 500
    assert error.value.response["Error"]["Code"]
