"""Tags on delivery streams: at most 50, as AWS allows."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.tags import MAX_TAGS
from nimbus.protocol.errors import ServiceError
from nimbus.services.firehose.common import invalid
from nimbus.services.firehose.state import FirehoseState


def validate_tags(tags: list[dict]) -> None:
    if len(tags) > MAX_TAGS:
        raise invalid(f"A delivery stream can have at most {MAX_TAGS} tags.")
    for tag in tags:
        if tag["Key"].lower().startswith("aws:"):
            raise invalid("Tag keys may not start with 'aws:'.")


class TagOps(FirehoseState):
    def tag_delivery_stream(self, ctx: RequestContext, params: dict) -> dict:
        validate_tags(params["Tags"])
        with self.store.transaction():
            stream = self.stream(ctx, params["DeliveryStreamName"])
            tags = dict(stream["Tags"])
            tags.update({tag["Key"]: tag.get("Value", "") for tag in params["Tags"]})
            if len(tags) > MAX_TAGS:
                raise ServiceError("LimitExceededException",
                                   f"A delivery stream can have at most {MAX_TAGS} tags.")
            stream["Tags"] = tags
            self.streams.save(stream)
        return {}

    def untag_delivery_stream(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            stream = self.stream(ctx, params["DeliveryStreamName"])
            stream["Tags"] = {k: v for k, v in stream["Tags"].items() if k not in params["TagKeys"]}
            self.streams.save(stream)
        return {}

    def list_tags_for_delivery_stream(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.stream(ctx, params["DeliveryStreamName"])
        keys = sorted(stream["Tags"])
        start = params.get("ExclusiveStartTagKey")
        if start is not None:
            keys = [k for k in keys if k > start]
        limit = params.get("Limit") or 50
        return {"Tags": [{"Key": k, "Value": stream["Tags"][k]} for k in keys[:limit]],
                "HasMoreTags": len(keys) > limit}
