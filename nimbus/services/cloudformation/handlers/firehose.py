"""AWS::KinesisFirehose::DeliveryStream, through Firehose's own API: the destinations Firehose serves, each
with the RoleARN Firehose requires (Firehose itself checks that it may pass and assume it). The template's
properties are the API's members, so they pass through (numbers written as strings converted). Complete
once ACTIVE; a destination, encryption or tag change is made in place."""
from __future__ import annotations

from nimbus.protocol import models

from .base import Api, Created, Handler
from .kinesis import when_active
from .shapes import conform

_DESTINATIONS = ("S3", "ExtendedS3", "Redshift", "HttpEndpoint", "Elasticsearch", "Amazonopensearchservice",
                 "Splunk", "AmazonOpenSearchServerless", "Snowflake", "Iceberg")


def _destination(properties: dict) -> str | None:
    return next((d for d in _DESTINATIONS if properties.get(f"{d}DestinationConfiguration")), None)


def _as_update(kind: str, config: dict) -> dict:
    """A destination's configuration in UpdateDestination's words (``S3Configuration`` is ``S3Update``...)."""
    members = models.operation_model("firehose", "UpdateDestination").input_shape.members[
        f"{kind}DestinationUpdate"].members
    update = {}
    for key, value in config.items():
        renamed = key if key in members else key.removesuffix("Configuration") + "Update"
        if renamed in members:
            update[renamed] = value
    return update


class DeliveryStream(Handler):
    type_name = "AWS::KinesisFirehose::DeliveryStream"

    def create(self, api: Api, properties: dict) -> Created:
        name = properties.get("DeliveryStreamName") or api.physical_name(64)
        params = {**{k: v for k, v in properties.items() if k != "Arn"}, "DeliveryStreamName": name}
        arn = api.call("firehose", "CreateDeliveryStream", conform("firehose", "CreateDeliveryStream", params))[
            "DeliveryStreamARN"]
        self._described(api, name)
        return Created(name, {"Arn": arn})

    @staticmethod
    def _described(api: Api, name: str) -> dict:
        return when_active(f"Delivery stream {name}", lambda: api.call("firehose", "DescribeDeliveryStream", {
            "DeliveryStreamName": name})["DeliveryStreamDescription"], "DeliveryStreamStatus")

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        stream = {"DeliveryStreamName": physical_id}
        described = self._described(api, physical_id)
        kind = _destination(new)
        if kind and (_destination(old) != kind or old.get(f"{kind}DestinationConfiguration")
                     != new[f"{kind}DestinationConfiguration"]):
            params = {**stream, "CurrentDeliveryStreamVersionId": described["VersionId"],
                      "DestinationId": described["Destinations"][0]["DestinationId"],
                      f"{kind}DestinationUpdate": _as_update(kind, new[f"{kind}DestinationConfiguration"])}
            api.call("firehose", "UpdateDestination", conform("firehose", "UpdateDestination", params))
        encryption = new.get("DeliveryStreamEncryptionConfigurationInput")
        if old.get("DeliveryStreamEncryptionConfigurationInput") != encryption:
            if encryption:
                api.call("firehose", "StartDeliveryStreamEncryption", {
                    **stream, "DeliveryStreamEncryptionConfigurationInput": encryption})
            else:
                api.call("firehose", "StopDeliveryStreamEncryption", stream)
        if old.get("Tags") != new.get("Tags"):
            gone = [t["Key"] for t in old.get("Tags", []) if t["Key"] not in {n["Key"] for n in new.get("Tags", [])}]
            if gone:
                api.call("firehose", "UntagDeliveryStream", {**stream, "TagKeys": gone})
            if new.get("Tags"):
                api.call("firehose", "TagDeliveryStream", {**stream, "Tags": new["Tags"]})
        return {"Arn": described["DeliveryStreamARN"]}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("firehose", "DeleteDeliveryStream", {"DeliveryStreamName": physical_id, "AllowForceDelete": True})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        described = api.call("firehose", "DescribeDeliveryStream", {"DeliveryStreamName": physical_id})[
            "DeliveryStreamDescription"]
        live: dict = {"DeliveryStreamName": physical_id, "DeliveryStreamType": described["DeliveryStreamType"]}
        for key, value in described["Destinations"][0].items():
            if key.endswith("DestinationDescription"):
                live[key.removesuffix("Description") + "Configuration"] = value
        tags = api.call("firehose", "ListTagsForDeliveryStream", {"DeliveryStreamName": physical_id})["Tags"]
        if tags:
            live["Tags"] = tags
        return live
