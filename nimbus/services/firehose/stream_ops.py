"""Delivery stream lifecycle: create, delete, describe, list, update the destination."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.firehose import checks
from nimbus.services.firehose.common import DESTINATION_KEYS, checkpoints_ns, errors_ns, invalid
from nimbus.services.firehose.delivery_streams import merge_update, with_defaults
from nimbus.services.firehose.documents import DeliveryStream, Encryption, KinesisSource, StreamRef
from nimbus.services.firehose.encryption import encryption_settings
from nimbus.services.firehose.state import FirehoseState
from nimbus.services.firehose.tags import validate_tags


class StreamOps(FirehoseState):
    def create_delivery_stream(self, ctx: RequestContext, params: dict) -> dict:
        name = params["DeliveryStreamName"]
        if self.streams.find(ctx.account_id, ctx.region, name) is not None:
            raise self._in_use(ctx, name)
        stream_type = params.get("DeliveryStreamType", "DirectPut")
        given = [key for key in DESTINATION_KEYS if params.get(key)]
        if len(given) != 1:
            raise invalid("Exactly one destination configuration must be specified.")
        kind = given[0][:-len("DestinationConfiguration")]
        given_source = params.get("KinesisStreamSourceConfiguration")
        source = KinesisSource(KinesisStreamARN=given_source["KinesisStreamARN"], RoleARN=given_source["RoleARN"]) \
            if given_source else None
        ref = StreamRef(DeliveryStreamARN=ctx.arn(f"deliverystream/{name}"), AccountId=ctx.account_id,
                        Region=ctx.region)
        config = with_defaults(kind, params[given[0]])
        if stream_type == "KinesisStreamAsSource":
            if not source:
                raise invalid("KinesisStreamSourceConfiguration is required for a KinesisStreamAsSource stream.")
        elif stream_type != "DirectPut":
            raise invalid(f"nimbus supports the DirectPut and KinesisStreamAsSource stream types, not {stream_type}.")
        elif source:
            raise invalid("KinesisStreamSourceConfiguration is only valid for a KinesisStreamAsSource stream.")
        if stream_type == "KinesisStreamAsSource" and params.get("DeliveryStreamEncryptionConfigurationInput"):
            raise invalid("Server-side encryption is not supported for a KinesisStreamAsSource stream.")
        checks.roles(ctx, ref, config, source)
        if source:
            checks.kinesis_stream_exists(self.runtime, ref, source)
        checks.destination(self.runtime, ref, kind, config)
        validate_tags(params.get("Tags") or [])
        encryption = params.get("DeliveryStreamEncryptionConfigurationInput")
        stream = DeliveryStream(
            **ref, DeliveryStreamName=name, DeliveryStreamType=stream_type, DeliveryStreamStatus="CREATING",
            DestinationType=kind, DestinationConfiguration=config, CreateTimestamp=ctx.clock.time(),
            LastUpdateTimestamp=None, VersionId=1,
            KinesisStreamSourceConfiguration=source,
            DeliveryStreamEncryptionConfiguration=encryption_settings(ctx, encryption) if encryption
            else Encryption(Status="DISABLED"),
            Tags={tag["Key"]: tag.get("Value", "") for tag in params.get("Tags") or []})
        with self.store.transaction():
            if self.streams.find(ctx.account_id, ctx.region, name) is not None:  # created meanwhile
                raise self._in_use(ctx, name)
            self.streams.save(stream)
        ctx.emit_resource_change("AWS::KinesisFirehose::DeliveryStream", stream["DeliveryStreamARN"], "created",
                                 lambda: {"DeliveryStreamName": name, "DeliveryStreamType": stream_type})
        return {"DeliveryStreamARN": stream["DeliveryStreamARN"]}

    @staticmethod
    def _in_use(ctx: RequestContext, name: str) -> ServiceError:
        return ServiceError("ResourceInUseException",
                            f"Firehose {name} under accountId {ctx.account_id} already exists")

    def delete_delivery_stream(self, ctx: RequestContext, params: dict) -> dict:
        name = params["DeliveryStreamName"]
        stream = self.stream(ctx, name)
        if self.streams.status(stream) == "CREATING" and not params.get("AllowForceDelete"):
            raise ServiceError("ResourceInUseException",
                               f"Firehose {name} under account {ctx.account_id} is in CREATING state.")
        with self.deliverer._lock:  # not while a delivery of it is under way
            with self.store.transaction():
                self.streams.delete(stream)
                self.store.delete_namespace(checkpoints_ns(ctx.account_id, ctx.region, name))
                self.store.delete_namespace(errors_ns(ctx.account_id, ctx.region, name))
            self.buffers.drop(ctx.account_id, ctx.region, name)
        ctx.emit_resource_change("AWS::KinesisFirehose::DeliveryStream", stream["DeliveryStreamARN"], "deleted")
        return {}

    def describe_delivery_stream(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.stream(ctx, params["DeliveryStreamName"])
        description = self.streams.describe(stream)
        failing = self.deliverer.failing(stream)
        if failing and "FailureDescription" not in description:
            # AWS reports delivery errors in CloudWatch Logs; nimbus shows the current one here too.
            description["FailureDescription"] = {
                "Type": "UNKNOWN_ERROR",
                "Details": f"{failing['code']}: {failing['message']} (failing since "
                           f"{timestamp(failing['since']).isoformat()}, {failing['attempts']} attempts)"}
        return {"DeliveryStreamDescription": description}

    def list_delivery_streams(self, ctx: RequestContext, params: dict) -> dict:
        wanted = params.get("DeliveryStreamType")
        start = params.get("ExclusiveStartDeliveryStreamName")
        limit = params.get("Limit") or 10
        names = []
        for name in self.streams.names(ctx.account_id, ctx.region):
            if start is not None and name <= start:
                continue
            if wanted and self.streams.get(ctx.account_id, ctx.region, name)["DeliveryStreamType"] != wanted:
                continue
            names.append(name)
        return {"DeliveryStreamNames": names[:limit], "HasMoreDeliveryStreams": len(names) > limit}

    def update_destination(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            stream = self.stream(ctx, params["DeliveryStreamName"])
            if params["CurrentDeliveryStreamVersionId"] != str(stream["VersionId"]):
                raise ServiceError("ConcurrentModificationException",
                                   f"Cannot update firehose: {stream['DeliveryStreamName']} since the current "
                                   f"version id: {stream['VersionId']} and specified version id: "
                                   f"{params['CurrentDeliveryStreamVersionId']} do not match")
            if params["DestinationId"] != "destinationId-000000000001":
                raise invalid(f"Destination Id {params['DestinationId']} not found.")
            if not self.streams.is_active(stream):
                raise ServiceError("ResourceInUseException", f"Firehose {stream['DeliveryStreamName']} is not ACTIVE.")
            updates = [key for key in params if key.endswith("DestinationUpdate") and params[key]]
            if len(updates) != 1:
                raise invalid("Exactly one destination update must be specified.")
            kind = updates[0][:-len("DestinationUpdate")]
            update = params[updates[0]]
            current = stream["DestinationType"]
            if kind == current or {kind, current} == {"S3", "ExtendedS3"}:
                config = merge_update(stream["DestinationConfiguration"], update)
            else:
                config = merge_update({}, update)
            config = with_defaults(kind, config)
            checks.roles(ctx, stream, config)
            checks.destination(self.runtime, stream, kind, config)
            stream["DestinationType"], stream["DestinationConfiguration"] = kind, config
            stream["VersionId"] += 1
            stream["LastUpdateTimestamp"] = ctx.clock.time()
            self.streams.save(stream)
        return {}
