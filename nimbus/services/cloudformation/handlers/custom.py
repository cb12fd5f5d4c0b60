"""Custom resources (``AWS::CloudFormation::CustomResource`` and ``Custom::*``) whose ``ServiceToken`` is an SNS
topic: the stack publishes AWS's request object to the topic and waits, on the virtual clock, for the
provider's response object PUT on the request's presigned ``ResponseURL``.

A Lambda ``ServiceToken`` fails the resource: nimbus does not serve Lambda.
"""
from __future__ import annotations

import json
import uuid
from typing import Any

from ..responses import MAX_ANSWER, Answers, response_bucket
from .base import Api, Created, Handler, ResourceFailure

TIMEOUT = 3600  # AWS waits an hour for a custom resource's answer unless ServiceTimeout says less
URL_LIFETIME = 7200  # AWS's ResponseURL is valid for two hours


def as_strings(value: Any) -> Any:
    """AWS hands a custom resource its properties' scalars as strings (``1`` as ``"1"``, ``true`` as ``"true"``)."""
    if isinstance(value, dict):
        return {k: as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_strings(v) for v in value]
    if isinstance(value, bool):
        return str(value).lower()
    return value if value is None or isinstance(value, str) else str(value)


def seconds(value: Any) -> int:
    try:
        return max(int(str(value)), 1)
    except ValueError:
        raise ResourceFailure(f"Value of property ServiceTimeout must be an integer: {value}") from None


class CustomResource(Handler):
    def __init__(self, type_name: str = "AWS::CloudFormation::CustomResource"):
        self.type_name = type_name

    def create(self, api: Api, properties: dict) -> Created:
        answer = self.request(api, "Create", properties)
        return Created(answer["PhysicalResourceId"], answer.get("Data") or {})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict[str, Any]:
        return self.change(api, physical_id, old, new).attributes

    def change(self, api: Api, physical_id: str, old: dict, new: dict) -> Created:
        """A different PhysicalResourceId in the answer replaces the resource: the old one is sent a Delete."""
        answer = self.request(api, "Update", new, physical_id, old)
        return Created(answer["PhysicalResourceId"], answer.get("Data") or {})

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        self.request(api, "Delete", properties, physical_id)

    def request(self, api: Api, kind: str, properties: dict, physical_id: str | None = None,
                old: dict | None = None) -> dict:
        """Send one request to the provider and wait for its SUCCESS; its response object."""
        operation = api.operation
        assert operation is not None
        token = str(properties.get("ServiceToken", ""))
        service = token.split(":")[2] if token.count(":") >= 5 else ""
        if service == "lambda":
            raise ResourceFailure(f"nimbus does not serve AWS Lambda: the custom resource's ServiceToken {token} "
                                 "cannot be invoked (use an SNS topic)")
        if service != "sns":
            raise ResourceFailure(f"Invalid service token: {token}")
        request_id = str(uuid.uuid4())
        answers = Answers(operation.runtime, api.region, operation.endpoint)
        bucket = response_bucket(api.region)
        key = f"{operation.stack_id.rsplit('/', 1)[-1]}/{api.logical_id}/{request_id}"
        message: dict[str, Any] = {
            "RequestType": kind, "ServiceToken": token, "ResponseURL": answers.put_url(bucket, key, URL_LIFETIME),
            "StackId": operation.stack_id, "RequestId": request_id, "LogicalResourceId": api.logical_id,
            "ResourceType": self.type_name, "ResourceProperties": as_strings(properties)}
        if physical_id is not None:
            message["PhysicalResourceId"] = physical_id
        if old is not None:
            message["OldResourceProperties"] = as_strings(old)
        limit = min(seconds(properties.get("ServiceTimeout", TIMEOUT)), TIMEOUT)
        deadline = operation.runtime.clock.time() + limit  # the provider's time starts as the request leaves
        api.call("sns", "Publish", {"TopicArn": token, "Message": json.dumps(message)})
        try:
            answer = answers.wait(bucket, key, deadline, operation.stopped, lambda bodies: bodies[-1] if bodies else None)
        finally:
            answers.forget(bucket, key)
        if answer is None:
            raise ResourceFailure("CloudFormation did not receive a response from your Custom Resource. Please check "
                                 f"your logs for requestId [{request_id}].")
        return self.accepted(answer, message)

    @staticmethod
    def accepted(body: bytes, request: dict) -> dict:
        """The response object, if it answers this request with SUCCESS; the resource's failure otherwise."""
        request_id = request["RequestId"]
        if len(body) > MAX_ANSWER:
            raise ResourceFailure("Response object is too long.")
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or answer.get("Status") not in ("SUCCESS", "FAILED"):
            raise ResourceFailure(f"Invalid response object: Status must be SUCCESS or FAILED (RequestId: "
                                 f"{request_id})")
        for member in ("StackId", "RequestId", "LogicalResourceId"):
            if answer.get(member) != request[member]:
                raise ResourceFailure(f"Invalid response object: {member} does not match the request (RequestId: "
                                     f"{request_id})")
        if answer["Status"] == "FAILED":
            # A failed Create that names a physical id is sent a Delete on rollback, as AWS does.
            made = answer.get("PhysicalResourceId") if request["RequestType"] == "Create" else None
            raise ResourceFailure("Received response status [FAILED] from custom resource. Message returned: "
                                 f"{answer.get('Reason', 'See the details in CloudWatch Log Stream')} (RequestId: "
                                 f"{request_id})", made if isinstance(made, str) else "")
        if not isinstance(answer.get("PhysicalResourceId"), str) or not answer["PhysicalResourceId"]:
            raise ResourceFailure(f"Invalid PhysicalResourceId (RequestId: {request_id})")
        if not isinstance(answer.get("Data", {}), dict):
            raise ResourceFailure(f"Invalid response object: Data must be an object (RequestId: {request_id})")
        return answer
