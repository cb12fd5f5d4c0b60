"""AWS::CloudFront::RealtimeLogConfig: a real-time log configuration, through CloudFront's own API. Its name
is create-only (a new name replaces the configuration); Ref and GetAtt Arn answer its ARN."""
from __future__ import annotations

from nimbus.protocol.errors import ServiceError

from .base import Api, Created, Handler, gone, required

_MEMBERS = ("EndPoints", "Fields", "SamplingRate")


def _config(properties: dict) -> dict:
    return {"EndPoints": properties["EndPoints"], "Fields": properties["Fields"],
            "SamplingRate": int(float(properties["SamplingRate"]))}


class RealtimeLogConfig(Handler):
    type_name = "AWS::CloudFront::RealtimeLogConfig"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "Name", *_MEMBERS)
        made = api.call("cloudfront", "CreateRealtimeLogConfig", {"Name": properties["Name"], **_config(properties)})
        arn = made["RealtimeLogConfig"]["ARN"]
        return Created(arn, {"Arn": arn})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        required(new, *_MEMBERS)
        api.call("cloudfront", "UpdateRealtimeLogConfig", {"ARN": physical_id, **_config(new)})
        return {"Arn": physical_id}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        try:
            api.call("cloudfront", "DeleteRealtimeLogConfig", {"ARN": physical_id})
        except ServiceError as error:
            if not gone(error):
                raise

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        try:
            live = api.call("cloudfront", "GetRealtimeLogConfig", {"ARN": physical_id})["RealtimeLogConfig"]
        except ServiceError as error:
            if gone(error):
                return None
            raise
        return {"Name": live["Name"], "EndPoints": live["EndPoints"], "Fields": live["Fields"],
                "SamplingRate": live["SamplingRate"]}
