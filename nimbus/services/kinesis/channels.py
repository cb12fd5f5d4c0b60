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
from nimbus.services.kinesis.channel_state import FAILED, channel_status, channels_ns
from nimbus.services.kinesis.state import ACTIVE, CREATING, DELETING, UPDATING, KinesisState, transition_seconds

LIST_LIMIT = 100
NO_S3_TABLES = ("nimbus does not serve Amazon S3 Tables, so this channel cannot deliver to a streaming table. "
                "Deliver to a general purpose S3 bucket (S3DestinationConfiguration) instead.")


def channels_of_stream(store, stream: dict, account: str, region: str, now: float) -> list[dict]:
    return [c for _, c in store.scan(channels_ns(account, region))
            if c["stream"]["id"] == stream["id"] and channel_status(c, now) is not None]


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

    def _find_channel(self, ctx: RequestContext, channel_id: str) -> dict | None:
        channel = self.store.get(channels_ns(ctx.account_id, ctx.region), channel_id)
        if channel is None:
            return None
        if channel_status(channel, ctx.clock.time()) is None:
            self._purge_channel(ctx, channel)
            return None
        return channel

    def _purge_channel(self, ctx: RequestContext, channel: dict) -> None:
        with self.store.transaction():
            self.store.delete(channels_ns(ctx.account_id, ctx.region), channel["id"])
            self.store.delete(progress_ns(ctx.account_id, ctx.region), channel["id"])
        self.channel_delivery.forget(channel["id"])

    def _channel(self, ctx: RequestContext, arn: str) -> dict:
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
        if stream["arn"] != source["StreamARN"]:
            raise not_found("Stream", source["StreamARN"], ctx.account_id)
        if stream["mode"] != "ON_DEMAND":
            raise ServiceError("ValidationException", f"Stream {stream['name']} is in PROVISIONED mode; channels are "
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
        storage = destination.get("StorageConfiguration")
        if storage is not None:
            storage.setdefault("OutputKeyTemplate", DEFAULT_TEMPLATE)
        if destination["DeadLetterQueueS3Configuration"] is None:  # AWS: the destination bucket, error prefix
            destination["DeadLetterQueueS3Configuration"] = {
                "BucketARN": storage["BucketARN"], "ExpectedBucketOwner": storage["ExpectedBucketOwner"]}
        destination["DeadLetterQueueS3Configuration"].setdefault("ErrorOutputPrefix",
                                                                 default_error_prefix(name, channel_id))
        channel = {
            "id": channel_id, "name": name, "arn": channel_role.source.arn, "created": created,
            "status": CREATING, "status_until": created + transition_seconds(ctx),
            "settles_to": ACTIVE if kind == "S3" else FAILED, "reason": None if kind == "S3" else NO_S3_TABLES,
            "role": params["ServiceExecutionRoleARN"], "kind": kind, "destination": destination,
            "stream": {"arn": stream["arn"], "name": stream["name"], "id": stream["id"], "created": stream["created"]},
            "record": dict(source["RecordConfiguration"]), "encryption": dict(encryption) if encryption else None,
            "key_arn": key_arn, "logging": _logging(params.get("LoggingConfiguration"), name, channel_id),
            "tags": dict(params.get("Tags") or {}), "account": ctx.account_id, "region": ctx.region,
            # No backfill: records that arrive once the channel is ACTIVE are delivered.
            "active_ms": int((created + transition_seconds(ctx)) * 1000),
        }
        with self.store.transaction():
            now = ctx.clock.time()
            existing = [c for _, c in self.store.scan(channels_ns(ctx.account_id, ctx.region))
                        if channel_status(c, now) is not None]
            if any(c["name"] == name for c in existing):
                raise ServiceError("ResourceInUseException",
                                   f"Channel {name} under account {ctx.account_id} already exists.")
            if any(c["stream"]["id"] == stream["id"] and c["kind"] == kind for c in existing):
                raise ServiceError("LimitExceededException",
                                   f"Stream {stream['name']} already has a channel to "
                                   f"{'a general purpose S3 bucket' if kind == 'S3' else 'S3 Tables'}; a stream "
                                   "can have one of each.")
            self.store.put(channels_ns(ctx.account_id, ctx.region), channel_id, channel)
        ctx.emit_resource_change("AWS::Kinesis::Channel", channel["arn"], "created", lambda: {"Name": name})
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
                          key=lambda c: (c["name"], c["id"]))
        marker = None
        if params.get("NextToken"):
            try:
                marker = json.loads(base64.b64decode(params["NextToken"], validate=True))["after"]
            except (ValueError, KeyError, TypeError):
                raise checks.invalid("Invalid NextToken.") from None
        try:
            chunk, last = page(channels, marker, min(params.get("MaxResults") or LIST_LIMIT, LIST_LIMIT),
                               key=lambda c: c["id"], default_max=LIST_LIMIT)
        except ServiceError:  # the channel the token points after is gone
            raise checks.invalid("Invalid NextToken.") from None
        output = {"ChannelSummaries": [{
            "ChannelName": c["name"], "ChannelARN": c["arn"], "ChannelId": c["id"],
            "ChannelStatus": channel_status(c, now), "ChannelCreationTimestamp": timestamp(c["created"]),
            "ChannelDestinationType": c["kind"],
            "Streams": [{"StreamARN": c["stream"]["arn"], "StreamCreationTimestamp": timestamp(c["stream"]["created"])}],
            **({"ChannelStatusReason": c["reason"]} if channel_status(c, now) == FAILED else {}),
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
                                   f"Channel {channel['name']} under account {ctx.account_id} not ACTIVE, instead in "
                                   f"state {status}.")
            mine, other = (("S3DestinationConfiguration", "S3TablesDestinationConfiguration") if channel["kind"] == "S3"
                           else ("S3TablesDestinationConfiguration", "S3DestinationConfiguration"))
            if params.get(other):
                raise checks.invalid(f"Channel {channel['name']} does not deliver to that destination; update "
                                     f"{mine} instead.")
            if not params.get(mine) and not params.get("LoggingConfiguration"):
                raise checks.invalid(f"Give {mine} (DataFreshnessInSeconds) or LoggingConfiguration to update.")
            if params.get(mine):
                channel["destination"]["DataFreshnessInSeconds"] = checks.freshness(
                    params[mine]["DataFreshnessInSeconds"])
            if params.get("LoggingConfiguration"):
                channel["logging"] = _logging(params["LoggingConfiguration"], channel["name"], channel["id"])
            channel["status"], channel["status_until"] = UPDATING, ctx.clock.time() + transition_seconds(ctx)
            self.store.put(channels_ns(ctx.account_id, ctx.region), channel["id"], channel)
        ctx.emit_resource_change("AWS::Kinesis::Channel", channel["arn"], "updated")
        return {"ChannelDescription": self._describe_channel(ctx, channel)}

    def delete_channel(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            channel = self._channel(ctx, params["ChannelARN"])
            if channel_status(channel, ctx.clock.time()) == DELETING:
                return {}
            channel["status"], channel["status_until"] = DELETING, ctx.clock.time() + transition_seconds(ctx)
            self.store.put(channels_ns(ctx.account_id, ctx.region), channel["id"], channel)
        ctx.emit_resource_change("AWS::Kinesis::Channel", channel["arn"], "deleted")
        return {}

    # -- descriptions --------------------------------------------------------

    def _describe_channel(self, ctx: RequestContext, channel: dict) -> dict:
        status = channel_status(channel, ctx.clock.time())
        destination = {k: v for k, v in channel["destination"].items() if v is not None}
        description = {
            "ChannelName": channel["name"], "ChannelARN": channel["arn"], "ChannelId": channel["id"],
            "ChannelStatus": status, "ChannelCreationTimestamp": timestamp(channel["created"]),
            "ServiceExecutionRoleARN": channel["role"],
            "StreamConfigurationList": [{"StreamARN": channel["stream"]["arn"],
                                         "StreamCreationTimestamp": timestamp(channel["stream"]["created"]),
                                         "RecordConfiguration": channel["record"]}],
            "S3DestinationConfiguration" if channel["kind"] == "S3" else "S3TablesDestinationConfiguration":
                destination,
            "LoggingConfiguration": channel["logging"],
        }
        if status == FAILED:
            description["ChannelStatusReason"] = channel["reason"]
        if channel["encryption"]:
            description["EncryptionConfiguration"] = channel["encryption"]
        return description


def _matches(channel: dict, stream_filter: dict) -> bool:
    if stream_filter["StreamARN"] != channel["stream"]["arn"]:
        return False
    created = stream_filter.get("StreamCreationTimestamp")
    return created is None or abs(created.timestamp() - channel["stream"]["created"]) < 1


__all__ = ["ChannelOps", "channels_of_stream", "channel_status", "FAILED", "DELETING", "CREATING"]
