"""Tags (stream and resource flavours), resource policies, and stream encryption settings."""
from __future__ import annotations

from nimbus.core.arns import ACCOUNT_ID
from nimbus.core.context import RequestContext
from nimbus.core.tags import MAX_TAGS
from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesis import access, encryption
from nimbus.services.kinesis.channel_state import channels_ns
from nimbus.services.kinesis.queues import queues_ns
from nimbus.services.kinesis.state import KinesisState


class TagOps(KinesisState):
    # -- tags ----------------------------------------------------------------

    def add_tags_to_stream(self, ctx: RequestContext, params: dict) -> dict:
        self._tag(ctx, self.stream(ctx, params, usable=False), None, params["Tags"])
        return {}

    def remove_tags_from_stream(self, ctx: RequestContext, params: dict) -> dict:
        self._untag(ctx, self.stream(ctx, params, usable=False), None, params["TagKeys"])
        return {}

    def list_tags_for_stream(self, ctx: RequestContext, params: dict) -> dict:
        tags = sorted(self.stream(ctx, params, usable=False)["tags"].items())
        start = params.get("ExclusiveStartTagKey")
        if start:
            tags = [t for t in tags if t[0] > start]
        limit = params.get("Limit") or 50
        return {"Tags": [{"Key": k, "Value": v} for k, v in tags[:limit]], "HasMoreTags": len(tags) > limit}

    def tag_resource(self, ctx: RequestContext, params: dict) -> dict:
        if self._is_stream_arn(params["ResourceARN"]):
            stream, consumer = self._resource(ctx, params["ResourceARN"])
            self._tag(ctx, stream, consumer, params["Tags"])
        else:
            self._edit_document_tags(ctx, params["ResourceARN"], lambda tags: {**tags, **params["Tags"]})
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict) -> dict:
        if self._is_stream_arn(params["ResourceARN"]):
            stream, consumer = self._resource(ctx, params["ResourceARN"])
            self._untag(ctx, stream, consumer, params["TagKeys"])
        else:
            self._edit_document_tags(ctx, params["ResourceARN"],
                                     lambda tags: {k: v for k, v in tags.items() if k not in params["TagKeys"]})
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: dict) -> dict:
        if self._is_stream_arn(params["ResourceARN"]):
            stream, consumer = self._resource(ctx, params["ResourceARN"])
            tags = (stream["consumers"][consumer] if consumer else stream)["tags"]
        else:
            tags = self._tagged_document(ctx, params["ResourceARN"])[2]["tags"]
        return {"Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}

    @staticmethod
    def _is_stream_arn(arn: str) -> bool:
        parts = arn.split(":", 5)
        return not (len(parts) == 6 and parts[5].startswith(("queue/", "channel/")))

    def _tagged_document(self, ctx: RequestContext, arn: str) -> tuple[tuple[str, ...], str, dict]:
        """Queues and channels are single store documents: their namespace, key and content."""
        if arn.split(":", 5)[5].startswith("queue/"):
            queue = self._queue(ctx, arn, usable=False)
            return queues_ns(ctx), queue["name"], queue
        channel = self._channel(ctx, arn)
        return channels_ns(ctx.account_id, ctx.region), channel["id"], channel

    def _edit_document_tags(self, ctx: RequestContext, arn: str, change) -> None:
        with self.store.transaction():
            namespace, key, document = self._tagged_document(ctx, arn)
            tags = change(document.get("tags") or {})
            if len(tags) > MAX_TAGS:
                raise ServiceError("InvalidArgumentException",
                                   f"Failed to add tags to {arn} because a resource cannot have more than "
                                   f"{MAX_TAGS} tags associated with it.")
            document["tags"] = tags
            self.store.put(namespace, key, document)

    def _tag(self, ctx: RequestContext, stream: dict, consumer: str | None, tags: dict) -> None:
        with self.lock(stream):
            owner = stream["consumers"][consumer] if consumer else stream
            merged = {**owner["tags"], **tags}
            if len(merged) > MAX_TAGS:
                raise ServiceError("InvalidArgumentException",
                                   f"Failed to add tags to stream {stream['name']} under account {ctx.account_id} "
                                   f"because a given stream cannot have more than {MAX_TAGS} tags associated with it.")
            owner["tags"] = merged
            self.save(ctx, stream)

    def _untag(self, ctx: RequestContext, stream: dict, consumer: str | None, keys: list[str]) -> None:
        with self.lock(stream):
            owner = stream["consumers"][consumer] if consumer else stream
            owner["tags"] = {k: v for k, v in owner["tags"].items() if k not in keys}
            self.save(ctx, stream)

    def _resource(self, ctx: RequestContext, arn: str) -> tuple[dict, str | None]:
        """The stream (and consumer name) an ARN names: ``.../stream/s`` or ``.../stream/s/consumer/c:ts``,
        once the caller is allowed the operation on it."""
        parts = arn.split(":", 5)
        resource = parts[5] if len(parts) == 6 and parts[2] == "kinesis" else ""
        pieces = resource.split("/")
        if len(pieces) not in (2, 4) or pieces[0] != "stream" or (len(pieces) == 4 and pieces[2] != "consumer") \
                or not ACCOUNT_ID.match(parts[4]):
            raise ServiceError("InvalidArgumentException", f"Invalid ResourceARN {arn}.")
        account = parts[4]
        stream = self.find(ctx, pieces[1], account) if parts[3] == ctx.region else None
        if len(pieces) == 2:
            access.check_stream(ctx, account, pieces[1], stream)
            consumer = None
        else:
            found = [n for n, c in stream["consumers"].items() if c["arn"] == arn] if stream is not None else []
            consumer = found[0] if found else None
            access.check_consumer(ctx, account, arn, stream["consumers"][consumer] if consumer else None)
        if stream is None or (len(pieces) == 4 and consumer is None):
            raise ServiceError("ResourceNotFoundException", f"Resource {arn} not found.")
        return stream, consumer

    # -- resource policies ---------------------------------------------------

    def put_resource_policy(self, ctx: RequestContext, params: dict) -> dict:
        stream, consumer = self._resource(ctx, params["ResourceARN"])
        access.validate(params["Policy"])
        with self.lock(stream):
            (stream["consumers"][consumer] if consumer else stream)["policy"] = params["Policy"]
            self.save(ctx, stream)
        return {}

    def get_resource_policy(self, ctx: RequestContext, params: dict) -> dict:
        stream, consumer = self._resource(ctx, params["ResourceARN"])
        policy = (stream["consumers"][consumer] if consumer else stream).get("policy")
        return {"Policy": policy or "{}"}

    def delete_resource_policy(self, ctx: RequestContext, params: dict) -> dict:
        stream, consumer = self._resource(ctx, params["ResourceARN"])
        with self.lock(stream):
            owner = stream["consumers"][consumer] if consumer else stream
            if not owner.get("policy"):
                raise ServiceError("ResourceNotFoundException", f"No resource policy found for {params['ResourceARN']}.")
            owner["policy"] = None
            self.save(ctx, stream)
        return {}

    # -- encryption ----------------------------------------------------------

    def start_stream_encryption(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.active(ctx, params)
        if params["EncryptionType"] != "KMS":
            raise ServiceError("InvalidArgumentException", "EncryptionType must be KMS.")
        encryption.check_key(ctx, params["KeyId"])
        with self.lock(stream):
            old = stream["encryption"]
            same_key = old.get("key_id") == params["KeyId"] or old.get("data_key_of") == params["KeyId"]
            stream["encryption"] = {"type": "KMS", "key_id": params["KeyId"],
                                    "data_key": old.get("data_key") if same_key else None}
            self.begin_update(ctx, stream)
            self.save(ctx, stream)
        return {}

    def stop_stream_encryption(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.active(ctx, params)
        with self.lock(stream):
            old = stream["encryption"]
            # Records already sealed stay readable: the data key is kept.
            stream["encryption"] = {"type": "NONE", "key_id": None, "data_key": old.get("data_key"),
                                    "data_key_of": old.get("key_id") or old.get("data_key_of")}
            self.begin_update(ctx, stream)
            self.save(ctx, stream)
        return {}
