"""AWS::Kinesis::Stream and AWS::Kinesis::StreamConsumer, through Kinesis's own API; each is complete once
it is ACTIVE."""
from __future__ import annotations

import time
from collections.abc import Callable

from nimbus.protocol.errors import ServiceError

from .base import Api, Created, Handler, required, tag_list, tag_map

ACTIVE_WAIT_SECONDS = 60  # real seconds; a stream turns ACTIVE (or goes) after Kinesis's transition time


def when_active(what: str, status: Callable[[], dict], member: str) -> dict:
    """``status()`` once its ``member`` is ACTIVE (Kinesis's transitions follow the virtual clock)."""
    deadline = time.monotonic() + ACTIVE_WAIT_SECONDS
    while True:
        described = status()
        if described[member] == "ACTIVE":
            return described
        if time.monotonic() > deadline:
            raise ServiceError("NotStabilized", f"{what} did not become ACTIVE", status=400)
        time.sleep(0.1)


def _wait_active(api: Api, name: str) -> str:
    summary = when_active(f"Stream {name}", lambda: api.call("kinesis", "DescribeStreamSummary", {
        "StreamName": name})["StreamDescriptionSummary"], "StreamStatus")
    return summary["StreamARN"]


class Stream(Handler):
    type_name = "AWS::Kinesis::Stream"

    def create(self, api: Api, properties: dict) -> Created:
        name = properties.get("Name") or api.physical_name(128)
        mode = (properties.get("StreamModeDetails") or {}).get("StreamMode", "PROVISIONED")
        params: dict = {"StreamName": name, "StreamModeDetails": {"StreamMode": mode}}
        if mode == "PROVISIONED":
            params["ShardCount"] = int(properties.get("ShardCount", 1))
        if properties.get("Tags"):
            params["Tags"] = tag_map(properties["Tags"])
        api.call("kinesis", "CreateStream", params)
        arn = _wait_active(api, name)
        self.update(api, name, {"ShardCount": params.get("ShardCount")}, properties)
        return Created(name, {"Arn": arn})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        stream = {"StreamName": physical_id}
        if "ShardCount" in new and old.get("ShardCount") is not None and int(old["ShardCount"]) != int(new["ShardCount"]):
            api.call("kinesis", "UpdateShardCount", {**stream, "TargetShardCount": int(new["ShardCount"]),
                                                     "ScalingType": "UNIFORM_SCALING"})
            _wait_active(api, physical_id)
        hours, before = int(new.get("RetentionPeriodHours", 24)), int(old.get("RetentionPeriodHours", 24))
        if hours != before:
            operation = "IncreaseStreamRetentionPeriod" if hours > before else "DecreaseStreamRetentionPeriod"
            api.call("kinesis", operation, {**stream, "RetentionPeriodHours": hours})
            _wait_active(api, physical_id)
        return {"Arn": _wait_active(api, physical_id)}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        """Complete once the stream is gone (it is DELETING first), as AWS's handler waits."""
        api.call("kinesis", "DeleteStream", {"StreamName": physical_id, "EnforceConsumerDeletion": True})
        deadline = time.monotonic() + ACTIVE_WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                api.call("kinesis", "DescribeStreamSummary", {"StreamName": physical_id})
            except ServiceError as error:
                if error.code == "ResourceNotFoundException":
                    return
                raise
            time.sleep(0.1)
        raise ServiceError("NotStabilized", f"Stream {physical_id} was not deleted", status=400)

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        stream = {"StreamName": physical_id}
        summary = api.call("kinesis", "DescribeStreamSummary", stream)["StreamDescriptionSummary"]
        mode = summary.get("StreamModeDetails", {}).get("StreamMode", "PROVISIONED")
        tags = api.call("kinesis", "ListTagsForStream", stream).get("Tags", [])
        return {"Name": physical_id, "StreamModeDetails": {"StreamMode": mode},
                "ShardCount": summary["OpenShardCount"] if mode == "PROVISIONED" else None,
                "RetentionPeriodHours": summary["RetentionPeriodHours"], "Tags": tag_list(tags)}


class StreamConsumer(Handler):
    type_name = "AWS::Kinesis::StreamConsumer"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "StreamARN", "ConsumerName")
        arn = api.call("kinesis", "RegisterStreamConsumer", {"StreamARN": properties["StreamARN"],
                                                             "ConsumerName": properties["ConsumerName"]})[
            "Consumer"]["ConsumerARN"]
        return Created(arn, self.update(api, arn, properties, properties))

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        consumer = when_active(f"Consumer {physical_id}", lambda: api.call("kinesis", "DescribeStreamConsumer", {
            "ConsumerARN": physical_id})["ConsumerDescription"], "ConsumerStatus")
        return {"ConsumerARN": physical_id, "ConsumerName": consumer["ConsumerName"],
                "ConsumerStatus": consumer["ConsumerStatus"], "StreamARN": consumer["StreamARN"],
                "ConsumerCreationTimestamp": str(consumer["ConsumerCreationTimestamp"])}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("kinesis", "DeregisterStreamConsumer", {"ConsumerARN": physical_id})
