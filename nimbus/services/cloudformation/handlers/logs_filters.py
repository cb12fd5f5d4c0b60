"""AWS::Logs::SubscriptionFilter, AWS::Logs::MetricFilter and AWS::Logs::Destination, through CloudWatch Logs'
own API (a filter is put again to change it, as AWS's handlers do)."""
from __future__ import annotations

from .base import Api, Created, Handler, boolean, policy_text, required


def _subscription_params(name: str, properties: dict) -> dict:
    params = {"logGroupName": properties["LogGroupName"], "filterName": name,
              "filterPattern": properties["FilterPattern"], "destinationArn": properties["DestinationArn"]}
    for member, prop in (("roleArn", "RoleArn"), ("distribution", "Distribution")):
        if properties.get(prop):
            params[member] = properties[prop]
    if "ApplyOnTransformedLogs" in properties:
        params["applyOnTransformedLogs"] = boolean(properties["ApplyOnTransformedLogs"])
    return params


def _transformation(template: dict) -> dict:
    out = {"metricName": template["MetricName"], "metricNamespace": template["MetricNamespace"],
           "metricValue": str(template["MetricValue"])}
    if template.get("DefaultValue") is not None:
        out["defaultValue"] = float(template["DefaultValue"])
    if template.get("Unit"):
        out["unit"] = template["Unit"]
    if template.get("Dimensions"):
        out["dimensions"] = {d["Key"]: d["Value"] for d in template["Dimensions"]}
    return out


class SubscriptionFilter(Handler):
    type_name = "AWS::Logs::SubscriptionFilter"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "LogGroupName", "FilterPattern", "DestinationArn")
        name = properties.get("FilterName") or api.physical_name(512)
        api.call("logs", "PutSubscriptionFilter", _subscription_params(name, properties))
        return Created(name, {})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        api.call("logs", "PutSubscriptionFilter", _subscription_params(physical_id, new))
        return {}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("logs", "DeleteSubscriptionFilter", {"logGroupName": properties["LogGroupName"],
                                                      "filterName": physical_id})


class MetricFilter(Handler):
    type_name = "AWS::Logs::MetricFilter"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "LogGroupName", "FilterPattern", "MetricTransformations")
        name = properties.get("FilterName") or api.physical_name(512)
        self.update(api, name, {}, properties)
        return Created(name, {})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        params = {"logGroupName": new["LogGroupName"], "filterName": physical_id,
                  "filterPattern": new["FilterPattern"],
                  "metricTransformations": [_transformation(t) for t in new["MetricTransformations"]]}
        if "ApplyOnTransformedLogs" in new:
            params["applyOnTransformedLogs"] = boolean(new["ApplyOnTransformedLogs"])
        api.call("logs", "PutMetricFilter", params)
        return {}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("logs", "DeleteMetricFilter", {"logGroupName": properties["LogGroupName"],
                                                "filterName": physical_id})


class Destination(Handler):
    type_name = "AWS::Logs::Destination"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "DestinationName", "TargetArn", "RoleArn")
        name = properties["DestinationName"]
        return Created(name, self.update(api, name, {}, properties))

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        arn = api.call("logs", "PutDestination", {"destinationName": physical_id, "targetArn": new["TargetArn"],
                                                  "roleArn": new["RoleArn"]})["destination"]["arn"]
        if new.get("DestinationPolicy"):
            api.call("logs", "PutDestinationPolicy", {"destinationName": physical_id,
                                                      "accessPolicy": policy_text(new["DestinationPolicy"])})
        return {"Arn": arn}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("logs", "DeleteDestination", {"destinationName": physical_id})
