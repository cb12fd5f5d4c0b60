"""AWS::CloudFront::Function and AWS::CloudFront::KeyValueStore. A function is written to its DEVELOPMENT
stage and, with ``AutoPublish``, published to LIVE (what the edge runs) on every create and update, as
AWS's handler does; its physical id is its ARN, its name what the API calls it by."""
from __future__ import annotations

from typing import Any

from nimbus.protocol.errors import ServiceError

from .base import Api, Created, Handler, boolean, required, tag_list
from .cloudfront_shapes import shape, to_api, to_template


def _function_name(physical_id: str) -> str:
    return physical_id.rpartition(":function/")[2]


def _found(api: Api, operation: str, params: dict, missing: str) -> dict | None:
    """The API's answer, or None when it says the resource is gone (``missing`` is its error code)."""
    try:
        return api.call("cloudfront", operation, params)
    except ServiceError as error:
        if error.code == missing:
            return None
        raise


def _text(code: Any) -> str:
    data = code.read() if hasattr(code, "read") else code
    return data.decode() if isinstance(data, bytes) else str(data)


class Function(Handler):
    type_name = "AWS::CloudFront::Function"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "Name", "FunctionConfig", "FunctionCode")
        params: dict = {"Name": properties["Name"], **self._content(properties)}
        if properties.get("Tags"):
            params["Tags"] = {"Items": tag_list(properties["Tags"])}
        made = api.call("cloudfront", "CreateFunction", params)
        arn = made["FunctionSummary"]["FunctionMetadata"]["FunctionARN"]
        return Created(arn, self._published(api, properties, made["ETag"], arn))

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        name = _function_name(physical_id)
        etag = api.call("cloudfront", "DescribeFunction", {"Name": name})["ETag"]
        changed = api.call("cloudfront", "UpdateFunction", {"Name": name, "IfMatch": etag, **self._content(new)})
        return self._published(api, new, changed["ETag"], physical_id)

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        name = _function_name(physical_id)
        described = _found(api, "DescribeFunction", {"Name": name}, "NoSuchFunctionExists")
        if described is not None:
            api.call("cloudfront", "DeleteFunction", {"Name": name, "IfMatch": described["ETag"]})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        name = _function_name(physical_id)
        described = _found(api, "DescribeFunction", {"Name": name}, "NoSuchFunctionExists")
        if described is None:
            return None
        code = api.call("cloudfront", "GetFunction", {"Name": name})["FunctionCode"]
        return {"Name": name, "FunctionCode": _text(code),
                "FunctionConfig": to_template(described["FunctionSummary"]["FunctionConfig"], shape("FunctionConfig"))}

    @staticmethod
    def _content(properties: dict) -> dict:
        return {"FunctionConfig": to_api(properties["FunctionConfig"], shape("FunctionConfig")),
                "FunctionCode": str(properties["FunctionCode"]).encode()}

    @staticmethod
    def _published(api: Api, properties: dict, etag: str, arn: str) -> dict:
        stage = "DEVELOPMENT"
        if boolean(properties.get("AutoPublish", False)):
            api.call("cloudfront", "PublishFunction", {"Name": _function_name(arn), "IfMatch": etag})
            stage = "LIVE"
        return {"FunctionARN": arn, "FunctionMetadata.FunctionARN": arn, "Stage": stage}


class KeyValueStore(Handler):
    """Ref is the store's name; ``ImportSource`` is read once, when the store is made (AWS's handler
    ignores it on updates)."""
    type_name = "AWS::CloudFront::KeyValueStore"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "Name")
        params: dict = {"Name": properties["Name"], "Comment": str(properties.get("Comment", ""))}
        if properties.get("ImportSource"):
            source = properties["ImportSource"]  # the template writes SourceArn, the API SourceARN
            params["ImportSource"] = {"SourceType": source.get("SourceType"), "SourceARN": source.get("SourceArn")}
        made = api.call("cloudfront", "CreateKeyValueStore", params)["KeyValueStore"]
        return Created(made["Name"], self._attributes(made))

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        etag = api.call("cloudfront", "DescribeKeyValueStore", {"Name": physical_id})["ETag"]
        changed = api.call("cloudfront", "UpdateKeyValueStore", {
            "Name": physical_id, "IfMatch": etag, "Comment": str(new.get("Comment", ""))})
        return self._attributes(changed["KeyValueStore"])

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        described = _found(api, "DescribeKeyValueStore", {"Name": physical_id}, "EntityNotFound")
        if described is not None:
            api.call("cloudfront", "DeleteKeyValueStore", {"Name": physical_id, "IfMatch": described["ETag"]})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        described = _found(api, "DescribeKeyValueStore", {"Name": physical_id}, "EntityNotFound")
        if described is None:
            return None
        return {"Name": physical_id, "Comment": described["KeyValueStore"].get("Comment", "")}

    @staticmethod
    def _attributes(made: dict) -> dict:
        return {"Arn": made["ARN"], "Id": made["Id"], "Status": made.get("Status", "READY")}
