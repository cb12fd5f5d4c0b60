"""AWS::Kinesis::Stream, through Kinesis's own API; the resource is complete once the stream is ACTIVE."""
from __future__ import annotations

import time

from nimbus.protocol.errors import ServiceError

from .base import Api, Created, Handler, tag_map

ACTIVE_WAIT_SECONDS = 60  # real seconds; a stream turns ACTIVE after Kinesis's transition time


def _wait_active(api: Api, name: str) -> str:
    deadline = time.monotonic() + ACTIVE_WAIT_SECONDS
    while True:
        summary = api.call("kinesis", "DescribeStreamSummary", {"StreamName": name})["StreamDescriptionSummary"]
        if summary["StreamStatus"] == "ACTIVE":
            return summary["StreamARN"]
        if time.monotonic() > deadline:
            raise ServiceError("NotStabilized", f"Stream {name} did not become ACTIVE", status=400)
        time.sleep(0.1)


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
        api.call("kinesis", "DeleteStream", {"StreamName": physical_id, "EnforceConsumerDeletion": True})
