"""Shards: creating and closing them, their descriptions, and ListShards with its filters and tokens."""
from __future__ import annotations

import base64
import json

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesis.documents import Shard, Stream
from nimbus.services.kinesis.retention import shard_listed
from nimbus.services.kinesis.sequence import record_number, sequence_number
from nimbus.services.kinesis.state import KinesisState, now_ms, shard_id, shard_index

LIST_SHARDS_DEFAULT, LIST_SHARDS_MAX = 1000, 10000
TOKEN_SECONDS = 300  # AWS: a ListShards NextToken is good for 300 seconds


def new_shard(stream: Stream, start: int, end: int, created_ms: int, parent: int | None = None,
              adjacent: int | None = None) -> Shard:
    index = stream["NextShardIndex"]
    stream["NextShardIndex"] += 1
    shard: Shard = {
        "ShardIndex": index, "StartingHashKey": start, "EndingHashKey": end, "ParentShardIndex": parent,
        "AdjacentParentShardIndex": adjacent, "StartingSequenceNumber": sequence_number(index, created_ms, 0),
        "CreatedMs": created_ms, "ClosedMs": None, "EndPosition": None, "EndingSequenceNumber": None}
    stream["Shards"].append(shard)
    return shard


def close_shard(shard: Shard, log, closed_ms: int) -> None:
    """No more records go to ``shard``; its last sequence number becomes its ending one."""
    count = log.count
    shard["EndPosition"] = count
    shard["ClosedMs"] = closed_ms
    shard["EndingSequenceNumber"] = (record_number(shard["ShardIndex"], log.last_time, count - 1) if count
                                     else shard["StartingSequenceNumber"])


visible = shard_listed  # closed shards drop out of listings once their records are past retention


def hash_key_range(shard: Shard) -> dict:
    return {"StartingHashKey": str(shard["StartingHashKey"]), "EndingHashKey": str(shard["EndingHashKey"])}


def describe_shard(shard: Shard) -> dict:
    sequence_range = {"StartingSequenceNumber": shard["StartingSequenceNumber"]}
    output = {"ShardId": shard_id(shard["ShardIndex"]), "HashKeyRange": hash_key_range(shard),
              "SequenceNumberRange": sequence_range}
    if shard["ParentShardIndex"] is not None:
        output["ParentShardId"] = shard_id(shard["ParentShardIndex"])
    if shard["AdjacentParentShardIndex"] is not None:
        output["AdjacentParentShardId"] = shard_id(shard["AdjacentParentShardIndex"])
    if shard["EndingSequenceNumber"] is not None:
        sequence_range["EndingSequenceNumber"] = shard["EndingSequenceNumber"]
    return output


def _filtered(stream: Stream, shards: list[Shard], shard_filter: dict | None) -> list[Shard]:
    if not shard_filter:
        return shards
    kind = shard_filter.get("Type")
    if kind == "AFTER_SHARD_ID":
        if not shard_filter.get("ShardId"):
            raise ServiceError("InvalidArgumentException", "ShardId must be given for the AFTER_SHARD_ID filter.")
        after = shard_index(shard_filter["ShardId"])
        after = -1 if after is None else after
        return [s for s in shards if s["ShardIndex"] > after]
    if kind == "AT_LATEST":
        return [s for s in shards if s["EndPosition"] is None]
    if kind == "FROM_TRIM_HORIZON":
        return shards
    if kind == "AT_TRIM_HORIZON":
        listed = {s["ShardIndex"] for s in shards}
        return [s for s in shards
                if s["ParentShardIndex"] not in listed and s["AdjacentParentShardIndex"] not in listed]
    if not isinstance(shard_filter.get("Timestamp"), (int, float)):
        raise ServiceError("InvalidArgumentException", f"Timestamp must be given for the {kind} filter.")
    ts = int(shard_filter["Timestamp"] * 1000)  # epoch seconds
    if kind == "AT_TIMESTAMP":
        return [s for s in shards if s["CreatedMs"] <= ts and (s["ClosedMs"] is None or s["ClosedMs"] > ts)]
    if kind == "FROM_TIMESTAMP":
        return [s for s in shards if s["ClosedMs"] is None or s["ClosedMs"] >= ts]
    raise ServiceError("InvalidArgumentException", f"Unknown ShardFilter type {kind}.")


class ShardOps(KinesisState):
    def list_shards(self, ctx: RequestContext, params: dict) -> dict:
        token = params.get("NextToken")
        if token:
            if params.get("StreamName") or params.get("StreamARN"):
                raise ServiceError("InvalidArgumentException",
                                   "NextToken and StreamName cannot be provided together.")
            try:
                state = json.loads(base64.b64decode(token))
                name, after, shard_filter, issued = state["s"], state["a"], state.get("f"), state["t"]
                if not (isinstance(name, str) and isinstance(after, int) and isinstance(issued, (int, float))
                        and (shard_filter is None or isinstance(shard_filter, dict))):
                    raise TypeError
            except (ValueError, KeyError, TypeError):
                raise ServiceError("InvalidArgumentException", "Invalid NextToken.") from None
            if ctx.clock.time() - issued > TOKEN_SECONDS:
                raise ServiceError("ExpiredNextTokenException", "The NextToken has expired.")
            params = {"StreamARN": name} if name.startswith("arn:") else {"StreamName": name}
        else:
            after = shard_index(params["ExclusiveStartShardId"]) if params.get("ExclusiveStartShardId") else -1
            shard_filter = params.get("ShardFilter")
            if shard_filter and shard_filter.get("Timestamp") is not None:
                shard_filter = {**shard_filter, "Timestamp": shard_filter["Timestamp"].timestamp()}
        stream = self.stream(ctx, params, usable=False)
        at = now_ms(ctx)
        shards = [s for s in stream["Shards"] if visible(stream, s, at)]
        start_after = -1 if after is None else after
        shards = [s for s in _filtered(stream, shards, shard_filter) if s["ShardIndex"] > start_after]
        limit = min(params.get("MaxResults") or LIST_SHARDS_DEFAULT, LIST_SHARDS_MAX)
        chunk = shards[:limit]
        output: dict = {"Shards": [describe_shard(s) for s in chunk]}
        if len(shards) > limit:
            state = {"s": stream["StreamARN"], "a": chunk[-1]["ShardIndex"], "f": shard_filter, "t": ctx.clock.time()}
            output["NextToken"] = base64.b64encode(json.dumps(state).encode()).decode()
        return output
