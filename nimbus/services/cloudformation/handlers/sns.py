"""AWS::SNS::Topic and AWS::SNS::Subscription, through SNS's own API."""
from __future__ import annotations

import json

from .base import Api, Created, Handler, required, tag_list

# Template properties that are topic attributes of the same name (a JSON policy is written as text).
_TOPIC_ATTRIBUTES = ("DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication",
                     "SignatureVersion", "TracingConfig", "DeliveryStatusLogging")
_SUBSCRIPTION_ATTRIBUTES = ("FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy",
                            "DeliveryPolicy", "SubscriptionRoleArn", "ReplayPolicy")


def _attribute_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _structured(text: str):
    """An attribute's text as a template writes it (a JSON attribute as its object)."""
    return json.loads(text) if text.startswith("{") else text


def _attributes(properties: dict, names: tuple[str, ...]) -> dict[str, str]:
    return {n: _attribute_text(properties[n]) for n in names if n in properties and n != "DeliveryStatusLogging"}


def _set_changed(api: Api, operation: str, member: str, arn: str, names: tuple[str, ...], old: dict, new: dict) -> None:
    """Set each attribute whose value the update changes (SetTopicAttributes, SetSubscriptionAttributes)."""
    before, after = _attributes(old, names), _attributes(new, names)
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            api.call("sns", operation, {member: arn, "AttributeName": name, "AttributeValue": after.get(name, "")})


class Topic(Handler):
    type_name = "AWS::SNS::Topic"

    def create(self, api: Api, properties: dict) -> Created:
        fifo = str(properties.get("FifoTopic", "false")).lower() == "true"
        name = properties.get("TopicName") or api.physical_name(256 - 5 * fifo) + (".fifo" if fifo else "")
        params = {"Name": name, "Attributes": _attributes(properties, _TOPIC_ATTRIBUTES)}
        if properties.get("Tags"):
            params["Tags"] = tag_list(properties["Tags"])
        arn = api.call("sns", "CreateTopic", params)["TopicArn"]
        for subscription in properties.get("Subscription", []):
            api.call("sns", "Subscribe", {"TopicArn": arn, **subscription})
        return Created(arn, {"TopicArn": arn, "TopicName": name})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        _set_changed(api, "SetTopicAttributes", "TopicArn", physical_id, _TOPIC_ATTRIBUTES, old, new)
        if old.get("Tags") != new.get("Tags"):
            keys = [t["Key"] for t in tag_list(old.get("Tags"))]
            if keys:
                api.call("sns", "UntagResource", {"ResourceArn": physical_id, "TagKeys": keys})
            if new.get("Tags"):
                api.call("sns", "TagResource", {"ResourceArn": physical_id, "Tags": tag_list(new["Tags"])})
        return {"TopicArn": physical_id, "TopicName": physical_id.rsplit(":", 1)[-1]}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("sns", "DeleteTopic", {"TopicArn": physical_id})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        attributes = api.call("sns", "GetTopicAttributes", {"TopicArn": physical_id})["Attributes"]
        tags = api.call("sns", "ListTagsForResource", {"ResourceArn": physical_id}).get("Tags", [])
        live = {n: _structured(attributes[n]) for n in _TOPIC_ATTRIBUTES if n in attributes}
        return {**live, "TopicName": physical_id.rsplit(":", 1)[-1], "Tags": tags}


class Subscription(Handler):
    type_name = "AWS::SNS::Subscription"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "TopicArn", "Protocol")
        params = {"TopicArn": properties["TopicArn"], "Protocol": properties["Protocol"],
                  "Attributes": _attributes(properties, _SUBSCRIPTION_ATTRIBUTES), "ReturnSubscriptionArn": True}
        if "Endpoint" in properties:
            params["Endpoint"] = properties["Endpoint"]
        arn = api.call("sns", "Subscribe", params)["SubscriptionArn"]
        return Created(arn, {"Arn": arn})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        _set_changed(api, "SetSubscriptionAttributes", "SubscriptionArn", physical_id, _SUBSCRIPTION_ATTRIBUTES,
                     old, new)
        return {"Arn": physical_id}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("sns", "Unsubscribe", {"SubscriptionArn": physical_id})
