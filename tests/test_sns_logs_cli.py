"""The AWS CLI drives SNS and CloudWatch Logs unchanged."""
from __future__ import annotations

import json
import uuid

import requests

from tests.support import aws_cli as aws
from tests.support import aws_cli_error as aws_error
from tests.support import recorded


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
