"""AWS Config records SQS queues: discovered when the recorder starts, then every change, and deletion."""
from __future__ import annotations

import json

from tests.support import config_history, start_recording, unique


def test_queues_are_recorded(aws):
    sqs, config = aws("sqs"), aws("config")
    before = sqs.create_queue(QueueName=unique("before"))["QueueUrl"]
    start_recording(aws)
    dead = sqs.create_queue(QueueName=unique("dead"))["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    name = unique("recorded")
    url = sqs.create_queue(QueueName=name, tags={"team": "a"})["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "90", "RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dead_arn, "maxReceiveCount": 2})})
    sqs.send_message(QueueUrl=url, MessageBody="traffic is not a configuration change")
    resource_id = f"https://sqs.us-east-1.amazonaws.com/{url.split('/')[-2]}/{name}"
    items = config_history(config, "AWS::SQS::Queue", resource_id)
    latest = items[-1]
    assert latest["resourceName"] == name and latest["arn"].endswith(f":{name}")
    assert latest["configuration"]["VisibilityTimeout"] == "90"
    assert "ApproximateNumberOfMessages" not in latest["configuration"]
    assert latest["tags"] == {"team": "a"}
    assert {r["resourceName"] for r in latest["relationships"]} == {dead_arn.rsplit(":", 1)[-1]}
    discovered = config_history(config, "AWS::SQS::Queue",
                                f"https://sqs.us-east-1.amazonaws.com/{before.split('/')[-2]}/{before.rsplit('/', 1)[-1]}")
    assert discovered
    sqs.delete_queue(QueueUrl=url)
    assert config_history(config, "AWS::SQS::Queue", resource_id)[-1]["configurationItemStatus"] == "ResourceDeleted"
