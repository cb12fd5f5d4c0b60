"""The AWS CLI drives SNS and CloudWatch Logs unchanged."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import requests

from tests.support import recorded


def aws(endpoint: str, *args: str) -> dict:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1"}
    command = [str(Path(sys.executable).with_name("aws")), *args, "--endpoint-url", endpoint, "--output", "json"]
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip() else {}


def aws_error(endpoint: str, *args: str) -> str:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1"}
    command = [str(Path(sys.executable).with_name("aws")), *args, "--endpoint-url", endpoint]
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    return out.stderr


def test_sns_with_the_cli(endpoint):
    name = f"cli-{uuid.uuid4().hex[:8]}"
    arn = aws(endpoint, "sns", "create-topic", "--name", name)["TopicArn"]
    queue = f"arn:aws:sqs:us-east-1:000000000000:{name}"
    aws(endpoint, "sns", "subscribe", "--topic-arn", arn, "--protocol", "sqs", "--notification-endpoint", queue)
    published = aws(endpoint, "sns", "publish", "--topic-arn", arn, "--message", "from the cli",
                    "--message-attributes", '{"k": {"DataType": "String", "StringValue": "v"}}')
    delivered = json.loads(recorded(endpoint, queue)[0]["Body"])
    assert delivered["MessageId"] == published["MessageId"] and delivered["Message"] == "from the cli"
    assert delivered["MessageAttributes"] == {"k": {"Type": "String", "Value": "v"}}
    topics = aws(endpoint, "sns", "list-topics")["Topics"]
    assert {"TopicArn": arn} in topics
    assert "NotFound" in aws_error(endpoint, "sns", "get-topic-attributes", "--topic-arn", arn + "-missing")


def test_logs_with_the_cli(endpoint):
    group = f"/cli/{uuid.uuid4().hex[:8]}"
    aws(endpoint, "logs", "create-log-group", "--log-group-name", group)
    aws(endpoint, "logs", "create-log-stream", "--log-group-name", group, "--log-stream-name", "s")
    now = int(requests.get(f"{endpoint}/_nimbus/clock").json()["epoch"] * 1000)
    events = json.dumps([{"timestamp": now - 5, "message": '{"level": "error", "code": 500}'},
                         {"timestamp": now, "message": '{"level": "info", "code": 200}'}])
    aws(endpoint, "logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "s",
        "--log-events", events)
    found = aws(endpoint, "logs", "filter-log-events", "--log-group-name", group,
                "--filter-pattern", '{ $.code >= 500 }')["events"]
    assert [json.loads(e["message"])["level"] for e in found] == ["error"]
    got = aws(endpoint, "logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "s",
              "--start-from-head")
    assert len(got["events"]) == 2
    stderr = aws_error(endpoint, "logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "s",
                       "--log-events", json.dumps([{"timestamp": now, "message": "b"},
                                                   {"timestamp": now - 1, "message": "a"}]))
    assert "InvalidParameterException" in stderr
