"""AWS::SNS::TopicPolicy (one policy on several topics) and AWS::SNS::TopicInlinePolicy (one topic's
policy), through SNS's own API: the topic's ``Policy`` attribute. Deleting either gives the topic back
SNS's default policy (SetTopicAttributes with an empty Policy)."""
from __future__ import annotations

import json

from .base import Api, policy_text
from .resource_policies import InlinePolicy, PolicyAccess, SharedPolicy


class _TopicPolicyAccess(PolicyAccess):
    def write(self, api: Api, resource: str, document: object | None) -> None:
        api.call("sns", "SetTopicAttributes", {"TopicArn": resource, "AttributeName": "Policy",
                                               "AttributeValue": policy_text(document) if document else ""})

    def live(self, api: Api, resource: str) -> dict | None:
        attributes = api.call("sns", "GetTopicAttributes", {"TopicArn": resource})["Attributes"]
        return json.loads(attributes["Policy"])


class TopicPolicy(_TopicPolicyAccess, SharedPolicy):
    type_name = "AWS::SNS::TopicPolicy"
    resources_property = "Topics"


class TopicInlinePolicy(_TopicPolicyAccess, InlinePolicy):
    type_name = "AWS::SNS::TopicInlinePolicy"
    resource_property = "TopicArn"
