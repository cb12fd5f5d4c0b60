"""AWS::CloudWatch::Alarm, ::CompositeAlarm, ::Dashboard and ::AnomalyDetector, through CloudWatch's own
API. The template's properties are the API's members (an anomaly detector's ``Dimensions`` and the rest as
PutAnomalyDetector takes them). Ref: the alarm's or dashboard's name, the detector's id; GetAtt Arn for
alarms."""
from __future__ import annotations

from .base import Api, Created, Handler, tag_list
from .shapes import conform

SERVICE = "cloudwatch"


class _Alarm(Handler):
    operation = ""
    name_limit = 255

    def create(self, api: Api, properties: dict) -> Created:
        name = properties.get("AlarmName") or api.physical_name(self.name_limit)
        self._put(api, name, properties, tags=True)
        return Created(name, {"Arn": api.arn(SERVICE, f"alarm:{name}")})

    def _put(self, api: Api, name: str, properties: dict, tags: bool) -> None:
        params = {**properties, "AlarmName": name}
        if tags and properties.get("Tags"):
            params["Tags"] = tag_list(properties["Tags"])
        else:
            params.pop("Tags", None)
        api.call(SERVICE, self.operation, conform(SERVICE, self.operation, params))

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        self._put(api, physical_id, new, tags=False)
        return {"Arn": api.arn(SERVICE, f"alarm:{physical_id}")}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call(SERVICE, "DeleteAlarms", {"AlarmNames": [physical_id]})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        found = api.call(SERVICE, "DescribeAlarms", {"AlarmNames": [physical_id],
                                                     "AlarmTypes": ["MetricAlarm", "CompositeAlarm"]})
        alarms = found.get("MetricAlarms", []) + found.get("CompositeAlarms", [])
        if not alarms:
            return None
        return {k: v for k, v in alarms[0].items() if k in properties or k == "AlarmName"}


class Alarm(_Alarm):
    type_name = "AWS::CloudWatch::Alarm"
    operation = "PutMetricAlarm"


class CompositeAlarm(_Alarm):
    type_name = "AWS::CloudWatch::CompositeAlarm"
    operation = "PutCompositeAlarm"


class Dashboard(Handler):
    type_name = "AWS::CloudWatch::Dashboard"

    def create(self, api: Api, properties: dict) -> Created:
        name = properties.get("DashboardName") or api.physical_name(255)
        api.call(SERVICE, "PutDashboard", {"DashboardName": name, "DashboardBody": properties["DashboardBody"]})
        return Created(name, {})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        api.call(SERVICE, "PutDashboard", {"DashboardName": physical_id, "DashboardBody": new["DashboardBody"]})
        return {}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call(SERVICE, "DeleteDashboards", {"DashboardNames": [physical_id]})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        got = api.call(SERVICE, "GetDashboard", {"DashboardName": physical_id})
        return {"DashboardName": physical_id, "DashboardBody": got["DashboardBody"]}


class AnomalyDetector(Handler):
    type_name = "AWS::CloudWatch::AnomalyDetector"

    def create(self, api: Api, properties: dict) -> Created:
        params = conform(SERVICE, "PutAnomalyDetector", dict(properties))
        return Created(api.call(SERVICE, "PutAnomalyDetector", params)["AnomalyDetectorId"], {})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        api.call(SERVICE, "PutAnomalyDetector", conform(SERVICE, "PutAnomalyDetector", dict(new)))
        return {}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call(SERVICE, "DeleteAnomalyDetector", {"AnomalyDetectorId": physical_id})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        found = api.call(SERVICE, "DescribeAnomalyDetectors", {"AnomalyDetectorIds": [physical_id]})
        return found["AnomalyDetectors"][0] if found["AnomalyDetectors"] else None
