"""AWS::SNS::TopicPolicy (one policy on several topics) and AWS::SNS::TopicInlinePolicy (one topic's
policy), through SNS's own API: the topic's ``Policy`` attribute. Deleting either gives the topic back
SNS's default policy (SetTopicAttributes with an empty Policy)."""
from __future__ import annotations

import json

from .base import Api, Created, Handler, policy_text, required


def _set(api: Api, topic_arn: str, document: object | None) -> None:
    api.call("sns", "SetTopicAttributes", {"TopicArn": topic_arn, "AttributeName": "Policy",
                                           "AttributeValue": policy_text(document) if document else ""})


def _live_policy(api: Api, topic_arn: str) -> dict:
    attributes = api.call("sns", "GetTopicAttributes", {"TopicArn": topic_arn})["Attributes"]
    return json.loads(attributes["Policy"])


class TopicPolicy(Handler):
    type_name = "AWS::SNS::TopicPolicy"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "Topics", "PolicyDocument")
        self.update(api, "", {}, properties)
        physical_id = api.physical_name(256)
        return Created(physical_id, {"Id": physical_id})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        for topic in new.get("Topics", []):
            _set(api, topic, new["PolicyDocument"])
        for topic in old.get("Topics", []):
            if topic not in new.get("Topics", []):
                _set(api, topic, None)
        return {"Id": physical_id} if physical_id else {}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        for topic in properties.get("Topics", []):
            _set(api, topic, None)

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        declared = json.loads(policy_text(properties["PolicyDocument"]))
        policies = [_live_policy(api, topic) for topic in properties.get("Topics", [])]
        # One document stands for every topic: the first that differs from the template's, so drift shows it.
        return {"Topics": properties.get("Topics", []),
                "PolicyDocument": next((p for p in policies if p != declared), declared)}


class TopicInlinePolicy(Handler):
    type_name = "AWS::SNS::TopicInlinePolicy"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "TopicArn", "PolicyDocument")
        _set(api, properties["TopicArn"], properties["PolicyDocument"])
        return Created(properties["TopicArn"], {})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        _set(api, physical_id, new["PolicyDocument"])
        return {}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        _set(api, physical_id, None)

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        return {"TopicArn": physical_id, "PolicyDocument": _live_policy(api, physical_id)}
