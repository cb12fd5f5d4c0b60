"""Channels: a stream's records delivered to a general purpose S3 bucket (or, in AWS, to S3 Tables).

A channel is one document in ``("kinesis", account, region, "channels")`` keyed by its id (its ARN is
``...:channel/<id>``, as in AWS). Status follows the virtual clock like a stream's: CREATING, then ACTIVE
(or FAILED for an S3 Tables destination, which nimbus does not serve); UpdateChannel makes it UPDATING;
DeleteChannel makes it DELETING, then it is gone. Delivery itself is channel_delivery.py.
"""
from __future__ import annotations

import base64
import json
import uuid

from nimbus.core.context import CallSource, RequestContext
from nimbus.core.errors import not_found
from nimbus.core.paging import page
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesis import channel_checks as checks
from nimbus.services.kinesis.channel_delivery import ChannelDelivery, progress_ns
from nimbus.services.kinesis.channel_objects import DEFAULT_TEMPLATE, default_error_prefix
from nimbus.services.kinesis.channel_state import FAILED, channel_status, channels_in, channels_ns, save_channel
from nimbus.services.kinesis.documents import CHANNEL, Channel, Stream
from nimbus.services.kinesis.state import ACTIVE, CREATING, DELETING, UPDATING, KinesisState, transition_seconds

LIST_LIMIT = 100
NO_S3_TABLES = ("nimbus does not serve Amazon S3 Tables, so this channel cannot deliver to a streaming table. "
                "Deliver to a general purpose S3 bucket (S3DestinationConfiguration) instead.")


def channels_of_stream(store, stream: Stream, account: str, region: str, now: float) -> list[Channel]:
    return [c for c in channels_in(store, account, region)
            if c["Stream"]["StreamId"] == stream["StreamId"] and channel_status(c, now) is not None]


def _logging(given: dict | None, name: str, channel_id: str) -> dict:
    logs = dict((given or {}).get("CloudWatchLogs") or {"Enabled": False})
    if logs["Enabled"]:
        logs.setdefault("LogGroupName", f"/aws/kinesis/{name}/{channel_id}")
        logs.setdefault("LogStreamName", "DestinationDelivery")
    return {"CloudWatchLogs": logs}


class ChannelOps(KinesisState):
    def __init__(self, runtime):
        super().__init__(runtime)
        self.channel_delivery = ChannelDelivery(self)

    # -- lookups -------------------------------------------------------------

    def _find_channel(self, ctx: RequestContext, channel_id: str) -> Channel | None:
        channel = CHANNEL.get(self.store, channels_ns(ctx.account_id, ctx.region), channel_id)
        if channel is None:
            return None
        if channel_status(channel, ctx.clock.time()) is None:
            self._purge_channel(ctx, channel)
            return None
        return channel

    def _purge_channel(self, ctx: RequestContext, channel: Channel) -> None:
        with self.store.transaction():
            self.store.delete(channels_ns(ctx.account_id, ctx.region), channel["ChannelId"])
            self.store.delete(progress_ns(ctx.account_id, ctx.region), channel["ChannelId"])
        self.channel_delivery.forget(channel["ChannelId"])

    def _channel(self, ctx: RequestContext, arn: str) -> Channel:
        parts = arn.split(":", 5)
        channel = None
        if len(parts) == 6 and parts[3] == ctx.region and parts[4] == ctx.account_id:
            channel = self._find_channel(ctx, parts[5][len("channel/"):])
        if channel is None:
            raise not_found("Channel", arn, ctx.account_id)
        return channel

    # -- operations ----------------------------------------------------------

    def create_channel(self, ctx: RequestContext, params: dict) -> dict:
        name = params["ChannelName"]
        given = [k for k in ("S3DestinationConfiguration", "S3TablesDestinationConfiguration") if params.get(k)]
        if len(given) != 1:
            raise checks.invalid("Specify exactly one of S3DestinationConfiguration and "
                                 "S3TablesDestinationConfiguration.")
        kind = "S3" if given[0] == "S3DestinationConfiguration" else "S3_TABLES"
        sources = params["StreamConfigurationList"]
        if len(sources) != 1:
            raise checks.invalid("A channel reads exactly one stream; StreamConfigurationList must have one entry.")
        source = sources[0]
        stream = self.active(ctx, {"StreamARN": source["StreamARN"]})
        if stream["StreamARN"] != source["StreamARN"]:
            raise not_found("Stream", source["StreamARN"], ctx.account_id)
        if stream["StreamMode"] != "ON_DEMAND":
            raise ServiceError("ValidationException", f"Stream {stream['StreamName']} is in PROVISIONED mode; channels are "
                               "only supported for data streams with the on-demand capacity mode.")
        checks.record_format(kind, source["RecordConfiguration"])
        channel_id = str(uuid.uuid4())
        channel_role = checks.ChannelRole(params["ServiceExecutionRoleARN"],
                                          CallSource(ctx.arn(f"channel/{channel_id}"), ctx.account_id))
        checks.role(ctx, channel_role)
        if kind == "S3":
            destination = checks.s3_destination(ctx, params[given[0]], channel_role)
        else:
            destination = checks.s3_tables_destination(ctx, params[given[0]], channel_role)
        encryption = params.get("EncryptionConfiguration")
        key_arn = checks.kms_key(ctx, encryption["KeyId"]) if encryption else None
        created = ctx.clock.time()
        storage: dict = destination.get("StorageConfiguration") or {}  # an S3 destination's, else none
        if storage:
            storage.setdefault("OutputKeyTemplate", DEFAULT_TEMPLATE)
        if destination["DeadLetterQueueS3Configuration"] is None:  # AWS: the destination bucket, error prefix
            destination["DeadLetterQueueS3Configuration"] = {
                "BucketARN": storage["BucketARN"], "ExpectedBucketOwner": storage["ExpectedBucketOwner"]}
        destination["DeadLetterQueueS3Configuration"].setdefault("ErrorOutputPrefix",
                                                                 default_error_prefix(name, channel_id))
        channel: Channel = {
            "ChannelId": channel_id, "ChannelName": name, "ChannelARN": channel_role.source.arn,
            "ChannelCreationTimestamp": created, "ChannelStatus": CREATING,
            "StatusUntil": created + transition_seconds(ctx), "SettlesTo": ACTIVE if kind == "S3" else FAILED,
            "ChannelStatusReason": None if kind == "S3" else NO_S3_TABLES,
            "ServiceExecutionRoleARN": params["ServiceExecutionRoleARN"], "ChannelDestinationType": kind,
            "Destination": destination,
            "Stream": {"StreamARN": stream["StreamARN"], "StreamName": stream["StreamName"],
                       "StreamId": stream["StreamId"], "StreamCreationTimestamp": stream["StreamCreationTimestamp"]},
            "RecordConfiguration": dict(source["RecordConfiguration"]),
            "EncryptionConfiguration": dict(encryption) if encryption else None, "KeyARN": key_arn,
            "LoggingConfiguration": _logging(params.get("LoggingConfiguration"), name, channel_id),
            "Tags": dict(params.get("Tags") or {}), "AccountId": ctx.account_id, "Region": ctx.region,
            # No backfill: records that arrive once the channel is ACTIVE are delivered.
            "ActiveMs": int((created + transition_seconds(ctx)) * 1000),
        }
        with self.store.transaction():
            now = ctx.clock.time()
            existing = [c for c in channels_in(self.store, ctx.account_id, ctx.region)
                        if channel_status(c, now) is not None]
            if any(c["ChannelName"] == name for c in existing):
                raise ServiceError("ResourceInUseException",
                                   f"Channel {name} under account {ctx.account_id} already exists.")
            if any(c["Stream"]["StreamId"] == stream["StreamId"] and c["ChannelDestinationType"] == kind
                   for c in existing):
                raise ServiceError("LimitExceededException",
                                   f"Stream {stream['StreamName']} already has a channel to "
                                   f"{'a general purpose S3 bucket' if kind == 'S3' else 'S3 Tables'}; a stream "
                                   "can have one of each.")
            save_channel(self.store, channel)
        ctx.emit_resource_change("AWS::Kinesis::Channel", channel["ChannelARN"], "created", lambda: {"Name": name})
        if kind == "S3":
            self.channel_delivery.start()
        return {"ChannelDescription": self._describe_channel(ctx, channel)}

    def describe_channel(self, ctx: RequestContext, params: dict) -> dict:
        return {"ChannelDescription": self._describe_channel(ctx, self._channel(ctx, params["ChannelARN"]))}

    def list_channels(self, ctx: RequestContext, params: dict) -> dict:
        now = ctx.clock.time()
        filters = params.get("StreamFilter") or []
        channels = sorted((c for c in (self._find_channel(ctx, key)
                                       for key, _ in self.store.scan(channels_ns(ctx.account_id, ctx.region)))
                           if c is not None and (not filters or any(_matches(c, f) for f in filters))),
                          key=lambda c: (c["ChannelName"], c["ChannelId"]))
        marker = None
        if params.get("NextToken"):
            try:
                marker = json.loads(base64.b64decode(params["NextToken"], validate=True))["after"]
            except (ValueError, KeyError, TypeError):
                raise checks.invalid("Invalid NextToken.") from None
        try:
            chunk, last = page(channels, marker, min(params.get("MaxResults") or LIST_LIMIT, LIST_LIMIT),
                               key=lambda c: c["ChannelId"], default_max=LIST_LIMIT)
        except ServiceError:  # the channel the token points after is gone
            raise checks.invalid("Invalid NextToken.") from None
        output: dict = {"ChannelSummaries": [{
            "ChannelName": c["ChannelName"], "ChannelARN": c["ChannelARN"], "ChannelId": c["ChannelId"],
            "ChannelStatus": channel_status(c, now),
            "ChannelCreationTimestamp": timestamp(c["ChannelCreationTimestamp"]),
            "ChannelDestinationType": c["ChannelDestinationType"],
            "Streams": [{"StreamARN": c["Stream"]["StreamARN"],
                         "StreamCreationTimestamp": timestamp(c["Stream"]["StreamCreationTimestamp"])}],
            **({"ChannelStatusReason": c["ChannelStatusReason"]} if channel_status(c, now) == FAILED else {}),
        } for c in chunk]}
        if last:
            output["NextToken"] = base64.b64encode(json.dumps({"after": last}).encode()).decode()
        return output

    def update_channel(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            channel = self._channel(ctx, params["ChannelARN"])
            status = channel_status(channel, ctx.clock.time())
            if status != ACTIVE:
                raise ServiceError("ResourceInUseException",
                                   f"Channel {channel['ChannelName']} under account {ctx.account_id} not ACTIVE, instead in "
                                   f"state {status}.")
            mine, other = (("S3DestinationConfiguration", "S3TablesDestinationConfiguration")
                           if channel["ChannelDestinationType"] == "S3"
                           else ("S3TablesDestinationConfiguration", "S3DestinationConfiguration"))
            if params.get(other):
                raise checks.invalid(f"Channel {channel['ChannelName']} does not deliver to that destination; update "
                                     f"{mine} instead.")
            if not params.get(mine) and not params.get("LoggingConfiguration"):
                raise checks.invalid(f"Give {mine} (DataFreshnessInSeconds) or LoggingConfiguration to update.")
            if params.get(mine):
                channel["Destination"]["DataFreshnessInSeconds"] = checks.freshness(
                    params[mine]["DataFreshnessInSeconds"])
            if params.get("LoggingConfiguration"):
                channel["LoggingConfiguration"] = _logging(params["LoggingConfiguration"], channel["ChannelName"],
                                                           channel["ChannelId"])
            channel["ChannelStatus"], channel["StatusUntil"] = UPDATING, ctx.clock.time() + transition_seconds(ctx)
            save_channel(self.store, channel)
        ctx.emit_resource_change("AWS::Kinesis::Channel", channel["ChannelARN"], "updated")
        return {"ChannelDescription": self._describe_channel(ctx, channel)}

    def delete_channel(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            channel = self._channel(ctx, params["ChannelARN"])
            if channel_status(channel, ctx.clock.time()) == DELETING:
                return {}
            channel["ChannelStatus"], channel["StatusUntil"] = DELETING, ctx.clock.time() + transition_seconds(ctx)
            save_channel(self.store, channel)
        ctx.emit_resource_change("AWS::Kinesis::Channel", channel["ChannelARN"], "deleted")
        return {}

    # -- descriptions --------------------------------------------------------

    def _describe_channel(self, ctx: RequestContext, channel: Channel) -> dict:
        status = channel_status(channel, ctx.clock.time())
        destination = {k: v for k, v in channel["Destination"].items() if v is not None}
        source = channel["Stream"]
        destination_member = ("S3DestinationConfiguration" if channel["ChannelDestinationType"] == "S3"
                              else "S3TablesDestinationConfiguration")
        description = {
            "ChannelName": channel["ChannelName"], "ChannelARN": channel["ChannelARN"],
            "ChannelId": channel["ChannelId"], "ChannelStatus": status,
            "ChannelCreationTimestamp": timestamp(channel["ChannelCreationTimestamp"]),
            "ServiceExecutionRoleARN": channel["ServiceExecutionRoleARN"],
            "StreamConfigurationList": [{"StreamARN": source["StreamARN"],
                                         "StreamCreationTimestamp": timestamp(source["StreamCreationTimestamp"]),
                                         "RecordConfiguration": channel["RecordConfiguration"]}],
            destination_member: destination,
            "LoggingConfiguration": channel["LoggingConfiguration"],
        }
        if status == FAILED:
            description["ChannelStatusReason"] = channel["ChannelStatusReason"]
        if channel["EncryptionConfiguration"]:
            description["EncryptionConfiguration"] = channel["EncryptionConfiguration"]
        return description


def _matches(channel: Channel, stream_filter: dict) -> bool:
    if stream_filter["StreamARN"] != channel["Stream"]["StreamARN"]:
        return False
    created = stream_filter.get("StreamCreationTimestamp")
    return created is None or abs(created.timestamp() - channel["Stream"]["StreamCreationTimestamp"]) < 1


__all__ = ["ChannelOps", "channels_of_stream", "channel_status", "FAILED", "DELETING", "CREATING"]
