"""Stream lifecycle and settings: create, delete, describe, list, retention, mode, limits, monitoring."""
from __future__ import annotations

import uuid

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import Namespace
from nimbus.core.paging import page_after
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesis.channels import channels_of_stream
from nimbus.services.kinesis.documents import ACCOUNT_SETTINGS, BillingCommitment, Stream
from nimbus.services.kinesis.hashing import even_ranges
from nimbus.services.kinesis.shards import describe_shard, new_shard, visible
from nimbus.services.kinesis.state import (
    ACTIVE,
    CREATING,
    DELETING,
    KinesisState,
    now_ms,
    open_shards,
    shard_index,
    stream_status,
    streams_ns,
    transition_seconds,
)

DEFAULT_RETENTION, MIN_RETENTION, MAX_RETENTION = 24, 24, 8760
SHARD_LIMIT = 20000  # AWS's default is 500 or 200 per region; nimbus is generous but finite
ON_DEMAND_SHARDS = 4  # an on-demand stream starts with 4 shards
ON_DEMAND_STREAM_LIMIT = 50
DEFAULT_MAX_RECORD_KIB = 1024
DESCRIBE_DEFAULT_LIMIT = 100
ALL_METRICS = ["IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords", "WriteProvisionedThroughputExceeded",
               "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds"]

# Account-wide Kinesis settings (the minimum throughput billing commitment).
account_ns = Namespace("kinesis", "account")


def mode_details(stream: Stream) -> dict:
    return {"StreamMode": stream["StreamMode"]}


def warm_throughput(stream: Stream) -> dict:
    return {"TargetMiBps": stream["WarmThroughputMiBps"], "CurrentMiBps": stream["WarmThroughputMiBps"]}


class StreamOps(KinesisState):
    def create_stream(self, ctx: RequestContext, params: dict) -> dict:
        name = params["StreamName"]
        mode = (params.get("StreamModeDetails") or {}).get("StreamMode", "PROVISIONED")
        count: int | None = params.get("ShardCount")
        if mode == "ON_DEMAND":
            if count is not None:
                raise ServiceError("InvalidArgumentException", "ShardCount cannot be given for an ON_DEMAND stream.")
            count = ON_DEMAND_SHARDS
        elif count is None:
            raise ServiceError("InvalidArgumentException", "ShardCount is required for a PROVISIONED stream.")
        self._check_shard_limit(ctx, count)
        if mode == "ON_DEMAND":
            self._check_on_demand_limit(ctx)
        with self.store.transaction():
            if self.find(ctx, name) is not None:
                raise ServiceError("ResourceInUseException",
                                   f"Stream {name} under account {ctx.account_id} already exists.")
            created = ctx.clock.time()
            stream: Stream = {
                "StreamId": uuid.uuid4().hex, "StreamName": name, "StreamARN": ctx.arn(f"stream/{name}"),
                "StreamCreationTimestamp": created, "StreamMode": mode, "StreamStatus": CREATING,
                "StatusUntil": created + transition_seconds(ctx), "RetentionPeriodHours": DEFAULT_RETENTION,
                "TrimFloorMs": 0, "Shards": [], "NextShardIndex": 0, "ReshardCount": 0,
                "Encryption": {"EncryptionType": "NONE", "KeyId": None, "DataKey": None, "DataKeyOf": None},
                "ShardLevelMetrics": [], "Tags": dict(params.get("Tags") or {}), "Consumers": {}, "Policy": None,
                "MaxRecordSizeInKiB": params.get("MaxRecordSizeInKiB") or DEFAULT_MAX_RECORD_KIB,
                "WarmThroughputMiBps": params.get("WarmThroughputMiBps"),
            }
            for start, end in even_ranges(count):
                new_shard(stream, start, end, int(created * 1000))
            self.save(ctx, stream)
        ctx.emit_resource_change("AWS::Kinesis::Stream", stream["StreamARN"], "created",
                                 lambda: {"Name": name, "ShardCount": count})
        return {}

    def delete_stream(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.stream(ctx, params, usable=False)
        with self.lock(stream):
            if stream_status(stream, ctx.clock.time()) == DELETING:
                raise not_active(ctx, stream, DELETING)
            if stream["Consumers"] and not params.get("EnforceConsumerDeletion"):
                raise ServiceError("ResourceInUseException",
                                   f"Stream {stream['StreamName']} has registered consumers; deregister them or set "
                                   "EnforceConsumerDeletion.")
            if channels_of_stream(self.store, stream, ctx.account_id, ctx.region, ctx.clock.time()):
                raise ServiceError("ResourceInUseException", f"Stream {stream['StreamName']} has channels; delete them "
                                   "first (ListChannels with a StreamFilter finds them).")
            stream["StreamStatus"], stream["StatusUntil"] = DELETING, ctx.clock.time() + transition_seconds(ctx)
            self.save(ctx, stream)
        ctx.emit_resource_change("AWS::Kinesis::Stream", stream["StreamARN"], "deleted")
        for consumer in stream["Consumers"].values():  # they go with their stream
            ctx.emit_resource_change("AWS::Kinesis::StreamConsumer", consumer["ConsumerARN"], "deleted")
        return {}

    def describe_stream(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.stream(ctx, params, usable=False)
        at = now_ms(ctx)
        after = shard_index(params.get("ExclusiveStartShardId") or "")
        after = -1 if after is None else after
        shards = [s for s in stream["Shards"] if visible(stream, s, at) and s["ShardIndex"] > after]
        limit = params.get("Limit") or DESCRIBE_DEFAULT_LIMIT
        description = self._summary(ctx, stream)
        for key in ("OpenShardCount", "ConsumerCount", "StreamId", "MaxRecordSizeInKiB", "WarmThroughput"):
            description.pop(key, None)
        description["Shards"] = [describe_shard(s) for s in shards[:limit]]
        description["HasMoreShards"] = len(shards) > limit
        return {"StreamDescription": description}

    def describe_stream_summary(self, ctx: RequestContext, params: dict) -> dict:
        return {"StreamDescriptionSummary": self._summary(ctx, self.stream(ctx, params, usable=False))}

    def _summary(self, ctx: RequestContext, stream: Stream) -> dict:
        summary = {
            "StreamName": stream["StreamName"], "StreamARN": stream["StreamARN"],
            "StreamStatus": stream_status(stream, ctx.clock.time()), "StreamModeDetails": mode_details(stream),
            "RetentionPeriodHours": stream["RetentionPeriodHours"],
            "StreamCreationTimestamp": timestamp(stream["StreamCreationTimestamp"]),
            "EnhancedMonitoring": [{"ShardLevelMetrics": list(stream["ShardLevelMetrics"])}],
            "EncryptionType": stream["Encryption"]["EncryptionType"], "OpenShardCount": len(open_shards(stream)),
            "ConsumerCount": len(stream["Consumers"]), "MaxRecordSizeInKiB": stream["MaxRecordSizeInKiB"],
        }
        if stream["Encryption"]["KeyId"]:
            summary["KeyId"] = stream["Encryption"]["KeyId"]
        if stream["WarmThroughputMiBps"] is not None:
            summary["WarmThroughput"] = warm_throughput(stream)
        return summary

    def list_streams(self, ctx: RequestContext, params: dict) -> dict:
        start = params.get("NextToken") or params.get("ExclusiveStartStreamName")
        names = sorted(key for key, _ in self.store.scan(streams_ns(ctx)))
        streams = [s for s in (self.find(ctx, n) for n in names) if s is not None]
        chunk: list[Stream]
        chunk, more = page_after(streams, lambda s: s["StreamName"], start, params.get("Limit") or 100)
        output = {
            "StreamNames": [s["StreamName"] for s in chunk],
            "HasMoreStreams": more,
            "StreamSummaries": [{"StreamName": s["StreamName"], "StreamARN": s["StreamARN"],
                                 "StreamStatus": stream_status(s, ctx.clock.time()),
                                 "StreamModeDetails": mode_details(s),
                                 "StreamCreationTimestamp": timestamp(s["StreamCreationTimestamp"])} for s in chunk],
        }
        if more:
            output["NextToken"] = chunk[-1]["StreamName"]
        return output

    # -- settings ------------------------------------------------------------

    def increase_stream_retention_period(self, ctx: RequestContext, params: dict) -> dict:
        return self._retention(ctx, params, increase=True)

    def decrease_stream_retention_period(self, ctx: RequestContext, params: dict) -> dict:
        return self._retention(ctx, params, increase=False)

    def _retention(self, ctx: RequestContext, params: dict, increase: bool) -> dict:
        hours = params["RetentionPeriodHours"]
        stream = self.active(ctx, params)
        with self.lock(stream):
            current = stream["RetentionPeriodHours"]
            if not MIN_RETENTION <= hours <= MAX_RETENTION:
                raise ServiceError("InvalidArgumentException",
                                   f"Minimum allowed retention period is {MIN_RETENTION} hours. Maximum allowed "
                                   f"retention period is {MAX_RETENTION} hours. Requested retention period "
                                   f"({hours} hours) is too {'long' if hours > MAX_RETENTION else 'short'}.")
            if increase and hours < current:
                raise ServiceError("InvalidArgumentException",
                                   f"Requested retention period ({hours} hours) for stream {stream['StreamName']} can not be "
                                   f"shorter than existing retention period ({current} hours). Use "
                                   "DecreaseRetentionPeriod API.")
            if not increase and hours > current:
                raise ServiceError("InvalidArgumentException",
                                   f"Requested retention period ({hours} hours) for stream {stream['StreamName']} can not be "
                                   f"longer than existing retention period ({current} hours). Use "
                                   "IncreaseRetentionPeriod API.")
            stream["RetentionPeriodHours"] = hours
            self.retention_changed(ctx, stream, current)
            self.save(ctx, stream)
        return {}

    def update_stream_mode(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.active(ctx, params)
        mode = params["StreamModeDetails"]["StreamMode"]
        with self.lock(stream):
            if mode == "ON_DEMAND" and stream["StreamMode"] != mode:
                self._check_on_demand_limit(ctx)
            stream["StreamMode"] = mode
            if params.get("WarmThroughputMiBps") is not None:
                stream["WarmThroughputMiBps"] = params["WarmThroughputMiBps"]
            self.begin_update(ctx, stream)
            self.save(ctx, stream)
        return {}

    def update_max_record_size(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.active(ctx, params)
        with self.lock(stream):
            stream["MaxRecordSizeInKiB"] = params["MaxRecordSizeInKiB"]
            self.save(ctx, stream)
        return {}

    def update_stream_warm_throughput(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.active(ctx, params)
        if stream["StreamMode"] != "ON_DEMAND":
            raise ServiceError("InvalidArgumentException", "Warm throughput applies to ON_DEMAND streams only.")
        with self.lock(stream):
            stream["WarmThroughputMiBps"] = params["WarmThroughputMiBps"]
            self.save(ctx, stream)
        return {"StreamARN": stream["StreamARN"], "StreamName": stream["StreamName"],
                "WarmThroughput": warm_throughput(stream)}

    def update_stream_record_distribution_strategy(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.active(ctx, params)
        with self.lock(stream):
            stream["RecordDistributionStrategy"] = params["RecordDistributionStrategy"]
            self.save(ctx, stream)
        return {}

    def enable_enhanced_monitoring(self, ctx: RequestContext, params: dict) -> dict:
        return self._monitoring(ctx, params, enable=True)

    def disable_enhanced_monitoring(self, ctx: RequestContext, params: dict) -> dict:
        return self._monitoring(ctx, params, enable=False)

    def _monitoring(self, ctx: RequestContext, params: dict, enable: bool) -> dict:
        stream = self.active(ctx, params)
        wanted = ALL_METRICS if "ALL" in params["ShardLevelMetrics"] else params["ShardLevelMetrics"]
        with self.lock(stream):
            current = list(stream["ShardLevelMetrics"])
            desired = sorted(set(current) | set(wanted)) if enable else [m for m in current if m not in wanted]
            stream["ShardLevelMetrics"] = desired
            self.save(ctx, stream)
        return {"StreamName": stream["StreamName"], "StreamARN": stream["StreamARN"],
                "CurrentShardLevelMetrics": current, "DesiredShardLevelMetrics": desired}

    # -- account -------------------------------------------------------------

    def describe_limits(self, ctx: RequestContext, params: dict) -> dict:
        streams = [s for s in (self.find(ctx, k) for k, _ in self.store.scan(streams_ns(ctx))) if s]
        return {"ShardLimit": SHARD_LIMIT, "OpenShardCount": sum(len(open_shards(s)) for s in streams),
                "OnDemandStreamCount": sum(1 for s in streams if s["StreamMode"] == "ON_DEMAND"),
                "OnDemandStreamCountLimit": ON_DEMAND_STREAM_LIMIT}

    def describe_account_settings(self, ctx: RequestContext, params: dict) -> dict:
        settings = ACCOUNT_SETTINGS.get(self.store, account_ns(ctx.account_id, ctx.region), "settings")
        return {"MinimumThroughputBillingCommitment":
                _commitment(settings["MinimumThroughputBillingCommitment"] if settings else None)}

    def update_account_settings(self, ctx: RequestContext, params: dict) -> dict:
        status = params["MinimumThroughputBillingCommitment"]["Status"]
        commitment: BillingCommitment = {"Status": status,
                                         "StartedAt": ctx.clock.time() if status == "ENABLED" else None}
        ACCOUNT_SETTINGS.put(self.store, account_ns(ctx.account_id, ctx.region), "settings",
                             {"MinimumThroughputBillingCommitment": commitment})
        return {"MinimumThroughputBillingCommitment": _commitment(commitment)}

    def _check_shard_limit(self, ctx: RequestContext, extra: int) -> None:
        if self.describe_limits(ctx, {})["OpenShardCount"] + extra > SHARD_LIMIT:
            raise ServiceError("LimitExceededException",
                               f"This request would exceed the shard limit for the account {ctx.account_id} in "
                               f"{ctx.region}. Current shard limit for account is {SHARD_LIMIT}.")

    def _check_on_demand_limit(self, ctx: RequestContext) -> None:
        if self.describe_limits(ctx, {})["OnDemandStreamCount"] >= ON_DEMAND_STREAM_LIMIT:
            raise ServiceError("LimitExceededException", "The on-demand stream count limit has been reached.")


def _commitment(stored: BillingCommitment | None) -> dict:
    if not stored:
        return {"Status": "DISABLED"}
    output: dict = {"Status": stored["Status"]}
    if stored["StartedAt"]:
        output["StartedAt"] = timestamp(stored["StartedAt"])
    return output


def not_active(ctx: RequestContext, stream: Stream, status: str) -> ServiceError:
    return ServiceError("ResourceInUseException",
                        f"Stream {stream['StreamName']} under account {ctx.account_id} not ACTIVE, instead in state {status}")


__all__ = ["StreamOps", "ACTIVE"]
