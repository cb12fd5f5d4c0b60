"""AWS::SQS::Queue, AWS::SQS::QueuePolicy (one policy on several queues) and AWS::SQS::QueueInlinePolicy (one
queue's policy), through SQS's own API. Ref of a queue is its URL; deleting a policy resource clears the
queues' ``Policy`` attribute."""
from __future__ import annotations

import json

from .base import Api, Created, Handler, policy_text, tag_map
from .resource_policies import InlinePolicy, PolicyAccess, SharedPolicy

# Template properties that are queue attributes of the same name (JSON ones written as text).
_ATTRIBUTES = ("ContentBasedDeduplication", "DeduplicationScope", "DelaySeconds", "FifoQueue", "FifoThroughputLimit",
               "KmsDataKeyReusePeriodSeconds", "KmsMasterKeyId", "MaximumMessageSize", "MessageRetentionPeriod",
               "ReceiveMessageWaitTimeSeconds", "RedriveAllowPolicy", "RedrivePolicy", "SqsManagedSseEnabled",
               "VisibilityTimeout")
_NUMBERS = {"DelaySeconds", "KmsDataKeyReusePeriodSeconds", "MaximumMessageSize", "MessageRetentionPeriod",
            "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout"}


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _attributes(properties: dict) -> dict[str, str]:
    return {name: _text(properties[name]) for name in _ATTRIBUTES if name in properties}


def _outputs(api: Api, url: str) -> dict:
    name = url.rsplit("/", 1)[-1]
    return {"Arn": api.arn("sqs", name), "QueueName": name, "QueueUrl": url}


class Queue(Handler):
    type_name = "AWS::SQS::Queue"

    def create(self, api: Api, properties: dict) -> Created:
        fifo = _text(properties.get("FifoQueue", False)) == "true"
        name = properties.get("QueueName") or api.physical_name(80 - 5 * fifo) + (".fifo" if fifo else "")
        params: dict = {"QueueName": name, "Attributes": _attributes(properties)}
        if properties.get("Tags"):
            params["tags"] = tag_map(properties["Tags"])
        url = api.call("sqs", "CreateQueue", params)["QueueUrl"]
        return Created(url, _outputs(api, url))

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        before, after = _attributes(old), _attributes(new)
        changed = {k: v for k, v in after.items() if before.get(k) != v}
        # An attribute the template no longer sets goes back to SQS's default (or none, for a policy).
        changed.update({k: "" for k in before if k not in after and k in ("RedrivePolicy", "RedriveAllowPolicy",
                                                                          "KmsMasterKeyId")})
        if changed:
            api.call("sqs", "SetQueueAttributes", {"QueueUrl": physical_id, "Attributes": changed})
        old_tags, new_tags = tag_map(old.get("Tags")), tag_map(new.get("Tags"))
        if old_tags != new_tags:
            gone = [k for k in old_tags if k not in new_tags]
            if gone:
                api.call("sqs", "UntagQueue", {"QueueUrl": physical_id, "TagKeys": gone})
            if new_tags:
                api.call("sqs", "TagQueue", {"QueueUrl": physical_id, "Tags": new_tags})
        return _outputs(api, physical_id)

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("sqs", "DeleteQueue", {"QueueUrl": physical_id})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        attributes = api.call("sqs", "GetQueueAttributes", {"QueueUrl": physical_id,
                                                            "AttributeNames": ["All"]})["Attributes"]
        tags = api.call("sqs", "ListQueueTags", {"QueueUrl": physical_id}).get("Tags", {})
        live: dict = {}
        for name in _ATTRIBUTES:
            if name in attributes:
                value = attributes[name]
                live[name] = int(value) if name in _NUMBERS else json.loads(value) if value.startswith("{") else \
                    value == "true" if value in ("true", "false") else value
        return {**live, "QueueName": physical_id.rsplit("/", 1)[-1],
                "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}


class _QueuePolicyAccess(PolicyAccess):
    def write(self, api: Api, resource: str, document: object | None) -> None:
        api.call("sqs", "SetQueueAttributes", {"QueueUrl": resource, "Attributes": {
            "Policy": policy_text(document) if document else ""}})

    def live(self, api: Api, resource: str) -> dict | None:
        attributes = api.call("sqs", "GetQueueAttributes", {"QueueUrl": resource, "AttributeNames": ["Policy"]})
        text = attributes.get("Attributes", {}).get("Policy")
        return json.loads(text) if text else None


class QueuePolicy(_QueuePolicyAccess, SharedPolicy):
    type_name = "AWS::SQS::QueuePolicy"
    resources_property = "Queues"


class QueueInlinePolicy(_QueuePolicyAccess, InlinePolicy):
    type_name = "AWS::SQS::QueueInlinePolicy"
    resource_property = "Queue"
