"""AWS::IAM::AccessKey, through IAM's own API. Ref is the access key id; ``SecretAccessKey`` is sealed
among the stack's attributes (sealed.py) and unsealed only to answer Fn::GetAtt. A changed ``Serial`` or
``UserName`` is a new key (both are create-only in the type's schema); ``Status`` changes in place."""
from __future__ import annotations

from nimbus.protocol.errors import ServiceError

from .base import Api, Created, Handler, required


class AccessKey(Handler):
    type_name = "AWS::IAM::AccessKey"
    sealed_attributes = ("SecretAccessKey",)

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "UserName")
        key = api.call("iam", "CreateAccessKey", {"UserName": properties["UserName"]})["AccessKey"]
        if properties.get("Status", "Active") != "Active":
            self.update(api, key["AccessKeyId"], {"Status": "Active"}, properties)
        return Created(key["AccessKeyId"], {"SecretAccessKey": key["SecretAccessKey"]})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        if old.get("Status", "Active") != new.get("Status", "Active"):
            api.call("iam", "UpdateAccessKey", {"UserName": new["UserName"], "AccessKeyId": physical_id,
                                                "Status": new.get("Status", "Active")})
        return {}  # the secret is only answered once, at creation: the engine keeps it sealed

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("iam", "DeleteAccessKey", {"UserName": properties["UserName"], "AccessKeyId": physical_id})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        keys = api.call("iam", "ListAccessKeys", {"UserName": properties["UserName"]})["AccessKeyMetadata"]
        found = next((k for k in keys if k["AccessKeyId"] == physical_id), None)
        if found is None:
            raise ServiceError("NoSuchEntity", f"The Access Key with id {physical_id} cannot be found.", status=404)
        live = {"UserName": found["UserName"], "Status": found["Status"]}
        if "Serial" in properties:  # not a property of the key: only the template knows it
            live["Serial"] = properties["Serial"]
        return live
