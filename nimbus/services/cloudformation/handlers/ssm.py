"""AWS::SSM::Parameter, through Parameter Store's own API."""
from __future__ import annotations

from .base import Api, Created, Handler, required

_MEMBERS = ("Type", "Value", "Description", "AllowedPattern", "Tier", "Policies", "DataType")


class Parameter(Handler):
    type_name = "AWS::SSM::Parameter"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "Type", "Value")
        name = properties.get("Name") or api.physical_name(128, prefix="CFN")
        params = {"Name": name, **{m: properties[m] for m in _MEMBERS if m in properties}}
        if properties.get("Tags"):
            params["Tags"] = [{"Key": k, "Value": v} for k, v in properties["Tags"].items()]
        api.call("ssm", "PutParameter", params)
        return Created(name, self._attributes(properties))

    @staticmethod
    def _attributes(properties: dict) -> dict:
        return {"Type": properties["Type"], "Value": properties["Value"]}

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        if old == new:  # nothing to change (an import): no new version
            return self._attributes(new)
        api.call("ssm", "PutParameter", {"Name": physical_id, "Overwrite": True,
                                         **{m: new[m] for m in _MEMBERS if m in new}})
        return self._attributes(new)

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("ssm", "DeleteParameter", {"Name": physical_id})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        parameter = api.call("ssm", "GetParameter", {"Name": physical_id})["Parameter"]
        described = api.call("ssm", "DescribeParameters", {"ParameterFilters": [
            {"Key": "Name", "Option": "Equals", "Values": [physical_id]}]})["Parameters"]
        details = described[0] if described else {}
        tags = api.call("ssm", "ListTagsForResource", {"ResourceType": "Parameter", "ResourceId": physical_id})
        policies = [p["PolicyText"] for p in details.get("Policies", [])]
        return {"Name": physical_id, "Type": parameter["Type"], "Value": parameter["Value"],
                "DataType": parameter.get("DataType", "text"), "Description": details.get("Description", ""),
                "AllowedPattern": details.get("AllowedPattern", ""), "Tier": details.get("Tier", "Standard"),
                "Policies": policies[0] if len(policies) == 1 else policies or None,
                "Tags": {t["Key"]: t["Value"] for t in tags.get("TagList", [])}}
