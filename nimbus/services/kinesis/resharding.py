"""Resharding: SplitShard, MergeShards and UpdateShardCount.

Each closes its parent shards (their ending sequence number is their last record's) and opens children
over exactly the parents' hash ranges, under the stream's write lock, so every record lands in exactly
one shard and a reader that finishes parents before children reads each once, in order per key.
UpdateShardCount is done as AWS does it: a series of splits and merges (intermediate shards included)
ending in ``TargetShardCount`` even ranges, each step with at most two parents.
"""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesis.hashing import even_ranges, parse_hash_key
from nimbus.services.kinesis.shards import close_shard, new_shard
from nimbus.services.kinesis.state import KinesisState, now_ms, open_shards, shard_id


class ReshardingOps(KinesisState):
    def split_shard(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.active(ctx, params)
        key = parse_hash_key(params["NewStartingHashKey"])
        with self.lock(stream):
            shard = self._open_shard(ctx, stream, params["ShardToSplit"])
            if not shard["start"] + 1 < key < shard["end"]:
                raise ServiceError(
                    "InvalidArgumentException",
                    f"NewStartingHashKey {key} used in SplitShard() on shard {shard_id(shard['index'])} in stream "
                    f"{stream['name']} under account {ctx.account_id} is not both greater than one plus the shard's "
                    f"StartingHashKey {shard['start']} and less than the shard's EndingHashKey {shard['end']}.")
            self._check_limit(ctx, 1)
            self._split(stream, shard, key, now_ms(ctx))
            self._finish(ctx, stream)
        return {}

    def merge_shards(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.active(ctx, params)
        with self.lock(stream):
            first = self._open_shard(ctx, stream, params["ShardToMerge"])
            second = self._open_shard(ctx, stream, params["AdjacentShardToMerge"])
            if first["end"] + 1 != second["start"] and second["end"] + 1 != first["start"]:
                raise ServiceError(
                    "InvalidArgumentException",
                    f"Shards {shard_id(first['index'])} and {shard_id(second['index'])} in stream {stream['name']} "
                    f"under account {ctx.account_id} are not an adjacent pair of shards eligible for merging")
            self._merge(stream, first, second, now_ms(ctx))
            self._finish(ctx, stream)
        return {}

    def update_shard_count(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.active(ctx, params)
        target = params["TargetShardCount"]
        if stream["mode"] == "ON_DEMAND":
            raise ServiceError("ValidationException", "UpdateShardCount is not supported for ON_DEMAND streams.")
        with self.lock(stream):
            current = len(open_shards(stream))
            if target > current * 2 or target * 2 < current:
                raise ServiceError(
                    "InvalidArgumentException",
                    f"UpdateShardCount can scale from {current} shards to between {(current + 1) // 2} and "
                    f"{current * 2} shards; {target} was requested.")
            self._check_limit(ctx, max(0, target - current))
            now = now_ms(ctx)
            ranges = even_ranges(target)
            for start, _ in ranges[1:]:
                holder = next(s for s in open_shards(stream) if s["start"] <= start <= s["end"])
                if holder["start"] != start:
                    self._split(stream, holder, start, now)
            for start, end in ranges:
                pieces = sorted((s for s in open_shards(stream) if start <= s["start"] and s["end"] <= end),
                                key=lambda s: s["start"])
                merged = pieces[0]
                for piece in pieces[1:]:
                    merged = self._merge(stream, merged, piece, now)
            self._finish(ctx, stream)
        return {"StreamName": stream["name"], "StreamARN": stream["arn"], "CurrentShardCount": current,
                "TargetShardCount": target}

    # -- steps ---------------------------------------------------------------

    def _split(self, stream: dict, shard: dict, key: int, now: int) -> None:
        close_shard(shard, self.logs.log(stream["id"], shard["index"]), now)
        new_shard(stream, shard["start"], key - 1, now, parent=shard["index"])
        new_shard(stream, key, shard["end"], now, parent=shard["index"])

    def _merge(self, stream: dict, first: dict, second: dict, now: int) -> dict:
        for shard in (first, second):
            close_shard(shard, self.logs.log(stream["id"], shard["index"]), now)
        return new_shard(stream, min(first["start"], second["start"]), max(first["end"], second["end"]), now,
                         parent=first["index"], adjacent=second["index"])

    def _finish(self, ctx: RequestContext, stream: dict) -> None:
        stream["version"] += 1
        self.begin_update(ctx, stream)
        self.save(ctx, stream)

    def _open_shard(self, ctx: RequestContext, stream: dict, name: str) -> dict:
        shard = self.shard(ctx, stream, name)
        if shard["end_count"] is not None:
            raise ServiceError("ResourceInUseException",
                               f"Shard {name} in stream {stream['name']} under account {ctx.account_id} has already "
                               "been merged or split, and thus is not eligible for merging or splitting.")
        return shard

    def _check_limit(self, ctx: RequestContext, extra: int) -> None:
        check = getattr(self, "_check_shard_limit", None)
        if check is not None:
            check(ctx, extra)
