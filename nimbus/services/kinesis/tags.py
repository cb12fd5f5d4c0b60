"""Tags (stream and resource flavours), resource policies, and stream encryption settings."""
from __future__ import annotations

from collections.abc import Callable

from nimbus.core.arns import ACCOUNT_ID
from nimbus.core.context import RequestContext
from nimbus.core.tags import MAX_TAGS
from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesis import access, encryption
from nimbus.services.kinesis.channel_state import save_channel
from nimbus.services.kinesis.documents import QUEUE, Channel, Queue, Stream
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
        tags = sorted(self.stream(ctx, params, usable=False)["Tags"].items())
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
            tags = (stream["Consumers"][consumer] if consumer else stream)["Tags"]
        else:
            tags = self._tagged_document(ctx, params["ResourceARN"])[0]["Tags"]
        return {"Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}

    @staticmethod
    def _is_stream_arn(arn: str) -> bool:
        parts = arn.split(":", 5)
        return not (len(parts) == 6 and parts[5].startswith(("queue/", "channel/")))

    def _tagged_document(self, ctx: RequestContext, arn: str) -> tuple[Queue | Channel, Callable[[], None]]:
        """Queues and channels are single store documents: the document, and what stores it again."""
        if arn.split(":", 5)[5].startswith("queue/"):
            queue = self._queue(ctx, arn, usable=False)
            return queue, lambda: QUEUE.put(self.store, queues_ns(ctx), queue["QueueName"], queue)
        channel = self._channel(ctx, arn)
        return channel, lambda: save_channel(self.store, channel)

    def _edit_document_tags(self, ctx: RequestContext, arn: str, change) -> None:
        with self.store.transaction():
            document, save = self._tagged_document(ctx, arn)
            tags = change(document["Tags"])
            if len(tags) > MAX_TAGS:
                raise ServiceError("InvalidArgumentException",
                                   f"Failed to add tags to {arn} because a resource cannot have more than "
                                   f"{MAX_TAGS} tags associated with it.")
            document["Tags"] = tags
            save()

    def _tag(self, ctx: RequestContext, stream: Stream, consumer: str | None, tags: dict) -> None:
        with self.lock(stream):
            owner = stream["Consumers"][consumer] if consumer else stream
            merged = {**owner["Tags"], **tags}
            if len(merged) > MAX_TAGS:
                raise ServiceError("InvalidArgumentException",
                                   f"Failed to add tags to stream {stream['StreamName']} under account {ctx.account_id} "
                                   f"because a given stream cannot have more than {MAX_TAGS} tags associated with it.")
            owner["Tags"] = merged
            self.save(ctx, stream)
        self._consumer_tagged(ctx, stream, consumer)

    def _untag(self, ctx: RequestContext, stream: Stream, consumer: str | None, keys: list[str]) -> None:
        with self.lock(stream):
            owner = stream["Consumers"][consumer] if consumer else stream
            owner["Tags"] = {k: v for k, v in owner["Tags"].items() if k not in keys}
            self.save(ctx, stream)
        self._consumer_tagged(ctx, stream, consumer)

    @staticmethod
    def _consumer_tagged(ctx: RequestContext, stream: Stream, consumer: str | None) -> None:
        if consumer:  # AWS Config records a consumer's tags
            ctx.emit_resource_change("AWS::Kinesis::StreamConsumer", stream["Consumers"][consumer]["ConsumerARN"],
                                     "updated")

    def _resource(self, ctx: RequestContext, arn: str) -> tuple[Stream, str | None]:
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
            found = [n for n, c in stream["Consumers"].items() if c["ConsumerARN"] == arn] if stream is not None else []
            consumer = found[0] if found else None
            access.check_consumer(ctx, account, arn, stream["Consumers"][consumer] if stream and consumer else None)
        if stream is None or (len(pieces) == 4 and consumer is None):
            raise ServiceError("ResourceNotFoundException", f"Resource {arn} not found.")
        return stream, consumer

    # -- resource policies ---------------------------------------------------

    def put_resource_policy(self, ctx: RequestContext, params: dict) -> dict:
        stream, consumer = self._resource(ctx, params["ResourceARN"])
        access.validate(params["Policy"])
        with self.lock(stream):
            (stream["Consumers"][consumer] if consumer else stream)["Policy"] = params["Policy"]
            self.save(ctx, stream)
        return {}

    def get_resource_policy(self, ctx: RequestContext, params: dict) -> dict:
        stream, consumer = self._resource(ctx, params["ResourceARN"])
        policy = (stream["Consumers"][consumer] if consumer else stream)["Policy"]
        return {"Policy": policy or "{}"}

    def delete_resource_policy(self, ctx: RequestContext, params: dict) -> dict:
        stream, consumer = self._resource(ctx, params["ResourceARN"])
        with self.lock(stream):
            owner = stream["Consumers"][consumer] if consumer else stream
            if not owner["Policy"]:
                raise ServiceError("ResourceNotFoundException", f"No resource policy found for {params['ResourceARN']}.")
            owner["Policy"] = None
            self.save(ctx, stream)
        return {}

    # -- encryption ----------------------------------------------------------

    def start_stream_encryption(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.active(ctx, params)
        if params["EncryptionType"] != "KMS":
            raise ServiceError("InvalidArgumentException", "EncryptionType must be KMS.")
        encryption.check_key(ctx, params["KeyId"])
        with self.lock(stream):
            old = stream["Encryption"]
            same_key = params["KeyId"] in (old["KeyId"], old["DataKeyOf"])
            stream["Encryption"] = {"EncryptionType": "KMS", "KeyId": params["KeyId"],
                                    "DataKey": old["DataKey"] if same_key else None, "DataKeyOf": None}
            self.begin_update(ctx, stream)
            self.save(ctx, stream)
        ctx.emit_resource_change("AWS::Kinesis::Stream", stream["StreamARN"], "updated",
                                 lambda: {"StreamEncryption": stream["Encryption"]["EncryptionType"]})
        return {}

    def stop_stream_encryption(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.active(ctx, params)
        with self.lock(stream):
            old = stream["Encryption"]
            # Records already sealed stay readable: the data key is kept.
            stream["Encryption"] = {"EncryptionType": "NONE", "KeyId": None, "DataKey": old["DataKey"],
                                    "DataKeyOf": old["KeyId"] or old["DataKeyOf"]}
            self.begin_update(ctx, stream)
            self.save(ctx, stream)
        ctx.emit_resource_change("AWS::Kinesis::Stream", stream["StreamARN"], "updated",
                                 lambda: {"StreamEncryption": stream["Encryption"]["EncryptionType"]})
        return {}
