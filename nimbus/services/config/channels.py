"""The delivery channel: where history files, snapshots and notifications go, checked as AWS checks it
(the bucket exists and Config, as the recorder's role, can write to it)."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.config import delivery
from nimbus.services.config.documents import DeliveryChannel
from nimbus.services.config.reading import Reader
from nimbus.services.config.state import ConfigState
from nimbus.services.config.state_names import SNAPSHOT_SECONDS, channels_ns

_CHANNEL_FIELDS = ("name", "s3BucketName", "s3KeyPrefix", "s3KmsKeyArn", "snsTopicARN",
                   "configSnapshotDeliveryProperties")
_STATUS_FIELDS = ("configSnapshotDeliveryInfo", "configHistoryDeliveryInfo", "configStreamDeliveryInfo")


def _no_such_channel(name: str) -> ServiceError:
    return ServiceError("NoSuchDeliveryChannelException",
                        f"Cannot find delivery channel with specified name '{name}'.", status=400)


class ChannelOps(ConfigState):
    def put_delivery_channel(self, ctx: RequestContext, params: dict) -> dict:
        wanted = params["DeliveryChannel"]
        name = wanted.get("name") or "default"
        recorder = self.recorder(ctx)
        if recorder is None:
            raise ServiceError("NoAvailableConfigurationRecorderException",
                               "Configuration recorder is not available to put delivery channel.", status=400)
        existing = self.channel(ctx)
        if existing is not None and existing["name"] != name:
            raise ServiceError("MaxNumberOfDeliveryChannelsExceededException",
                               f"Failed to put delivery channel '{name}' because the maximum number of delivery "
                               "channels: 1 is reached.", status=400)
        channel = DeliveryChannel(name=name, s3BucketName=wanted.get("s3BucketName") or "")
        for field in _CHANNEL_FIELDS[2:]:
            if wanted.get(field):
                channel[field] = wanted[field]  # type: ignore[literal-required]
        self._check(ctx, recorder["roleARN"], channel)
        for field in _STATUS_FIELDS:
            if existing is not None and field in existing:
                channel[field] = existing[field]  # type: ignore[literal-required]
        if existing is not None and "historyDeliveredUntil" in existing:
            channel["historyDeliveredUntil"] = existing["historyDeliveredUntil"]
        self.save_channel(ctx, channel)
        return {}

    def _check(self, ctx: RequestContext, role: str, channel: DeliveryChannel) -> None:
        bucket = channel["s3BucketName"]
        if not bucket:
            raise ServiceError("NoSuchBucketException", "Cannot find a S3 bucket with an empty bucket name.", status=400)
        prefix = channel.get("s3KeyPrefix", "")
        if prefix.startswith("/") or prefix.endswith("/") or "AWSLogs" in prefix:
            raise ServiceError("InvalidS3KeyPrefixException", f"The s3 key prefix '{prefix}' is not valid, empty s3 key prefix"
                               " or s3 key prefix containing 'AWSLogs' or starting or ending with '/' is not "
                               "allowed.", status=400)
        frequency = (channel.get("configSnapshotDeliveryProperties") or {}).get("deliveryFrequency")
        if frequency is not None and frequency not in SNAPSHOT_SECONDS:
            raise ServiceError("InvalidDeliveryChannelNameException", f"Invalid delivery frequency {frequency}.",
                               status=400)
        topic = channel.get("snsTopicARN")
        if topic is not None and (len(topic.split(":")) != 6 or topic.split(":")[2] != "sns"):
            raise ServiceError("InvalidSNSTopicARNException", f"The sns topic arn '{topic}' is not valid.", status=400)
        reader = Reader(self.runtime, ctx.account_id, ctx.region, role)
        try:
            delivery.check_writable(reader, channel)
        except ServiceError as error:
            if error.code == "NoSuchBucket":
                raise ServiceError("NoSuchBucketException",
                                   f"Cannot find a S3 bucket with an appropriate bucket policy: {bucket}.",
                                   status=400) from None
            raise ServiceError("InsufficientDeliveryPolicyException",
                               f"Insufficient delivery policy to s3 bucket: {bucket}, unable to write to bucket, "
                               f"provided s3 key prefix is '{prefix or 'null'}', provided kms key is "
                               f"'{channel.get('s3KmsKeyArn') or 'null'}'.", status=400) from None

    def describe_delivery_channels(self, ctx: RequestContext, params: dict) -> dict:
        return {"DeliveryChannels": [{k: c[k] for k in _CHANNEL_FIELDS if c.get(k)}  # type: ignore[literal-required]
                                     for c in self._selected_channels(ctx, params)]}

    def describe_delivery_channel_status(self, ctx: RequestContext, params: dict) -> dict:
        statuses = []
        for channel in self._selected_channels(ctx, params):
            status = {"name": channel["name"]}
            for field in _STATUS_FIELDS:
                status[field] = channel.get(field) or {"lastStatus": "NOT_APPLICABLE"}  # type: ignore[misc]
            statuses.append(status)
        return {"DeliveryChannelsStatus": statuses}

    def _selected_channels(self, ctx: RequestContext, params: dict) -> list[DeliveryChannel]:
        channel = self.channel(ctx)
        for name in params.get("DeliveryChannelNames") or []:
            if channel is None or channel["name"] != name:
                raise _no_such_channel(name)
        return [channel] if channel is not None else []

    def delete_delivery_channel(self, ctx: RequestContext, params: dict) -> dict:
        name = params["DeliveryChannelName"]
        channel = self.channel(ctx)
        if channel is None or channel["name"] != name:
            raise _no_such_channel(name)
        recorder = self.recorder(ctx)
        if recorder is not None and recorder.get("recording"):
            raise ServiceError("LastDeliveryChannelDeleteFailedException",
                               f"Failed to delete last specified delivery channel with name '{name}', because there "
                               "is a running configuration recorder.", status=400)
        self.store.delete(channels_ns(ctx.account_id, ctx.region), name)
        return {}

    def deliver_config_snapshot(self, ctx: RequestContext, params: dict) -> dict:
        name = params["deliveryChannelName"]
        channel = self.channel(ctx)
        if channel is None or channel["name"] != name:
            raise _no_such_channel(name)
        recorder = self.recorder(ctx)
        if recorder is None or not recorder.get("recording"):
            raise ServiceError("NoRunningConfigurationRecorderException",
                               "There is no configuration recorder running.", status=400)
        self.engine.flush()
        now = self.clock.time()
        try:
            snapshot_id = delivery.deliver_snapshot(self.runtime, ctx.account_id, ctx.region, recorder, channel)
        except ServiceError as error:
            delivery.export_status(channel, "configSnapshotDeliveryInfo", now, None, error)
            self.save_channel(ctx, channel)
            raise
        delivery.export_status(channel, "configSnapshotDeliveryInfo", now, None)
        self.save_channel(ctx, channel)
        return {"configSnapshotId": snapshot_id}
