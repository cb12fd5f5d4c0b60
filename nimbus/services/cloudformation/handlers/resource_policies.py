"""The two shapes of resource-policy types: one policy on several resources (AWS::SNS::TopicPolicy,
AWS::SQS::QueuePolicy) and one resource's own (AWS::SNS::TopicInlinePolicy, AWS::SQS::QueueInlinePolicy).
A subclass says how its service writes and reads the policy; deleting gives the resources theirs back."""
from __future__ import annotations

import json

from .base import Api, Created, Handler, policy_text, required


class PolicyAccess(Handler):
    def write(self, api: Api, resource: str, document: object | None) -> None:
        """Set the resource's policy (``None``: the service's default, or none)."""
        raise NotImplementedError

    def live(self, api: Api, resource: str) -> dict | None:
        raise NotImplementedError


class SharedPolicy(PolicyAccess):
    resources_property = ""  # "Topics", "Queues"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, self.resources_property, "PolicyDocument")
        self.update(api, "", {}, properties)
        physical_id = api.physical_name(256)
        return Created(physical_id, {"Id": physical_id})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        kept = new.get(self.resources_property, [])
        for resource in kept:
            self.write(api, resource, new["PolicyDocument"])
        for resource in old.get(self.resources_property, []):
            if resource not in kept:
                self.write(api, resource, None)
        return {"Id": physical_id} if physical_id else {}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        for resource in properties.get(self.resources_property, []):
            self.write(api, resource, None)

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        declared = json.loads(policy_text(properties["PolicyDocument"]))
        policies = [self.live(api, resource) for resource in properties.get(self.resources_property, [])]
        # One document stands for every resource: the first that differs from the template's, so drift shows it.
        return {self.resources_property: properties.get(self.resources_property, []),
                "PolicyDocument": next((p for p in policies if p != declared), declared)}


class InlinePolicy(PolicyAccess):
    resource_property = ""  # "TopicArn", "Queue"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, self.resource_property, "PolicyDocument")
        self.write(api, properties[self.resource_property], properties["PolicyDocument"])
        return Created(properties[self.resource_property], {})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        self.write(api, physical_id, new["PolicyDocument"])
        return {}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        self.write(api, physical_id, None)

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        return {self.resource_property: physical_id, "PolicyDocument": self.live(api, physical_id)}
