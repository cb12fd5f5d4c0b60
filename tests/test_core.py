"""Core runtime: the event bus, the internal client, and durability across kill -9."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import requests

from nimbus.core.events import API_CALL, RESOURCE_CHANGE
from nimbus.protocol.errors import ServiceError
from nimbus.server import free_port
from tests.support import error_of, make_client, serve_subprocess


def collect(runtime, topic):
    seen = []
    runtime.events.subscribe(topic, seen.append)
    return seen


def test_every_api_call_is_published(server, client):
    calls = collect(server.runtime, API_CALL)
    try:
        client("sts", key="333333333333", secret="x", region="eu-west-2").get_caller_identity()
        assert error_of(client("iam").get_user, UserName="no-such-user-for-events") == ("NoSuchEntity", 404)
        server.runtime.events.flush()
    finally:
        server.runtime.events.unsubscribe(API_CALL, calls.append)
    ok = next(e for e in calls if e.operation == "GetCallerIdentity" and e.account_id == "333333333333")
    assert ok.service == "sts" and ok.region == "eu-west-2" and ok.read_only
    assert ok.principal["arn"] == "arn:aws:iam::333333333333:root"
    assert ok.access_key_id == "333333333333"
    assert ok.response["Account"] == "333333333333" and ok.error_code is None
    assert ok.user_agent.startswith("Boto3") and ok.source_ip == "127.0.0.1"
    failed = next(e for e in calls if e.operation == "GetUser")
    assert failed.error_code == "NoSuchEntity"
    assert failed.request_parameters == {"UserName": "no-such-user-for-events"}


def test_resource_changes_are_published(server, client):
    changes = collect(server.runtime, RESOURCE_CHANGE)
    try:
        client("iam").create_user(UserName="watched-user")
        client("iam").delete_user(UserName="watched-user")
        server.runtime.events.flush()
    finally:
        server.runtime.events.unsubscribe(RESOURCE_CHANGE, changes.append)
    kinds = [(c.resource_type, c.change) for c in changes if c.resource_arn.endswith("/watched-user")]
    assert kinds == [("AWS::IAM::User", "created"), ("AWS::IAM::User", "deleted")]
    assert changes[0].configuration["UserName"] == "watched-user"


def test_internal_client_calls_are_validated_and_recorded_as_the_service(server):
    runtime = server.runtime
    calls = collect(runtime, API_CALL)
    try:
        identity = runtime.client.call("sts", "GetCallerIdentity", account_id="444444444444", region="us-west-2",
                                       invoked_by="firehose.amazonaws.com")
        with pytest.raises(ServiceError) as error:
            runtime.client.call("iam", "CreateUser", {}, account_id="444444444444", region="us-east-1",
                                invoked_by="cloudformation.amazonaws.com")
        runtime.events.flush()
    finally:
        runtime.events.unsubscribe(API_CALL, calls.append)
    assert identity["Arn"] == "firehose.amazonaws.com"
    assert error.value.code == "ValidationError"
    recorded = next(e for e in calls if e.operation == "GetCallerIdentity" and e.account_id == "444444444444")
    assert recorded.internal and recorded.principal["type"] == "AWSService"
    assert recorded.principal["invoked_by"] == "firehose.amazonaws.com"


def test_acknowledged_state_survives_kill_9(tmp_path):
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = serve_subprocess(str(tmp_path / "data"), port)
    try:
        iam = make_client(endpoint, "iam")
        iam.create_user(UserName="durable")
        key = iam.create_access_key(UserName="durable")["AccessKey"]
        requests.post(f"{endpoint}/_nimbus/clock", json={"advance_seconds": 3600}, timeout=5)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()

    process = serve_subprocess(str(tmp_path / "data"), port)
    try:
        assert make_client(endpoint, "iam").get_user(UserName="durable")["User"]["UserName"] == "durable"
        as_user = make_client(endpoint, "sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
        assert as_user.get_caller_identity()["Arn"].endswith(":user/durable")
        assert requests.get(f"{endpoint}/_nimbus/clock", timeout=5).json()["offset_seconds"] >= 3600
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_cli_version():
    out = subprocess.run([sys.executable, "-m", "nimbus.cli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("nimbus ")
