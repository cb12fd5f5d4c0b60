"""AWS::CloudFormation::Stack: a nested stack, made through CloudFormation's own API as any other
resource is through its service's. The child is a real stack (its own events, ListStacks shows it); the
parent's resource waits for it to settle, and ``Fn::GetAtt Nested.Outputs.X`` reads its outputs.
"""
from __future__ import annotations

import time
from typing import Any

from nimbus.protocol.errors import ServiceError

from .base import Api, Created, Handler, ResourceFailure, required, tag_list

POLL_SECONDS = 0.1  # how often a parent looks at a child it waits for (real time: the child runs in real time)
NO_UPDATES = "No updates are to be performed."


def _parameters(values: Any) -> list[dict]:
    """The template's Parameters map as CreateStack's list; a list value is a comma-delimited one."""
    def text(value: Any) -> str:
        if isinstance(value, list):
            return ",".join(text(v) for v in value)
        if isinstance(value, bool):
            return str(value).lower()
        return str(value)
    return [{"ParameterKey": k, "ParameterValue": text(v)} for k, v in (values or {}).items()]


def stack_request(properties: dict) -> dict:
    """CreateStack's and UpdateStack's members from the resource's properties."""
    request: dict = {"TemplateURL": properties["TemplateURL"], "Parameters": _parameters(properties.get("Parameters")),
                     "NotificationARNs": list(properties.get("NotificationARNs", [])),
                     "Tags": tag_list(properties.get("Tags"))}
    if "TimeoutInMinutes" in properties:
        request["TimeoutInMinutes"] = int(properties["TimeoutInMinutes"])
    return request


def _settled(api: Api, stack_id: str) -> dict:
    while True:
        stack = api.call("cloudformation", "DescribeStacks", {"StackName": stack_id})["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS"):
            return stack
        time.sleep(POLL_SECONDS)


def _outputs(stack: dict) -> dict[str, Any]:
    """GetAtt's attributes: ``Outputs.<key>`` for each of the child's outputs."""
    return {f"Outputs.{o['OutputKey']}": o["OutputValue"] for o in stack.get("Outputs", [])}


def _reason(api: Api, stack: dict) -> str:
    """Why the child's operation ended as it did: its status reason, or (once a rollback has cleared that) the
    reason its own events gave."""
    if stack.get("StackStatusReason"):
        return stack["StackStatusReason"]
    events = api.call("cloudformation", "DescribeStackEvents", {"StackName": stack["StackId"]})["StackEvents"]
    for event in events:  # newest first
        reason = event.get("ResourceStatusReason", "")
        if event.get("PhysicalResourceId") == stack["StackId"] and reason and reason != "User Initiated":
            return reason.replace("Rollback requested by user.", "").rstrip() + " "
    return ""


def _failed(api: Api, stack: dict, verb: str) -> ResourceFailure:
    return ResourceFailure(f"Embedded stack {stack['StackId']} was not successfully {verb}: {_reason(api, stack)}")


class NestedStack(Handler):
    type_name = "AWS::CloudFormation::Stack"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "TemplateURL")
        name = api.physical_name(128)
        stack_id = api.call("cloudformation", "CreateStack", {"StackName": name, **stack_request(properties)})["StackId"]
        stack = _settled(api, stack_id)
        if stack["StackStatus"] != "CREATE_COMPLETE":
            if stack["StackStatus"] == "ROLLBACK_COMPLETE":  # it undid itself: the parent's rollback has nothing to keep
                self.delete(api, stack_id, properties)
            raise _failed(api, stack, "created")
        return Created(stack_id, _outputs(stack))

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict[str, Any]:
        try:
            api.call("cloudformation", "UpdateStack", {"StackName": physical_id, **stack_request(new)})
        except ServiceError as error:
            if error.message != NO_UPDATES:
                raise
            return _outputs(_settled(api, physical_id))
        stack = _settled(api, physical_id)
        if stack["StackStatus"] != "UPDATE_COMPLETE":
            raise ResourceFailure(f"Embedded stack {physical_id} was not successfully updated. Currently in "
                                  f"{stack['StackStatus']} with reason: {_reason(api, stack)}")
        return _outputs(stack)

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("cloudformation", "DeleteStack", {"StackName": physical_id})
        stack = _settled(api, physical_id)
        if stack["StackStatus"] != "DELETE_COMPLETE":
            raise _failed(api, stack, "deleted")
