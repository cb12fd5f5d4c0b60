"""Channel delivery: a scheduled job (``core/scheduler.py``) that reads each ACTIVE channel's stream and
writes S3 objects when due.

Records stay in the shard logs until delivered: the channel's durable state is only a checkpoint per
shard (the next position to deliver, and whether a closed shard is finished), committed after its
objects are in S3. What was read but not yet delivered is kept in memory and read again from the
checkpoints after a restart, so nothing is lost. Before an object is written its extent is stored (the
intent); after a crash between the write and the checkpoint the same records are written again under
the same key (channel_objects.unique_suffix), so the object replaces itself instead of appearing twice.

Shards are read from the position of the channel's activation (no backfill, as in AWS); a child shard
only once its parents are read to their end, so records of a partition key stay in order. An object is
written when the oldest undelivered record is DataFreshnessInSeconds old on the virtual clock. The job
wakes every quarter second, and runs at once after a jump of the clock, so a test that advances the
clock finds the objects when its call returns. A refused write is logged and retried.
"""
from __future__ import annotations

import json
import logging
import threading
import time
import uuid

from nimbus.core.context import CallSource, RequestContext
from nimbus.core.identity import service_principal
from nimbus.core.namespaces import Namespace
from nimbus.core.scheduler import Job
from nimbus.core.times import epoch_millis
from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesis import channel_objects as objects
from nimbus.services.kinesis.channel_checks import ChannelRole
from nimbus.services.kinesis.channel_state import channel_status
from nimbus.services.kinesis.documents import (
    CHANNEL,
    CHANNEL_PROGRESS,
    Channel,
    ChannelProgress,
    ShardCheckpoint,
    Stream,
)
from nimbus.services.kinesis.state import ACTIVE, UPDATING, shard_id

log = logging.getLogger(__name__)
SERVICE_PRINCIPAL = "kinesis.amazonaws.com"
PAGES_PER_SHARD = 20  # per pass, so one busy shard does not starve the others
MAX_OBJECT_BYTES = 64 * 1024 * 1024  # an object holds at most this much; a buffer this full is delivered early
MAX_BUFFERED_BYTES = 2 * MAX_OBJECT_BYTES  # reading pauses past this (the records wait in the shard logs)
RETRY_PAUSE = 1.0  # real seconds between attempts at a refusing destination (clock jumps retry at once)
TICK_SECONDS = 0.25


progress_ns = Namespace("kinesis", "channel-progress")


class DeliveryError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


class Reader:
    """One channel's read-ahead: cursors per shard and the records read but not yet delivered."""

    def __init__(self, saved: ChannelProgress | None):
        saved = {"Shards": saved["Shards"], "Intent": saved["Intent"]} if saved else {"Shards": {}, "Intent": None}
        self.cursors: dict[int, int] = {int(k): v["NextPosition"] for k, v in saved["Shards"].items()}
        self.finished: set[int] = {int(k) for k, v in saved["Shards"].items() if v["Finished"]}
        # The last position per shard of an object being written: set (durably) before the write, cleared
        # with the checkpoint after it, so a crash in between writes exactly that object again.
        self.intent: dict[str, int] | None = saved["Intent"]
        self.pending: list[dict] = []
        self.bytes = 0  # of the pending records' data
        self.oldest: int | None = None  # arrival (ms) of the oldest pending record
        self.retry_at = 0.0
        self.saved = saved

    def added(self, batch: dict) -> None:
        """Account for the records of ``batch`` just appended (contiguous log positions ending at next)."""
        count = len(batch["records"])
        for offset, record in enumerate(self.pending[len(self.pending) - count:]):
            record["position"] = batch["next"] - count + offset
            self.bytes += len(record["data"])
            self.oldest = record["arrival"] if self.oldest is None else min(self.oldest, record["arrival"])

    def take(self, taken: list[dict]) -> None:
        """``taken`` were delivered."""
        gone = {id(r) for r in taken}
        self.pending = [r for r in self.pending if id(r) not in gone]
        self.bytes -= sum(len(r["data"]) for r in taken)
        self.oldest = min((r["arrival"] for r in self.pending), default=None)

    def batch(self, now_ms: int, freshness_ms: int) -> list[dict] | None:
        """The records of the next object, or None when none is due."""
        if self.intent is not None:  # an interrupted write: the very same records, once all are read back
            if any(self.cursors.get(int(s), 0) <= last for s, last in self.intent.items()):
                return None
            return [r for r in self.pending if r["position"] <= self.intent.get(str(r["shard"]), -1)]
        if self.oldest is None or (now_ms - self.oldest < freshness_ms and self.bytes < MAX_OBJECT_BYTES):
            return None  # nothing pending, or not due
        taken: list[dict] = []
        size = 0
        for record in self.pending:
            if taken and size + len(record["data"]) > MAX_OBJECT_BYTES:
                break
            taken.append(record)
            size += len(record["data"])
        return taken

    def checkpoint(self) -> dict[str, ShardCheckpoint]:
        """Positions after everything delivered: each shard's first pending record, else its cursor."""
        first: dict[int, int] = {}
        for record in self.pending:
            first.setdefault(record["shard"], record["position"])
        return {str(s): {"NextPosition": first.get(s, c), "Finished": s in self.finished and s not in first}
                for s, c in self.cursors.items()}


class ChannelDelivery:
    def __init__(self, provider):
        self.provider = provider
        self.runtime = provider.runtime
        self._lock = threading.RLock()
        self._readers: dict[str, Reader] = {}
        self._logged: set[tuple] = set()
        self._job: Job | None = None
        if any(ns[3:] == ("channels",) for ns in self.runtime.store.namespaces(("kinesis",))):
            self.start()

    # -- the scheduler (stops when a reset replaces the provider) -----------------------------------

    def start(self) -> None:
        with self._lock:
            if self._job is None:
                self._job = self.provider.every("kinesis-channels", TICK_SECONDS, self.run_once,
                                                on_advance=lambda: self.run_once(force=True))

    def forget(self, channel_id: str) -> None:
        with self._lock:
            self._readers.pop(channel_id, None)

    def run_once(self, force: bool = False) -> None:
        store = self.runtime.store
        with self._lock:
            for ns in store.namespaces(("kinesis",)):
                if ns[3:] != ("channels",):
                    continue
                for _, channel in CHANNEL.scan(store, ns):
                    status = channel_status(channel, self.runtime.clock.time())
                    if status is None:  # deleted: its delivery state goes with it
                        self.provider._purge_channel(self._context(channel), channel)
                    if channel["ChannelDestinationType"] != "S3" or status not in (ACTIVE, UPDATING):
                        continue
                    try:
                        self._serve(channel, force)
                    except Exception:  # one broken channel must not stop the others
                        log.exception("kinesis channel %s delivery failed", channel["ChannelName"])

    # -- one channel --------------------------------------------------------------------------------

    def _context(self, channel: Channel) -> RequestContext:
        return RequestContext(runtime=self.runtime, request_id=str(uuid.uuid4()), service="kinesis",
                              operation="ChannelDelivery", account_id=channel["AccountId"], region=channel["Region"],
                              principal=service_principal(SERVICE_PRINCIPAL), internal=True)

    def _reader(self, channel: Channel) -> Reader:
        reader = self._readers.get(channel["ChannelId"])
        if reader is None:
            saved = CHANNEL_PROGRESS.get(self.runtime.store, progress_ns(channel["AccountId"], channel["Region"]),
                                         channel["ChannelId"])
            reader = self._readers[channel["ChannelId"]] = Reader(saved)
        return reader

    def _serve(self, channel: Channel, force: bool) -> None:
        ctx = self._context(channel)
        reader = self._reader(channel)
        stream = self.provider.find(ctx, channel["Stream"]["StreamName"])
        if stream is None or stream["StreamId"] != channel["Stream"]["StreamId"]:
            return
        try:
            self._read(ctx, channel, stream, reader)
        except ServiceError as exc:  # e.g. the stream's KMS key is disabled: records cannot be read
            self._log(ctx, channel, [{"errorCode": exc.code, "errorMessage": exc.message}])
        freshness = channel["Destination"]["DataFreshnessInSeconds"] * 1000
        while (taken := reader.batch(int(ctx.clock.time() * 1000), freshness)) is not None:
            if not force and time.monotonic() < reader.retry_at:
                return
            if reader.intent is None:
                reader.intent = {}
                for record in taken:
                    reader.intent[str(record["shard"])] = record["position"]
                self._commit(channel, reader)
            try:
                if taken:  # empty when retention removed an interrupted object's records meanwhile
                    self._deliver(ctx, channel, taken)
            except DeliveryError as exc:
                reader.retry_at = time.monotonic() + RETRY_PAUSE
                self._log(ctx, channel, [{"errorCode": exc.code, "errorMessage": exc.message,
                                          "recordCount": len(taken)}])
                return
            reader.take(taken)
            reader.intent = None
            self._commit(channel, reader)
            force = False
        self._commit(channel, reader)

    def _read(self, ctx: RequestContext, channel: Channel, stream: Stream, reader: Reader) -> None:
        """Move new records of the stream into ``reader.pending``, parents before children."""
        present = {s["ShardIndex"] for s in stream["Shards"]}
        progress = True
        while progress:  # a child becomes readable in the same pass once its parents are done
            progress = False
            for shard in stream["Shards"]:
                index = shard["ShardIndex"]
                if index in reader.finished:
                    continue
                parents = [p for p in (shard["ParentShardIndex"], shard["AdjacentParentShardIndex"])
                           if p is not None and p in present]
                if any(p not in reader.finished for p in parents):
                    continue
                if index not in reader.cursors:
                    log_file = self.provider.logs.log(stream["StreamId"], index)
                    reader.cursors[index] = log_file.position_at(channel["ActiveMs"])
                for _ in range(PAGES_PER_SHARD):
                    if reader.bytes >= MAX_BUFFERED_BYTES and reader.intent is None:
                        return
                    batch = self.provider.read_batch(ctx, stream, shard, reader.cursors[index], 10000)
                    for entry in batch["records"]:
                        reader.pending.append({
                            "shard": index, "shard_id": shard_id(index), "seq": entry["SequenceNumber"],
                            "position": None,
                            "arrival": epoch_millis(entry["ApproximateArrivalTimestamp"]),
                            "key": entry["PartitionKey"], "data": entry["Data"]})
                    reader.added(batch)
                    reader.cursors[index] = batch["next"]
                    if batch["child_shards"] is not None:
                        reader.finished.add(index)
                        progress = True
                        break
                    if not batch["records"]:
                        break

    def _commit(self, channel: Channel, reader: Reader) -> None:
        """Store the checkpoints when they moved (always safe: they never pass an undelivered record)."""
        state: ChannelProgress = {"Shards": reader.checkpoint(), "Intent": reader.intent}
        if state != reader.saved:
            CHANNEL_PROGRESS.put(self.runtime.store, progress_ns(channel["AccountId"], channel["Region"]),
                                 channel["ChannelId"], state)
            reader.saved = state

    # -- writing ------------------------------------------------------------------------------------

    def _deliver(self, ctx: RequestContext, channel: Channel, taken: list[dict]) -> None:
        fmt = channel["RecordConfiguration"]["RecordFormatType"]
        good: list[dict] = []
        bad: list[tuple[dict, str]] = []
        for record in taken:
            reason = objects.invalid_reason(record["data"], fmt)
            if reason:
                bad.append((record, reason))
            else:
                good.append(record)
        firsts: dict[int, int] = {}
        for record in taken:
            firsts.setdefault(record["shard"], record["position"])
        storage = channel["Destination"]["StorageConfiguration"]
        now_ms = int(ctx.clock.time() * 1000)
        if good:
            key = objects.object_key(storage["OutputKeyTemplate"], channel, min(r["arrival"] for r in good),
                                     objects.unique_suffix(channel["ChannelId"], list(firsts.items()), "data"))
            body = objects.compress(b"".join(r["data"] for r in good), storage["CompressionType"])
            self._put(ctx, channel, storage["BucketARN"], key, body, storage.get("StorageClass"))
        if bad:
            dlq = channel["Destination"]["DeadLetterQueueS3Configuration"]
            oldest = min(r["arrival"] for r, _ in bad)
            unique = objects.unique_suffix(channel["ChannelId"], list(firsts.items()), "errors")
            name = objects.object_key("!{channel-name}-!{channel-id}-!{yyyy}-!{MM}-!{dd}-!{HH}-!{mm}", channel,
                                      oldest, unique)
            lines = "".join(objects.dead_letter_line(channel, r, why, now_ms) + "\n" for r, why in bad)
            self._put(ctx, channel, dlq["BucketARN"], dlq["ErrorOutputPrefix"] + name, lines.encode(), None)
            self._log(ctx, channel, [{"errorCode": "InvalidRecordFormat", "errorMessage": why,
                                      "shardId": r["shard_id"], "sequenceNumber": r["seq"]} for r, why in bad])

    def _put(self, ctx: RequestContext, channel: Channel, bucket_arn: str, key: str, body: bytes,
             storage_class: str | None) -> None:
        params = {"Bucket": bucket_arn.split(":::", 1)[-1], "Key": key, "Body": body}
        if storage_class and storage_class != "STANDARD":
            params["StorageClass"] = storage_class
        if channel["KeyARN"]:
            params.update(ServerSideEncryption="aws:kms", SSEKMSKeyId=channel["KeyARN"])
        role = ChannelRole(channel["ServiceExecutionRoleARN"], CallSource(channel["ChannelARN"], channel["AccountId"]))
        try:  # as the channel's role: its permissions and the bucket's policy decide
            role.call(ctx, "s3", "PutObject", params)
        except ServiceError as exc:
            raise DeliveryError(f"S3.{exc.code}", exc.message) from None

    # -- CloudWatch Logs (LoggingConfiguration) -----------------------------------------------------

    def _log(self, ctx: RequestContext, channel: Channel, errors: list[dict]) -> None:
        logs = channel["LoggingConfiguration"]["CloudWatchLogs"]
        if not logs.get("Enabled") or not errors:
            return
        group, stream = logs["LogGroupName"], logs["LogStreamName"]
        account, region = channel["AccountId"], channel["Region"]

        def call(operation: str, params: dict) -> None:
            self.runtime.client.call("logs", operation, params, account_id=account, region=region,
                                     invoked_by=SERVICE_PRINCIPAL)
        try:
            if (account, region, group, stream) not in self._logged:
                for operation, params in (("CreateLogGroup", {"logGroupName": group}),
                                          ("CreateLogStream", {"logGroupName": group, "logStreamName": stream})):
                    try:
                        call(operation, params)
                    except ServiceError as exc:
                        if exc.code != "ResourceAlreadyExistsException":
                            raise
                self._logged.add((account, region, group, stream))
            now_ms = int(ctx.clock.time() * 1000)
            events = [{"timestamp": now_ms, "message": json.dumps(
                {"channelName": channel["ChannelName"], "channelId": channel["ChannelId"],
                 "streamARN": channel["Stream"]["StreamARN"],
                 **error})} for error in errors[:1000]]
            call("PutLogEvents", {"logGroupName": group, "logStreamName": stream, "logEvents": events})
        except ServiceError as exc:
            self._logged.discard((account, region, group, stream))
            log.debug("kinesis channel %s cannot log to %s: %s", channel["ChannelName"], group, exc)

