"""Deliveries to SQS subscriptions: SendMessage through the internal client as ``sns.amazonaws.com``, with the
topic as ``aws:SourceArn``, so the queue policy must grant SNS (as in AWS).

Raw delivery sends the message text with the message's attributes as SQS message attributes (at most 10, as
AWS passes them); otherwise the body is the Notification document. A FIFO topic's message keeps its group
and gets its SNS message id as deduplication id in a FIFO queue.
"""
from __future__ import annotations

import base64
import json

from nimbus.core.arns import parse_arn
from nimbus.core.context import CallSource


def _queue_attributes(stored: dict) -> dict:
    attributes = {}
    for name, attribute in list(stored.items())[:10]:
        if attribute["Type"].startswith("Binary"):
            attributes[name] = {"DataType": attribute["Type"], "BinaryValue": base64.b64decode(attribute["Value"])}
        else:
            attributes[name] = {"DataType": attribute["Type"], "StringValue": attribute["Value"]}
    return attributes


def send_to_queue(runtime, queue_arn: str, topic_arn: str, published: dict, document, raw: bool) -> dict:
    """SQS's SendMessage answer; raises the ServiceError SQS answers (a missing queue, a policy that does not
    grant SNS)."""
    queue = parse_arn(queue_arn) or {}
    account, region, name = queue.get("account", ""), queue.get("region", ""), queue.get("resource", "")
    params: dict = {"QueueUrl": f"https://sqs.{region}.amazonaws.com/{account}/{name}",
                    "MessageBody": document if isinstance(document, str) else json.dumps(document)}
    if raw and published.get("MessageAttributes"):
        params["MessageAttributes"] = _queue_attributes(published["MessageAttributes"])
    if name.endswith(".fifo"):
        params["MessageGroupId"] = published.get("MessageGroupId") or published["MessageId"]
        params["MessageDeduplicationId"] = published["MessageId"]
    topic = parse_arn(topic_arn) or {}
    return runtime.client.call("sqs", "SendMessage", params, account_id=account, region=region,
                        invoked_by="sns.amazonaws.com", source=CallSource(topic_arn, topic.get("account", "")))
