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

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import regional
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesis import encryption, retention
from nimbus.services.kinesis.state import CREATING, DELETING, KinesisState, now_ms, stream_status, transition_seconds

DEFAULT_VISIBILITY = 30
MAX_QUEUES = 50
_INVALID_RECEIPT = ("InvalidArgumentException", "The receipt handle is not valid or is no longer current.")


def queues_ns(ctx: RequestContext) -> tuple[str, ...]:
    return regional("kinesis", ctx.account_id, ctx.region, "queues")


def _attributes(queue: dict) -> dict:
    attributes = {"VisibilityTimeoutSeconds": queue["visibility"]}
    if queue["dlq"]:
        attributes["DeadLetterConfiguration"] = queue["dlq"]
    return attributes


def _record_id(entry: dict) -> str:
    return f"{entry['s']:x}s{entry['h']:x}p{entry['p']:x}"


class QueueOps(KinesisState):
    def create_queue(self, ctx: RequestContext, params: dict) -> dict:
        name = params["QueueName"]
        created = ctx.clock.time()
        streams = []
        for config in params["StreamConfigurationList"]:
            stream = self.stream(ctx, {"StreamARN": config["StreamARN"]})
            start = config.get("StartingPosition") or {"Type": "TRIM_HORIZON"}
            cursors = {}
            if start["Type"] != "TRIM_HORIZON":
                for shard in stream["shards"]:
                    kind = "LATEST" if start["Type"] == "LATEST" else "AT_TIMESTAMP"
                    cursors[str(shard["index"])] = self.start_position(stream, shard, now_ms(ctx), kind, None,
                                                                       start.get("Timestamp"))
            streams.append({"arn": stream["arn"], "name": stream["name"], "id": stream["id"],
                            "created": stream["created"], "start": {"Type": start["Type"]}, "cursors": cursors})
        attributes = params.get("QueueAttributes") or {}
        with self.store.transaction():
            if self._find_queue(ctx, name) is not None:
                raise ServiceError("ResourceInUseException", f"Queue {name} under account {ctx.account_id} already exists.")
            if len(self.store.scan(queues_ns(ctx))) >= MAX_QUEUES:
                raise ServiceError("LimitExceededException", f"The limit of {MAX_QUEUES} queues is reached.")
            queue = {"id": secrets.token_hex(16), "name": name, "arn": ctx.arn(f"queue/{name}"), "created": created,
                     "status": CREATING, "status_until": created + transition_seconds(ctx), "streams": streams,
                     "visibility": attributes.get("VisibilityTimeoutSeconds", DEFAULT_VISIBILITY),
                     "dlq": attributes.get("DeadLetterConfiguration"), "tags": dict(params.get("Tags") or {}),
                     "inflight": {}, "dead": {}, "order": 0}
            self.store.put(queues_ns(ctx), name, queue)
        return {"QueueDescription": self._describe_queue(ctx, queue)}

    def describe_queue(self, ctx: RequestContext, params: dict) -> dict:
        return {"QueueDescription": self._describe_queue(ctx, self._queue(ctx, params["QueueARN"], usable=False))}

    def list_queues(self, ctx: RequestContext, params: dict) -> dict:
        wanted = {f["StreamARN"] for f in params.get("StreamFilter") or []}
        after = params.get("NextToken") or ""
        queues = [q for q in (self._find_queue(ctx, key) for key, _ in self.store.scan(queues_ns(ctx)) if key > after)
                  if q is not None and (not wanted or wanted & {s["arn"] for s in q["streams"]})]
        limit = params.get("MaxResults") or 100
        output = {"QueueSummaries": [{
            "QueueName": q["name"], "QueueARN": q["arn"], "QueueStatus": stream_status(q, ctx.clock.time()),
            "QueueCreationTimestamp": timestamp(q["created"]),
            "Streams": [{"StreamARN": s["arn"], "StreamCreationTimestamp": timestamp(s["created"])}
                        for s in q["streams"]]} for q in queues[:limit]]}
        if len(queues) > limit:
            output["NextToken"] = queues[limit - 1]["name"]
        return output

    def update_queue(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            queue = self._queue(ctx, params["QueueARN"])
            attributes = params["QueueAttributes"]
            if "VisibilityTimeoutSeconds" in attributes:
                queue["visibility"] = attributes["VisibilityTimeoutSeconds"]
            if "DeadLetterConfiguration" in attributes:
                queue["dlq"] = attributes["DeadLetterConfiguration"]
            self.store.put(queues_ns(ctx), queue["name"], queue)
        return {"QueueDescription": self._describe_queue(ctx, queue)}

    def delete_queue(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            queue = self._queue(ctx, params["QueueARN"], usable=False)
            queue["status"], queue["status_until"] = DELETING, ctx.clock.time() + transition_seconds(ctx)
            self.store.put(queues_ns(ctx), queue["name"], queue)
        return {}

    # -- records -------------------------------------------------------------

    def receive_queue_records(self, ctx: RequestContext, params: dict) -> dict:
        return {"QueueRecords": self._receive(ctx, params, dead=False)}

    def receive_dead_letter_queue_records(self, ctx: RequestContext, params: dict) -> dict:
        return {"QueueRecords": self._receive(ctx, params, dead=True)}

    def acknowledge_queue_records(self, ctx: RequestContext, params: dict) -> dict:
        return self._settle(ctx, params, "inflight", lambda queue, key, entry, _: queue["inflight"].pop(key))

    def acknowledge_dead_letter_queue_records(self, ctx: RequestContext, params: dict) -> dict:
        return self._settle(ctx, params, "dead", lambda queue, key, entry, _: queue["dead"].pop(key))

    def update_queue_records_visibility(self, ctx: RequestContext, params: dict) -> dict:
        return self._settle(ctx, params, "inflight", self._set_visibility)

    def update_dead_letter_queue_records_visibility(self, ctx: RequestContext, params: dict) -> dict:
        return self._settle(ctx, params, "dead", self._set_visibility)

    def restore_dead_letter_queue_records(self, ctx: RequestContext, params: dict) -> dict:
        def restore(queue, key, entry, _):
            queue["dead"].pop(key)
            queue["inflight"][key] = {**entry, "c": 0, "v": 0, "n": None}
        return self._settle(ctx, params, "dead", restore)

    @staticmethod
    def _set_visibility(queue, key, entry, item) -> None:
        entry["v"] = item["_now"] + item["VisibilityTimeoutSeconds"]

    def _settle(self, ctx: RequestContext, params: dict, where: str, action) -> dict:
        successful, failed = [], []
        with self.store.transaction():
            queue = self._queue(ctx, params["QueueARN"])
            for item in params["Entries"]:
                handle = item["ReceiptHandle"]
                key, _, nonce = handle.partition(".")
                entry = queue[where].get(key)
                if entry is None or entry.get("n") != nonce or not nonce:
                    failed.append({"ReceiptHandle": handle, "ErrorCode": _INVALID_RECEIPT[0],
                                   "ErrorMessage": _INVALID_RECEIPT[1]})
                    continue
                action(queue, key, entry, {**item, "_now": ctx.clock.time()})
                successful.append({"ReceiptHandle": handle})
            self.store.put(queues_ns(ctx), queue["name"], queue)
        return {"Successful": successful, "Failed": failed}

    def _receive(self, ctx: RequestContext, params: dict, dead: bool) -> list[dict]:
        deadline = time.monotonic() + (params.get("WaitTimeSeconds") or 0)
        while True:
            with self.store.transaction():
                queue = self._queue(ctx, params["QueueARN"])
                visibility = params.get("VisibilityTimeoutSeconds", queue["visibility"])
                records = self._take(ctx, queue, params.get("Limit") or 10, visibility, dead)
                self.store.put(queues_ns(ctx), queue["name"], queue)
            if records or time.monotonic() >= deadline:
                return records
            time.sleep(0.05)

    def _take(self, ctx: RequestContext, queue: dict, limit: int, visibility: int, dead: bool) -> list[dict]:
        now = ctx.clock.time()
        pool = queue["dead"] if dead else queue["inflight"]
        taken: list[dict] = []
        for key in sorted((k for k, e in pool.items() if e["v"] <= now), key=lambda k: pool[k]["o"]):
            if len(taken) == limit:
                break
            entry = pool[key]
            dlq = queue["dlq"]
            if not dead and dlq and dlq.get("TargetType") == "BUILT_IN" and entry["c"] >= dlq.get("MaxReceiveCount", 1):
                queue["dead"][key] = {**pool.pop(key), "v": 0, "n": None}
                continue
            record = self._deliver(ctx, queue, key, entry, now, visibility)
            if record is None:
                pool.pop(key)
            else:
                taken.append(record)
        if not dead:
            while len(taken) < limit:
                entry = self._next_new(ctx, queue)
                if entry is None:
                    break
                key = _record_id(entry)
                queue["inflight"][key] = entry
                record = self._deliver(ctx, queue, key, entry, now, visibility)
                if record is None:
                    queue["inflight"].pop(key)
                else:
                    taken.append(record)
        return taken

    def _next_new(self, ctx: RequestContext, queue: dict) -> dict | None:
        """The next record no one has received yet, following each stream's shard lineage."""
        for number, source in enumerate(queue["streams"]):
            stream = self.find(ctx, source["name"])
            if stream is None or stream["id"] != source["id"]:
                continue
            cursors = source["cursors"]
            done = {s["index"] for s in stream["shards"]
                    if s["end_count"] is not None and cursors.get(str(s["index"]), 0) >= s["end_count"]}
            known = {s["index"] for s in stream["shards"]}
            for shard in stream["shards"]:
                parents = [p for p in (shard["parent"], shard["adjacent"]) if p is not None and p in known]
                if shard["index"] in done or any(p not in done for p in parents):
                    continue
                log = self.logs.log(stream["id"], shard["index"])
                trim = log.position_at(retention.cutoff_ms(stream, now_ms(ctx)))
                position = max(cursors.get(str(shard["index"]), 0), trim)
                end = log.count if shard["end_count"] is None else shard["end_count"]
                if position < end:
                    cursors[str(shard["index"])] = position + 1
                    queue["order"] += 1
                    return {"s": number, "h": shard["index"], "p": position, "c": 0, "f": None, "v": 0, "n": None,
                            "o": queue["order"]}
                cursors[str(shard["index"])] = position
        return None

    def _deliver(self, ctx: RequestContext, queue: dict, key: str, entry: dict, now: float,
                 visibility: int) -> dict | None:
        source = queue["streams"][entry["s"]]
        stream = self.find(ctx, source["name"])
        if stream is None or stream["id"] != source["id"]:
            return None
        log = self.logs.log(stream["id"], entry["h"])
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

    def _find_queue(self, ctx: RequestContext, name: str) -> dict | None:
        queue = self.store.get(queues_ns(ctx), name)
        if queue is not None and stream_status(queue, ctx.clock.time()) is None:
            self.store.delete(queues_ns(ctx), name)
            return None
        return queue

    def _queue(self, ctx: RequestContext, arn: str, usable: bool = True) -> dict:
        parts = arn.split(":", 5)
        name = parts[5][len("queue/"):] if len(parts) == 6 and parts[5].startswith("queue/") else ""
        queue = self._find_queue(ctx, name) if name and parts[4] == ctx.account_id else None
        if queue is None or queue["arn"] != arn or (
                usable and stream_status(queue, ctx.clock.time()) in (CREATING, DELETING)):
            raise ServiceError("ResourceNotFoundException", f"Queue {arn} not found.")
        return queue

    def _describe_queue(self, ctx: RequestContext, queue: dict) -> dict:
        return {"QueueName": queue["name"], "QueueARN": queue["arn"],
                "QueueStatus": stream_status(queue, ctx.clock.time()),
                "QueueCreationTimestamp": timestamp(queue["created"]),
                "StreamConfigurationList": [{"StreamARN": s["arn"], "StartingPosition": s["start"]}
                                            for s in queue["streams"]],
                "QueueAttributes": _attributes(queue)}
