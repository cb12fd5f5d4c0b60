"""AWS::Logs::LogGroup and AWS::Logs::LogStream, through CloudWatch Logs' own API."""
from __future__ import annotations

from nimbus.protocol.errors import ServiceError

from .base import Api, Created, Handler, required, tag_list, tag_map


class LogGroup(Handler):
    type_name = "AWS::Logs::LogGroup"

    def create(self, api: Api, properties: dict) -> Created:
        name = properties.get("LogGroupName") or api.physical_name(512)
        params: dict = {"logGroupName": name}
        if properties.get("KmsKeyId"):
            params["kmsKeyId"] = properties["KmsKeyId"]
        if properties.get("Tags"):
            params["tags"] = tag_map(properties["Tags"])
        api.call("logs", "CreateLogGroup", params)
        self.update(api, name, {}, properties)
        return Created(name, self._attributes(api, name))

    @staticmethod
    def _attributes(api: Api, name: str) -> dict:
        return {"Arn": api.arn("logs", f"log-group:{name}:*")}

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        group = {"logGroupName": physical_id}
        if old.get("RetentionInDays") != new.get("RetentionInDays"):
            if new.get("RetentionInDays"):
                api.call("logs", "PutRetentionPolicy", {**group, "retentionInDays": int(new["RetentionInDays"])})
            else:
                api.call("logs", "DeleteRetentionPolicy", group)
        if old and old.get("Tags") != new.get("Tags"):
            arn = self._attributes(api, physical_id)["Arn"].removesuffix(":*")
            if old.get("Tags"):
                api.call("logs", "UntagResource", {"resourceArn": arn, "tagKeys": list(tag_map(old["Tags"]))})
            if new.get("Tags"):
                api.call("logs", "TagResource", {"resourceArn": arn, "tags": tag_map(new["Tags"])})
        return self._attributes(api, physical_id)

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("logs", "DeleteLogGroup", {"logGroupName": physical_id})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        groups = api.call("logs", "DescribeLogGroups", {"logGroupNamePrefix": physical_id})["logGroups"]
        group = next((g for g in groups if g["logGroupName"] == physical_id), None)
        if group is None:
            raise ServiceError("ResourceNotFoundException", "The specified log group does not exist.", status=400)
        arn = self._attributes(api, physical_id)["Arn"].removesuffix(":*")
        tags = api.call("logs", "ListTagsForResource", {"resourceArn": arn}).get("tags", {})
        return {"LogGroupName": physical_id, "RetentionInDays": group.get("retentionInDays"),
                "KmsKeyId": group.get("kmsKeyId"), "Tags": tag_list(tags)}


class LogStream(Handler):
    type_name = "AWS::Logs::LogStream"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "LogGroupName")
        name = properties.get("LogStreamName") or api.physical_name(512)
        api.call("logs", "CreateLogStream", {"logGroupName": properties["LogGroupName"], "logStreamName": name})
        return Created(name, {})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        return {}  # both properties are create-only: any change replaces the stream

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("logs", "DeleteLogStream", {"logGroupName": properties["LogGroupName"], "logStreamName": physical_id})
