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
from nimbus.services.kinesis.documents import Shard, Stream
from nimbus.services.kinesis.hashing import even_ranges, parse_hash_key
from nimbus.services.kinesis.shards import close_shard, new_shard
from nimbus.services.kinesis.state import KinesisState, now_ms, open_shards, shard_id


class ReshardingOps(KinesisState):
    def split_shard(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.active(ctx, params)
        key = parse_hash_key(params["NewStartingHashKey"])
        with self.lock(stream):
            shard = self._open_shard(ctx, stream, params["ShardToSplit"])
            if not shard["StartingHashKey"] + 1 < key < shard["EndingHashKey"]:
                raise ServiceError(
                    "InvalidArgumentException",
                    f"NewStartingHashKey {key} used in SplitShard() on shard {shard_id(shard['ShardIndex'])} in stream "
                    f"{stream['StreamName']} under account {ctx.account_id} is not both greater than one plus the shard's "
                    f"StartingHashKey {shard['StartingHashKey']} and less than the shard's EndingHashKey {shard['EndingHashKey']}.")
            self._check_limit(ctx, 1)
            self._split(stream, shard, key, now_ms(ctx))
            self._finish(ctx, stream)
        return {}

    def merge_shards(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.active(ctx, params)
        with self.lock(stream):
            first = self._open_shard(ctx, stream, params["ShardToMerge"])
            second = self._open_shard(ctx, stream, params["AdjacentShardToMerge"])
            if (first["EndingHashKey"] + 1 != second["StartingHashKey"]
                    and second["EndingHashKey"] + 1 != first["StartingHashKey"]):
                raise ServiceError(
                    "InvalidArgumentException",
                    f"Shards {shard_id(first['ShardIndex'])} and {shard_id(second['ShardIndex'])} in stream {stream['StreamName']} "
                    f"under account {ctx.account_id} are not an adjacent pair of shards eligible for merging")
            self._merge(stream, first, second, now_ms(ctx))
            self._finish(ctx, stream)
        return {}

    def update_shard_count(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.active(ctx, params)
        target = params["TargetShardCount"]
        if stream["StreamMode"] == "ON_DEMAND":
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
                holder = next(s for s in open_shards(stream) if s["StartingHashKey"] <= start <= s["EndingHashKey"])
                if holder["StartingHashKey"] != start:
                    self._split(stream, holder, start, now)
            for start, end in ranges:
                pieces = sorted((s for s in open_shards(stream)
                                 if start <= s["StartingHashKey"] and s["EndingHashKey"] <= end),
                                key=lambda s: s["StartingHashKey"])
                merged = pieces[0]
                for piece in pieces[1:]:
                    merged = self._merge(stream, merged, piece, now)
            self._finish(ctx, stream)
        return {"StreamName": stream["StreamName"], "StreamARN": stream["StreamARN"], "CurrentShardCount": current,
                "TargetShardCount": target}

    # -- steps ---------------------------------------------------------------

    def _split(self, stream: Stream, shard: Shard, key: int, now: int) -> None:
        close_shard(shard, self.logs.log(stream["StreamId"], shard["ShardIndex"]), now)
        new_shard(stream, shard["StartingHashKey"], key - 1, now, parent=shard["ShardIndex"])
        new_shard(stream, key, shard["EndingHashKey"], now, parent=shard["ShardIndex"])

    def _merge(self, stream: Stream, first: Shard, second: Shard, now: int) -> Shard:
        for shard in (first, second):
            close_shard(shard, self.logs.log(stream["StreamId"], shard["ShardIndex"]), now)
        return new_shard(stream, min(first["StartingHashKey"], second["StartingHashKey"]),
                         max(first["EndingHashKey"], second["EndingHashKey"]), now,
                         parent=first["ShardIndex"], adjacent=second["ShardIndex"])

    def _finish(self, ctx: RequestContext, stream: Stream) -> None:
        stream["ReshardCount"] += 1
        self.begin_update(ctx, stream)
        self.save(ctx, stream)

    def _open_shard(self, ctx: RequestContext, stream: Stream, name: str) -> Shard:
        shard = self.shard(ctx, stream, name)
        if shard["EndPosition"] is not None:
            raise ServiceError("ResourceInUseException",
                               f"Shard {name} in stream {stream['StreamName']} under account {ctx.account_id} has already "
                               "been merged or split, and thus is not eligible for merging or splitting.")
        return shard

    def _check_limit(self, ctx: RequestContext, extra: int) -> None:
        check = getattr(self, "_check_shard_limit", None)
        if check is not None:
            check(ctx, extra)
