"""Shards: creating and closing them, their descriptions, and ListShards with its filters and tokens."""
from __future__ import annotations

import base64
import json

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesis.retention import shard_listed
from nimbus.services.kinesis.sequence import record_number, sequence_number
from nimbus.services.kinesis.state import KinesisState, now_ms, shard_id, shard_index

LIST_SHARDS_DEFAULT, LIST_SHARDS_MAX = 1000, 10000
TOKEN_SECONDS = 300  # AWS: a ListShards NextToken is good for 300 seconds


def new_shard(stream: dict, start: int, end: int, created_ms: int, parent: int | None = None,
              adjacent: int | None = None) -> dict:
    index = stream["next_shard_index"]
    stream["next_shard_index"] += 1
    shard = {"index": index, "start": start, "end": end, "parent": parent, "adjacent": adjacent,
             "start_seq": sequence_number(index, created_ms, 0), "created_ms": created_ms,
             "end_count": None, "end_seq": None, "closed_ms": None}
    stream["shards"].append(shard)
    return shard


def close_shard(shard: dict, log, closed_ms: int) -> None:
    """No more records go to ``shard``; its last sequence number becomes its ending one."""
    count = log.count
    shard["end_count"] = count
    shard["closed_ms"] = closed_ms
    shard["end_seq"] = record_number(shard["index"], log.last_time, count - 1) if count else shard["start_seq"]


visible = shard_listed  # closed shards drop out of listings once their records are past retention


def describe_shard(shard: dict) -> dict:
    output = {
        "ShardId": shard_id(shard["index"]),
        "HashKeyRange": {"StartingHashKey": str(shard["start"]), "EndingHashKey": str(shard["end"])},
        "SequenceNumberRange": {"StartingSequenceNumber": shard["start_seq"]},
    }
    if shard["parent"] is not None:
        output["ParentShardId"] = shard_id(shard["parent"])
    if shard["adjacent"] is not None:
        output["AdjacentParentShardId"] = shard_id(shard["adjacent"])
    if shard["end_seq"] is not None:
        output["SequenceNumberRange"]["EndingSequenceNumber"] = shard["end_seq"]
    return output


def _filtered(stream: dict, shards: list[dict], shard_filter: dict | None) -> list[dict]:
    if not shard_filter:
        return shards
    kind = shard_filter.get("Type")
    if kind == "AFTER_SHARD_ID":
        if not shard_filter.get("ShardId"):
            raise ServiceError("InvalidArgumentException", "ShardId must be given for the AFTER_SHARD_ID filter.")
        after = shard_index(shard_filter["ShardId"])
        after = -1 if after is None else after
        return [s for s in shards if s["index"] > after]
    if kind == "AT_LATEST":
        return [s for s in shards if s["end_count"] is None]
    if kind == "FROM_TRIM_HORIZON":
        return shards
    if kind == "AT_TRIM_HORIZON":
        listed = {s["index"] for s in shards}
        return [s for s in shards if s["parent"] not in listed and s["adjacent"] not in listed]
    if not isinstance(shard_filter.get("Timestamp"), (int, float)):
        raise ServiceError("InvalidArgumentException", f"Timestamp must be given for the {kind} filter.")
    ts = int(shard_filter["Timestamp"] * 1000)  # epoch seconds
    if kind == "AT_TIMESTAMP":
        return [s for s in shards if s["created_ms"] <= ts and (s["closed_ms"] is None or s["closed_ms"] > ts)]
    if kind == "FROM_TIMESTAMP":
        return [s for s in shards if s["closed_ms"] is None or s["closed_ms"] >= ts]
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
        shards = [s for s in stream["shards"] if visible(stream, s, at)]
        start_after = -1 if after is None else after
        shards = [s for s in _filtered(stream, shards, shard_filter) if s["index"] > start_after]
        limit = min(params.get("MaxResults") or LIST_SHARDS_DEFAULT, LIST_SHARDS_MAX)
        chunk = shards[:limit]
        output = {"Shards": [describe_shard(s) for s in chunk]}
        if len(shards) > limit:
            state = {"s": stream["arn"], "a": chunk[-1]["index"], "f": shard_filter, "t": ctx.clock.time()}
            output["NextToken"] = base64.b64encode(json.dumps(state).encode()).decode()
        return output
