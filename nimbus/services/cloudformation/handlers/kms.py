"""AWS::KMS::Key and AWS::KMS::Alias, through KMS's own API."""
from __future__ import annotations

from nimbus.protocol.errors import ServiceError

from .base import Api, Created, Handler, boolean, policy_object, policy_text, required, tag_list

_KEY_MEMBERS = ("Description", "KeyUsage", "KeySpec", "Origin", "MultiRegion")


class Key(Handler):
    type_name = "AWS::KMS::Key"

    def create(self, api: Api, properties: dict) -> Created:
        params = {m: properties[m] for m in _KEY_MEMBERS if m in properties}
        if "MultiRegion" in params:
            params["MultiRegion"] = boolean(params["MultiRegion"])
        if "KeyPolicy" in properties:
            params["Policy"] = policy_text(properties["KeyPolicy"])
        if properties.get("Tags"):
            params["Tags"] = tag_list(properties["Tags"], "TagKey", "TagValue")
        metadata = api.call("kms", "CreateKey", params)["KeyMetadata"]
        self.update(api, metadata["KeyId"], {"Enabled": True}, properties)
        return Created(metadata["KeyId"], {"Arn": metadata["Arn"], "KeyId": metadata["KeyId"]})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        key = {"KeyId": physical_id}
        if old and old.get("Description") != new.get("Description"):
            api.call("kms", "UpdateKeyDescription", {**key, "Description": new.get("Description", "")})
        if old and "KeyPolicy" in new and old.get("KeyPolicy") != new["KeyPolicy"]:
            api.call("kms", "PutKeyPolicy", {**key, "PolicyName": "default", "Policy": policy_text(new["KeyPolicy"])})
        if boolean(old.get("Enabled", True)) != boolean(new.get("Enabled", True)):
            api.call("kms", "EnableKey" if boolean(new.get("Enabled", True)) else "DisableKey", key)
        if boolean(old.get("EnableKeyRotation", False)) != boolean(new.get("EnableKeyRotation", False)):
            api.call("kms", "EnableKeyRotation" if boolean(new["EnableKeyRotation"]) else "DisableKeyRotation", key)
        arn = api.arn("kms", f"key/{physical_id}")
        return {"Arn": arn, "KeyId": physical_id}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("kms", "ScheduleKeyDeletion", {"KeyId": physical_id,
                                                "PendingWindowInDays": int(properties.get("PendingWindowInDays", 30))})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        key = {"KeyId": physical_id}
        metadata = api.call("kms", "DescribeKey", key)["KeyMetadata"]
        if metadata["KeyState"] == "PendingDeletion":  # as good as gone: AWS reports it deleted
            raise ServiceError("NotFoundException", f"Key '{metadata['Arn']}' is pending deletion.", status=400)
        policy = api.call("kms", "GetKeyPolicy", {**key, "PolicyName": "default"})["Policy"]
        rotation = api.call("kms", "GetKeyRotationStatus", key)["KeyRotationEnabled"]
        tags = api.call("kms", "ListResourceTags", key).get("Tags", [])
        return {"Description": metadata.get("Description", ""), "KeyUsage": metadata["KeyUsage"],
                "KeySpec": metadata["KeySpec"], "Origin": metadata.get("Origin"),
                "MultiRegion": metadata.get("MultiRegion", False), "Enabled": metadata["KeyState"] == "Enabled",
                "EnableKeyRotation": rotation, "KeyPolicy": policy_object(policy),
                "Tags": [{"Key": t["TagKey"], "Value": t["TagValue"]} for t in tags]}


class Alias(Handler):
    type_name = "AWS::KMS::Alias"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "AliasName", "TargetKeyId")
        api.call("kms", "CreateAlias", {"AliasName": properties["AliasName"], "TargetKeyId": properties["TargetKeyId"]})
        return Created(properties["AliasName"], {})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        api.call("kms", "UpdateAlias", {"AliasName": physical_id, "TargetKeyId": new["TargetKeyId"]})
        return {}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("kms", "DeleteAlias", {"AliasName": physical_id})
