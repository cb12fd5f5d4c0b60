"""AWS::KMS::ReplicaKey, through KMS's own API: ReplicateKey called in the primary key's Region (from
``PrimaryKeyArn``) makes the replica in the stack's Region; afterwards it is a key of the stack's Region
like any other (description, policy, Enabled changed in place; deleted by scheduling its deletion)."""
from __future__ import annotations

import json

from nimbus.protocol.errors import ServiceError

from .base import Api, Created, boolean, policy_text, required, tag_list
from .kms import Key


class ReplicaKey(Key):
    type_name = "AWS::KMS::ReplicaKey"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "PrimaryKeyArn", "KeyPolicy")
        primary = properties["PrimaryKeyArn"]
        parts = primary.split(":")
        if len(parts) < 6 or parts[2] != "kms" or api.call_in is None:
            raise ServiceError("InvalidRequest", f"PrimaryKeyArn {primary} is not a KMS key ARN", status=400)
        params = {"KeyId": primary, "ReplicaRegion": api.region, "Policy": policy_text(properties["KeyPolicy"])}
        if "Description" in properties:
            params["Description"] = properties["Description"]
        if properties.get("Tags"):
            params["Tags"] = tag_list(properties["Tags"], "TagKey", "TagValue")
        metadata = api.call_in(parts[3])("kms", "ReplicateKey", params)["ReplicaKeyMetadata"]
        if not boolean(properties.get("Enabled", True)):
            api.call("kms", "DisableKey", {"KeyId": metadata["KeyId"]})
        return Created(metadata["KeyId"], {"Arn": metadata["Arn"], "KeyId": metadata["KeyId"]})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        metadata = api.call("kms", "DescribeKey", {"KeyId": physical_id})["KeyMetadata"]
        if metadata["KeyState"] == "PendingDeletion":
            raise ServiceError("NotFoundException", f"Key '{metadata['Arn']}' is pending deletion.", status=400)
        policy = api.call("kms", "GetKeyPolicy", {"KeyId": physical_id, "PolicyName": "default"})["Policy"]
        primary = metadata["MultiRegionConfiguration"]["PrimaryKey"]["Arn"]
        return {"PrimaryKeyArn": primary, "Description": metadata.get("Description", ""),
                "Enabled": metadata["Enabled"], "KeyPolicy": json.loads(policy)}
