"""Streams as stored documents, their clock-driven status, and what every operation module shares.

A stream is one document in ``("kinesis", account, region, "streams")`` keyed by name, cached in memory
(write-through) because every PutRecords reads it. Status transitions are not timers: a stream records
the status it entered and when that ends on the virtual clock, and readers compute the current one.
"""
from __future__ import annotations

import bisect
import os
import tempfile
import threading
from datetime import datetime
from typing import TYPE_CHECKING

from nimbus.core.context import RequestContext
from nimbus.core.errors import not_found
from nimbus.core.namespaces import regional
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider
from nimbus.services.kinesis import access, retention
from nimbus.services.kinesis.documents import STREAM, Channel, Consumer, Queue, Shard, Stream
from nimbus.services.kinesis.iterators import IteratorCodec
from nimbus.services.kinesis.limits import Throttle
from nimbus.services.kinesis.shard_log import LogDirectory

ACTIVE, CREATING, UPDATING, DELETING = "ACTIVE", "CREATING", "UPDATING", "DELETING"


def transition_seconds(ctx) -> float:
    """Virtual seconds a stream, consumer, channel or queue spends CREATING, UPDATING or DELETING."""
    return ctx.runtime.config.kinesis_transition_seconds


def streams_ns(ctx: RequestContext, account: str | None = None) -> tuple[str, ...]:
    return regional("kinesis", account or ctx.account_id, ctx.region, "streams")


def owner_account(stream: Stream) -> str:
    return stream["StreamARN"].split(":", 5)[4]


def now_ms(ctx: RequestContext) -> int:
    return int(ctx.clock.time() * 1000)


def status_at(status: str, until: float, now: float) -> str | None:
    """A stream's, consumer's or queue's status at virtual time ``now``, from the status it entered and
    when that ends; None once a deleted one is gone."""
    if status == ACTIVE or now < until:
        return status
    return None if status == DELETING else ACTIVE


def stream_status(stream: Stream, now: float) -> str | None:
    return status_at(stream["StreamStatus"], stream["StatusUntil"], now)


def consumer_status(consumer: Consumer, now: float) -> str | None:
    return status_at(consumer["ConsumerStatus"], consumer["StatusUntil"], now)


def queue_status(queue: Queue, now: float) -> str | None:
    return status_at(queue["QueueStatus"], queue["StatusUntil"], now)


def shard_id(index: int) -> str:
    return f"shardId-{index:012d}"


def shard_index(shard: str) -> int | None:
    if shard.startswith("shardId-") and shard[8:].isdigit():
        return int(shard[8:])
    return None


def open_shards(stream: Stream) -> list[Shard]:
    return [s for s in stream["Shards"] if s["EndPosition"] is None]


class KinesisState(BaseProvider):
    # Operations on a stream or consumer are checked against its resource policy here (access.py).
    self_authorized = access.SELF_AUTHORIZED
    access_denied = staticmethod(access.denied)

    def __init__(self, runtime):
        super().__init__(runtime)
        self._cache: dict[tuple[str, str, str], Stream] = {}
        self._locks: dict[str, threading.RLock] = {}
        self._routes: dict[str, tuple[int, list[int], list[Shard]]] = {}
        self._guard = threading.Lock()
        config = runtime.config
        root = tempfile.mkdtemp(prefix="nimbus-kinesis-") if config.ephemeral else os.path.join(config.data_dir, "kinesis")
        self.logs = LogDirectory(root, config.kinesis_segment_bytes)
        self.iterators = IteratorCodec(self.store)
        self.throttle = Throttle(runtime.clock)
        self.on_clock_advance(self.sweep_retention)

    if TYPE_CHECKING:
        # Defined by one topic and used by others (records: iterators and subscriptions start and read
        # alike; queues and channels: tagging finds them). Declared here so each topic type-checks alone.
        def start_position(self, stream: Stream, shard: Shard, now: int, kind: str, number: str | None,
                           when: datetime | None) -> int: ...

        def read_batch(self, ctx: RequestContext, stream: Stream, shard: Shard, position: int, limit: int) -> dict: ...

        def _queue(self, ctx: RequestContext, arn: str, usable: bool = True) -> Queue: ...

        def _channel(self, ctx: RequestContext, arn: str) -> Channel: ...

    # -- stream documents ----------------------------------------------------

    def lock(self, stream: Stream) -> threading.RLock:
        with self._guard:
            return self._locks.setdefault(stream["StreamId"], threading.RLock())

    def find(self, ctx: RequestContext, name: str, account: str | None = None) -> Stream | None:
        """The stream ``name`` of ``account`` (default: the caller's) in the caller's Region."""
        key = (account or ctx.account_id, ctx.region, name)
        stream = self._cache.get(key)
        if stream is None:
            stream = STREAM.get(self.store, streams_ns(ctx, key[0]), name)
            if stream is None:
                return None
            self._cache[key] = stream
        status = stream_status(stream, ctx.clock.time())
        if status is None:
            self._purge(ctx, stream)
            return None
        return stream

    def save(self, ctx: RequestContext, stream: Stream) -> None:
        account = owner_account(stream)
        STREAM.put(self.store, streams_ns(ctx, account), stream["StreamName"], stream)
        self._cache[(account, ctx.region, stream["StreamName"])] = stream

    def _purge(self, ctx: RequestContext, stream: Stream) -> None:
        account = owner_account(stream)
        with self.lock(stream):
            self.store.delete(streams_ns(ctx, account), stream["StreamName"])
            self._cache.pop((account, ctx.region, stream["StreamName"]), None)
            self.logs.drop_stream(stream["StreamId"])

    def stream_name(self, ctx: RequestContext, params: dict, arn_key: str = "StreamARN") -> str:
        return self.stream_ref(ctx, params, arn_key)[1]

    def stream_ref(self, ctx: RequestContext, params: dict, arn_key: str = "StreamARN") -> tuple[str, str]:
        """(owner account, name) of the stream named by StreamARN (any account) or StreamName (the caller's)."""
        arn = params.get(arn_key)
        if arn:
            parts = arn.split(":", 5)
            resource = parts[5] if len(parts) == 6 else ""
            if not resource.startswith("stream/") or not parts[4]:
                raise ServiceError("InvalidArgumentException", f"Invalid StreamARN {arn}.")
            name = resource[len("stream/"):].split("/", 1)[0]
            if params.get("StreamName") and params["StreamName"] != name:
                raise ServiceError("InvalidArgumentException", "StreamARN and StreamName do not match.")
            if parts[3] != ctx.region:
                raise not_found("Stream", name, parts[4], ctx.region)
            return parts[4], name
        if params.get("StreamName"):
            return ctx.account_id, params["StreamName"]
        raise ServiceError("InvalidArgumentException", "Either StreamName or StreamARN should be provided.")

    def stream(self, ctx: RequestContext, params: dict, *, usable: bool = True, check: bool = True) -> Stream:
        """The stream named by StreamName or StreamARN; ``usable``: it can take records (not CREATING).

        ``check``: the caller must be allowed the operation on it (its resource policy, another account's
        access): checked before whether it exists, as AWS does."""
        account, name = self.stream_ref(ctx, params)
        stream = self.find(ctx, name, account)
        if check:
            access.check_stream(ctx, account, name, stream)
        if stream is None:
            raise not_found("Stream", name, account or ctx.account_id)
        status = stream_status(stream, ctx.clock.time())
        if usable and status in (CREATING, DELETING):
            raise not_found("Stream", name, account or ctx.account_id)
        return stream

    def active(self, ctx: RequestContext, params: dict) -> Stream:
        """A stream a change can be made to: ACTIVE only, as AWS requires."""
        stream = self.stream(ctx, params, usable=False)
        status = stream_status(stream, ctx.clock.time())
        if status != ACTIVE:
            raise ServiceError("ResourceInUseException",
                               f"Stream {stream['StreamName']} under account {ctx.account_id} not ACTIVE, instead in "
                               f"state {status}")
        return stream

    def begin_update(self, ctx: RequestContext, stream: Stream) -> None:
        stream["StreamStatus"], stream["StatusUntil"] = UPDATING, ctx.clock.time() + transition_seconds(ctx)

    # -- shards --------------------------------------------------------------

    def shard(self, ctx: RequestContext, stream: Stream, name: str) -> Shard:
        """A shard of the stream; a closed one only until its records are past retention."""
        index = shard_index(name)
        for shard in stream["Shards"]:
            if shard["ShardIndex"] == index and retention.shard_listed(stream, shard, now_ms(ctx)):
                return shard
        raise ServiceError("ResourceNotFoundException",
                           f"Shard {name} in stream {stream['StreamName']} under account {ctx.account_id} does not exist")

    def route(self, stream: Stream, hash_key: int) -> Shard:
        """The open shard whose hash range holds ``hash_key``."""
        cached = self._routes.get(stream["StreamId"])
        if cached is None or cached[0] != stream["ReshardCount"]:
            shards = sorted(open_shards(stream), key=lambda s: s["StartingHashKey"])
            starts = [s["StartingHashKey"] for s in shards]
            cached = self._routes[stream["StreamId"]] = (stream["ReshardCount"], starts, shards)
        _, starts, shards = cached
        return shards[bisect.bisect_right(starts, hash_key) - 1]

    # -- retention -----------------------------------------------------------

    def sweep_retention(self) -> None:
        """After a jump of the virtual clock: delete what passed retention from every stream's logs."""
        now = self.runtime.clock.time()
        for ns in self.store.namespaces(("kinesis",)):
            if ns[-1] != "streams":
                continue
            for _, stream in STREAM.scan(self.store, ns):
                with self.lock(stream):  # a purge (which drops the files) waits, or went first
                    if stream_status(stream, now) is not None:
                        retention.trim_stream(self.logs, stream, int(now * 1000))

    def retention_changed(self, ctx: RequestContext, stream: Stream, old_hours: int) -> None:
        retention.retention_changed(stream, old_hours, now_ms(ctx))
        retention.trim_stream(self.logs, stream, now_ms(ctx))
