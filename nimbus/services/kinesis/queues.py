"""Kinesis queues: records of one or more streams delivered to queue consumers with receipts, visibility
timeouts, redelivery and a built-in dead-letter queue.

A queue reads its streams' shard logs lazily through cursors (one per shard, a child shard only once its
parents are read to their end, so a key's records leave in order). A delivered record is in flight until
acknowledged; when its visibility timeout passes (virtual clock) it is delivered again, and past
``MaxReceiveCount`` receives it moves to the dead-letter queue instead. Queue state lives in the store;
record bytes stay in the shard logs (a record past its stream's retention leaves the queue too).
"""
from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Literal

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import regional
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesis import encryption, retention
from nimbus.services.kinesis.documents import QUEUE, Queue, QueueEntry, QueueSource
from nimbus.services.kinesis.state import CREATING, DELETING, KinesisState, now_ms, queue_status, transition_seconds

DEFAULT_VISIBILITY = 30
MAX_QUEUES = 50
_INVALID_RECEIPT = ("InvalidArgumentException", "The receipt handle is not valid or is no longer current.")


def queues_ns(ctx: RequestContext) -> tuple[str, ...]:
    return regional("kinesis", ctx.account_id, ctx.region, "queues")


def _attributes(queue: Queue) -> dict:
    attributes: dict = {"VisibilityTimeoutSeconds": queue["VisibilityTimeoutSeconds"]}
    if queue["DeadLetterConfiguration"]:
        attributes["DeadLetterConfiguration"] = queue["DeadLetterConfiguration"]
    return attributes


def _record_id(entry: QueueEntry) -> str:
    return f"{entry['s']:x}s{entry['h']:x}p{entry['p']:x}"


class QueueOps(KinesisState):
    def create_queue(self, ctx: RequestContext, params: dict) -> dict:
        name = params["QueueName"]
        created = ctx.clock.time()
        streams: list[QueueSource] = []
        for config in params["StreamConfigurationList"]:
            stream = self.stream(ctx, {"StreamARN": config["StreamARN"]})
            start = config.get("StartingPosition") or {"Type": "TRIM_HORIZON"}
            cursors = {}
            if start["Type"] != "TRIM_HORIZON":
                for shard in stream["Shards"]:
                    kind = "LATEST" if start["Type"] == "LATEST" else "AT_TIMESTAMP"
                    cursors[str(shard["ShardIndex"])] = self.start_position(stream, shard, now_ms(ctx), kind, None,
                                                                       start.get("Timestamp"))
            streams.append({"StreamARN": stream["StreamARN"], "StreamName": stream["StreamName"],
                            "StreamId": stream["StreamId"],
                            "StreamCreationTimestamp": stream["StreamCreationTimestamp"],
                            "StartingPosition": {"Type": start["Type"]}, "Cursors": cursors})
        attributes = params.get("QueueAttributes") or {}
        with self.store.transaction():
            if self._find_queue(ctx, name) is not None:
                raise ServiceError("ResourceInUseException", f"Queue {name} under account {ctx.account_id} already exists.")
            if len(self.store.scan(queues_ns(ctx))) >= MAX_QUEUES:
                raise ServiceError("LimitExceededException", f"The limit of {MAX_QUEUES} queues is reached.")
            queue: Queue = {
                "QueueId": secrets.token_hex(16), "QueueName": name, "QueueARN": ctx.arn(f"queue/{name}"),
                "QueueCreationTimestamp": created, "QueueStatus": CREATING,
                "StatusUntil": created + transition_seconds(ctx), "Streams": streams,
                "VisibilityTimeoutSeconds": attributes.get("VisibilityTimeoutSeconds", DEFAULT_VISIBILITY),
                "DeadLetterConfiguration": attributes.get("DeadLetterConfiguration"),
                "Tags": dict(params.get("Tags") or {}), "InFlight": {}, "DeadLetters": {}, "LastOrder": 0}
            self._save_queue(ctx, queue)
        return {"QueueDescription": self._describe_queue(ctx, queue)}

    def describe_queue(self, ctx: RequestContext, params: dict) -> dict:
        return {"QueueDescription": self._describe_queue(ctx, self._queue(ctx, params["QueueARN"], usable=False))}

    def list_queues(self, ctx: RequestContext, params: dict) -> dict:
        wanted = {f["StreamARN"] for f in params.get("StreamFilter") or []}
        after = params.get("NextToken") or ""
        queues = [q for q in (self._find_queue(ctx, key) for key, _ in self.store.scan(queues_ns(ctx)) if key > after)
                  if q is not None and (not wanted or wanted & {s["StreamARN"] for s in q["Streams"]})]
        limit = params.get("MaxResults") or 100
        output: dict = {"QueueSummaries": [{
            "QueueName": q["QueueName"], "QueueARN": q["QueueARN"], "QueueStatus": queue_status(q, ctx.clock.time()),
            "QueueCreationTimestamp": timestamp(q["QueueCreationTimestamp"]),
            "Streams": [{"StreamARN": s["StreamARN"],
                         "StreamCreationTimestamp": timestamp(s["StreamCreationTimestamp"])}
                        for s in q["Streams"]]} for q in queues[:limit]]}
        if len(queues) > limit:
            output["NextToken"] = queues[limit - 1]["QueueName"]
        return output

    def update_queue(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            queue = self._queue(ctx, params["QueueARN"])
            attributes = params["QueueAttributes"]
            if "VisibilityTimeoutSeconds" in attributes:
                queue["VisibilityTimeoutSeconds"] = attributes["VisibilityTimeoutSeconds"]
            if "DeadLetterConfiguration" in attributes:
                queue["DeadLetterConfiguration"] = attributes["DeadLetterConfiguration"]
            self._save_queue(ctx, queue)
        return {"QueueDescription": self._describe_queue(ctx, queue)}

    def delete_queue(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            queue = self._queue(ctx, params["QueueARN"], usable=False)
            queue["QueueStatus"], queue["StatusUntil"] = DELETING, ctx.clock.time() + transition_seconds(ctx)
            self._save_queue(ctx, queue)
        return {}

    # -- records -------------------------------------------------------------

    def receive_queue_records(self, ctx: RequestContext, params: dict) -> dict:
        return {"QueueRecords": self._receive(ctx, params, dead=False)}

    def receive_dead_letter_queue_records(self, ctx: RequestContext, params: dict) -> dict:
        return {"QueueRecords": self._receive(ctx, params, dead=True)}

    def acknowledge_queue_records(self, ctx: RequestContext, params: dict) -> dict:
        return self._settle(ctx, params, "InFlight", lambda queue, key, entry, _: queue["InFlight"].pop(key))

    def acknowledge_dead_letter_queue_records(self, ctx: RequestContext, params: dict) -> dict:
        return self._settle(ctx, params, "DeadLetters", lambda queue, key, entry, _: queue["DeadLetters"].pop(key))

    def update_queue_records_visibility(self, ctx: RequestContext, params: dict) -> dict:
        return self._settle(ctx, params, "InFlight", self._set_visibility)

    def update_dead_letter_queue_records_visibility(self, ctx: RequestContext, params: dict) -> dict:
        return self._settle(ctx, params, "DeadLetters", self._set_visibility)

    def restore_dead_letter_queue_records(self, ctx: RequestContext, params: dict) -> dict:
        def restore(queue: Queue, key: str, entry: QueueEntry, _: dict) -> None:
            queue["DeadLetters"].pop(key)
            queue["InFlight"][key] = {**entry, "c": 0, "v": 0, "n": None}
        return self._settle(ctx, params, "DeadLetters", restore)

    @staticmethod
    def _set_visibility(queue: Queue, key: str, entry: QueueEntry, item: dict) -> None:
        entry["v"] = item["_now"] + item["VisibilityTimeoutSeconds"]

    def _settle(self, ctx: RequestContext, params: dict, where: Literal["InFlight", "DeadLetters"],
                action: Callable[[Queue, str, QueueEntry, dict], object]) -> dict:
        successful: list[dict] = []
        failed: list[dict] = []
        with self.store.transaction():
            queue = self._queue(ctx, params["QueueARN"])
            for item in params["Entries"]:
                handle = item["ReceiptHandle"]
                key, _, nonce = handle.partition(".")
                entry = queue[where].get(key)
                if entry is None or entry["n"] != nonce or not nonce:
                    failed.append({"ReceiptHandle": handle, "ErrorCode": _INVALID_RECEIPT[0],
                                   "ErrorMessage": _INVALID_RECEIPT[1]})
                    continue
                action(queue, key, entry, {**item, "_now": ctx.clock.time()})
                successful.append({"ReceiptHandle": handle})
            self._save_queue(ctx, queue)
        return {"Successful": successful, "Failed": failed}

    def _receive(self, ctx: RequestContext, params: dict, dead: bool) -> list[dict]:
        deadline = time.monotonic() + (params.get("WaitTimeSeconds") or 0)
        while True:
            with self.store.transaction():
                queue = self._queue(ctx, params["QueueARN"])
                visibility = params.get("VisibilityTimeoutSeconds", queue["VisibilityTimeoutSeconds"])
                records = self._take(ctx, queue, params.get("Limit") or 10, visibility, dead)
                self._save_queue(ctx, queue)
            if records or time.monotonic() >= deadline:
                return records
            time.sleep(0.05)

    def _take(self, ctx: RequestContext, queue: Queue, limit: int, visibility: int, dead: bool) -> list[dict]:
        now = ctx.clock.time()
        pool = queue["DeadLetters"] if dead else queue["InFlight"]
        taken: list[dict] = []
        for key in sorted((k for k, e in pool.items() if e["v"] <= now), key=lambda k: pool[k]["o"]):
            if len(taken) == limit:
                break
            entry = pool[key]
            dlq = queue["DeadLetterConfiguration"]
            if not dead and dlq and dlq.get("TargetType") == "BUILT_IN" and entry["c"] >= dlq.get("MaxReceiveCount", 1):
                queue["DeadLetters"][key] = {**pool.pop(key), "v": 0, "n": None}
                continue
            record = self._deliver(ctx, queue, key, entry, now, visibility)
            if record is None:
                pool.pop(key)
            else:
                taken.append(record)
        if not dead:
            while len(taken) < limit:
                fresh = self._next_new(ctx, queue)
                if fresh is None:
                    break
                key = _record_id(fresh)
                queue["InFlight"][key] = fresh
                record = self._deliver(ctx, queue, key, fresh, now, visibility)
                if record is None:
                    queue["InFlight"].pop(key)
                else:
                    taken.append(record)
        return taken

    def _next_new(self, ctx: RequestContext, queue: Queue) -> QueueEntry | None:
        """The next record no one has received yet, following each stream's shard lineage."""
        for number, source in enumerate(queue["Streams"]):
            stream = self.find(ctx, source["StreamName"])
            if stream is None or stream["StreamId"] != source["StreamId"]:
                continue
            cursors = source["Cursors"]
            done = {s["ShardIndex"] for s in stream["Shards"]
                    if s["EndPosition"] is not None and cursors.get(str(s["ShardIndex"]), 0) >= s["EndPosition"]}
            known = {s["ShardIndex"] for s in stream["Shards"]}
            for shard in stream["Shards"]:
                parents = [p for p in (shard["ParentShardIndex"], shard["AdjacentParentShardIndex"])
                           if p is not None and p in known]
                if shard["ShardIndex"] in done or any(p not in done for p in parents):
                    continue
                log = self.logs.log(stream["StreamId"], shard["ShardIndex"])
                trim = log.position_at(retention.cutoff_ms(stream, now_ms(ctx)))
                position = max(cursors.get(str(shard["ShardIndex"]), 0), trim)
                end = log.count if shard["EndPosition"] is None else shard["EndPosition"]
                if position < end:
                    cursors[str(shard["ShardIndex"])] = position + 1
                    queue["LastOrder"] += 1
                    return {"s": number, "h": shard["ShardIndex"], "p": position, "c": 0, "f": None, "v": 0,
                            "n": None, "o": queue["LastOrder"]}
                cursors[str(shard["ShardIndex"])] = position
        return None

    def _deliver(self, ctx: RequestContext, queue: Queue, key: str, entry: QueueEntry, now: float,
                 visibility: int) -> dict | None:
        source = queue["Streams"][entry["s"]]
        stream = self.find(ctx, source["StreamName"])
        if stream is None or stream["StreamId"] != source["StreamId"]:
            return None
        log = self.logs.log(stream["StreamId"], entry["h"])
        if entry["p"] < log.position_at(retention.cutoff_ms(stream, now_ms(ctx))):
            return None  # past the stream's retention
        found = log.read(entry["p"], 1, 1 << 30)
        if not found or found[0].position != entry["p"]:
            return None  # its segment passed retention (and left the disk) meanwhile
        stored = found[0]
        entry["c"] += 1
        entry["f"] = entry["f"] or now
        entry["v"] = now + visibility
        entry["n"] = secrets.token_hex(8)
        record = {"ReceiptHandle": f"{key}.{entry['n']}", "RecordId": key,
                  "Data": encryption.unsealer(ctx, stream)(stored.flags, stored.data),
                  "ApproximateArrivalTimestamp": timestamp(stored.arrival_ms / 1000),
                  "FirstReceiveTimestamp": timestamp(entry["f"]), "ReceiveCount": entry["c"]}
        if stored.partition_key:
            record["PartitionKey"] = stored.partition_key
        return record

    # -- helpers -------------------------------------------------------------

    def _find_queue(self, ctx: RequestContext, name: str) -> Queue | None:
        queue = QUEUE.get(self.store, queues_ns(ctx), name)
        if queue is not None and queue_status(queue, ctx.clock.time()) is None:
            self.store.delete(queues_ns(ctx), name)
            return None
        return queue

    def _queue(self, ctx: RequestContext, arn: str, usable: bool = True) -> Queue:
        parts = arn.split(":", 5)
        name = parts[5][len("queue/"):] if len(parts) == 6 and parts[5].startswith("queue/") else ""
        queue = self._find_queue(ctx, name) if name and parts[4] == ctx.account_id else None
        if queue is None or queue["QueueARN"] != arn or (
                usable and queue_status(queue, ctx.clock.time()) in (CREATING, DELETING)):
            raise ServiceError("ResourceNotFoundException", f"Queue {arn} not found.")
        return queue

    def _save_queue(self, ctx: RequestContext, queue: Queue) -> None:
        QUEUE.put(self.store, queues_ns(ctx), queue["QueueName"], queue)

    def _describe_queue(self, ctx: RequestContext, queue: Queue) -> dict:
        return {"QueueName": queue["QueueName"], "QueueARN": queue["QueueARN"],
                "QueueStatus": queue_status(queue, ctx.clock.time()),
                "QueueCreationTimestamp": timestamp(queue["QueueCreationTimestamp"]),
                "StreamConfigurationList": [{"StreamARN": s["StreamARN"], "StartingPosition": s["StartingPosition"]}
                                            for s in queue["Streams"]],
                "QueueAttributes": _attributes(queue)}
