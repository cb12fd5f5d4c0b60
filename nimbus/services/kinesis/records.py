"""Writing and reading records: PutRecord(s), GetShardIterator, GetRecords."""
from __future__ import annotations

from datetime import datetime

from nimbus.core.context import RequestContext
from nimbus.core.errors import not_found
from nimbus.core.times import epoch_millis
from nimbus.protocol.errors import ServiceError
from nimbus.protocol.serializers.encoded import EncodedMember
from nimbus.services.kinesis import access, encryption, metrics, retention, sequence
from nimbus.services.kinesis.documents import Shard, Stream
from nimbus.services.kinesis.hashing import record_hash_key
from nimbus.services.kinesis.iterators import Iterator
from nimbus.services.kinesis.record_page import RecordPage
from nimbus.services.kinesis.shard_log import encode
from nimbus.services.kinesis.shards import hash_key_range
from nimbus.services.kinesis.state import KinesisState, now_ms, owner_account, shard_id

PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024  # the whole PutRecords request, partition keys included
GET_RECORDS_MAX_BYTES = 10 * 1024 * 1024
GET_RECORDS_DEFAULT_LIMIT = 10000
THROTTLED = "ProvisionedThroughputExceededException"


class RecordOps(KinesisState):
    # -- writing -------------------------------------------------------------

    def put_record(self, ctx: RequestContext, params: dict) -> dict:
        if "PartitionKey" not in params:
            raise ServiceError("ValidationException", "1 validation error detected: Value null at 'partitionKey' "
                               "failed to satisfy constraint: Member must not be null")
        stream = self.stream(ctx, params)
        result = self._write(ctx, stream, [params])[0]
        metrics.records_put(ctx, stream, [params], [result], "PutRecord")
        if "ErrorCode" in result:
            raise ServiceError(result["ErrorCode"], result["ErrorMessage"])
        return {**result, "EncryptionType": stream["Encryption"]["EncryptionType"]}

    def put_records(self, ctx: RequestContext, params: dict) -> dict:
        entries = params["Records"]
        total = sum(len(e["Data"]) + len(e["PartitionKey"].encode()) for e in entries)
        if total > PUT_RECORDS_MAX_BYTES:
            raise ServiceError("InvalidArgumentException",
                               f"Records size exceeds {PUT_RECORDS_MAX_BYTES // (1024 * 1024)} MB limit")
        stream = self.stream(ctx, params)
        results = self._write(ctx, stream, entries)
        metrics.records_put(ctx, stream, entries, results, "PutRecords")
        return {"FailedRecordCount": sum(1 for r in results if "ErrorCode" in r), "Records": results,
                "EncryptionType": stream["Encryption"]["EncryptionType"]}

    def _write(self, ctx: RequestContext, stream: Stream, entries: list[dict]) -> list[dict]:
        """Route, then append each shard's batch with one write; a record is acknowledged once written."""
        limit = stream["MaxRecordSizeInKiB"] * 1024
        keys = []
        for index, entry in enumerate(entries):
            size = len(entry["Data"]) + len(entry["PartitionKey"].encode())
            if size > limit:
                where = "data" if len(entries) == 1 else f"records.{index + 1}.member.data"
                raise ServiceError("ValidationException",
                                   f"1 validation error detected: Value at '{where}' failed to satisfy constraint: "
                                   f"Member must have length less than or equal to {limit}")
            keys.append(record_hash_key(entry["PartitionKey"], entry.get("ExplicitHashKey")))
        results: list[dict] = [{}] * len(entries)
        enforce = self.runtime.config.enforce_limits
        with self.lock(stream):
            known_key = stream["Encryption"]["DataKey"]
            seal = encryption.sealer(ctx, stream)
            if stream["Encryption"]["DataKey"] != known_key:
                self.save(ctx, stream)  # the stream's new encrypted data key
            batches: dict[int, list[int]] = {}
            second = self.throttle.second()
            for index, (entry, key) in enumerate(zip(entries, keys)):
                shard = self.route(stream, key)
                if enforce and not self.throttle.try_write(stream["StreamId"], shard["ShardIndex"], len(entry["Data"]),
                                                           second):
                    results[index] = {"ErrorCode": THROTTLED, "ErrorMessage":
                                      f"Rate exceeded for shard {shard_id(shard['ShardIndex'])} in stream "
                                      f"{stream['StreamName']} under account {ctx.account_id}."}
                    continue
                batches.setdefault(shard["ShardIndex"], []).append(index)
            now = now_ms(ctx)
            span, cutoff = retention.span_ms(stream), retention.cutoff_ms(stream, now)
            for index_of_shard, members in batches.items():
                log = self.logs.log(stream["StreamId"], index_of_shard)
                arrival = max(now, log.last_time)  # a shard's times never go backwards
                frames = []
                for i in members:
                    flags, data = seal(entries[i]["Data"])
                    frames.append(encode(arrival, flags, entries[i]["PartitionKey"].encode(), data))
                first = log.append(frames, [arrival] * len(frames), span, cutoff)
                name = shard_id(index_of_shard)
                for offset, i in enumerate(members):
                    results[i] = {"ShardId": name,
                                  "SequenceNumber": sequence.record_number(index_of_shard, arrival, first + offset)}
        return results

    # -- reading -------------------------------------------------------------

    def get_shard_iterator(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.stream(ctx, params)
        shard = self.shard(ctx, stream, params["ShardId"])
        position = self.start_position(stream, shard, now_ms(ctx), params["ShardIteratorType"],
                                       params.get("StartingSequenceNumber"), params.get("Timestamp"))
        iterator = Iterator(now_ms(ctx), shard["ShardIndex"], position, stream["StreamId"], stream["StreamName"],
                            owner_account(stream))
        return {"ShardIterator": self.iterators.encode(iterator)}

    def start_position(self, stream: Stream, shard: Shard, now: int, kind: str, number: str | None,
                       when: datetime | None) -> int:
        """The log position an iterator (or a subscription) of ``kind`` starts at."""
        log = self.logs.log(stream["StreamId"], shard["ShardIndex"])
        trim = log.position_at(retention.cutoff_ms(stream, now))
        end = log.count if shard["EndPosition"] is None else shard["EndPosition"]
        if kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
            if not number:
                raise ServiceError("InvalidArgumentException",
                                   f"StartingSequenceNumber must be given for the {kind} iterator type.")
            owner, _, counter = sequence.decode(number)
            if owner != shard["ShardIndex"]:
                raise ServiceError("InvalidArgumentException",
                                   f"Invalid StartingSequenceNumber. It encodes {shard_id(owner)}, while it was used "
                                   f"in a call to a shard with {shard_id(shard['ShardIndex'])}")
            position = min(counter if kind == "AFTER_SEQUENCE_NUMBER" else max(counter - 1, 0), end)
        elif kind == "TRIM_HORIZON":
            position = trim
        elif kind == "LATEST":
            position = end
        else:  # AT_TIMESTAMP
            if when is None:
                raise ServiceError("InvalidArgumentException",
                                   "Timestamp must be given for the AT_TIMESTAMP iterator type.")
            position = log.position_at(epoch_millis(when))
        return max(position, trim)

    def get_records(self, ctx: RequestContext, params: dict) -> dict:
        now = now_ms(ctx)
        it = self.iterators.decode(params["ShardIterator"], now)
        account = it.account or ctx.account_id
        stream = self.find(ctx, it.stream_name, account)
        access.check_stream(ctx, account, it.stream_name, stream)
        if stream is None or stream["StreamId"] != it.stream_id:
            raise not_found("Stream", it.stream_name, account)
        shard = next((s for s in stream["Shards"] if s["ShardIndex"] == it.shard_index), None)
        if shard is None:
            raise ServiceError("ResourceNotFoundException", f"Shard {shard_id(it.shard_index)} not found.")
        enforce = self.runtime.config.enforce_limits
        if enforce and not self.throttle.try_read_call(stream["StreamId"], shard["ShardIndex"]):
            raise ServiceError(THROTTLED, f"Rate exceeded for shard {shard_id(shard['ShardIndex'])} in stream "
                               f"{stream['StreamName']} under account {ctx.account_id}.")
        page = self.read_page(ctx, stream, shard, it.position, params.get("Limit") or GET_RECORDS_DEFAULT_LIMIT)
        records: EncodedMember | list[dict]
        if ctx.request is not None and ctx.protocol == "json":  # over HTTP: JSON straight from the log
            parts, size = page.records_json()
            records = EncodedMember(parts)
        else:
            records, size = page.records()
        if enforce:
            self.throttle.count_read_bytes(stream["StreamId"], shard["ShardIndex"], size)
        metrics.records_read(ctx, stream, shard_id(shard["ShardIndex"]), page.count, size, page.behind)
        output: dict = {"Records": records, "MillisBehindLatest": page.behind}
        if page.child_shards is None:
            output["NextShardIterator"] = self.iterators.encode(
                Iterator(now, shard["ShardIndex"], page.next, stream["StreamId"], stream["StreamName"], account))
        else:
            output["ChildShards"] = page.child_shards
        return output

    def read_batch(self, ctx: RequestContext, stream: Stream, shard: Shard, position: int, limit: int) -> dict:
        """``read_page``'s records as dicts (and their data's bytes)."""
        page = self.read_page(ctx, stream, shard, position, limit)
        records, size = page.records()
        return {"records": records, "next": page.next, "behind": page.behind, "child_shards": page.child_shards,
                "bytes": size}

    def read_page(self, ctx: RequestContext, stream: Stream, shard: Shard, position: int, limit: int) -> RecordPage:
        """Records from ``position`` (skipping what retention removed), and where the next read starts;
        ``child_shards`` is set (not None) once a closed shard has been read to its end."""
        log = self.logs.log(stream["StreamId"], shard["ShardIndex"])
        now = now_ms(ctx)
        start = max(position, log.position_at(retention.cutoff_ms(stream, now)))
        end_position = shard["EndPosition"]
        closed = end_position is not None
        end = log.count if end_position is None else end_position
        spans = log.read_spans(start, max(0, min(limit, end - start)), GET_RECORDS_MAX_BYTES)
        next_position = spans[-1].first + spans[-1].count if spans else start
        behind = max(0, now - (log.time_at(next_position) or now))
        children = None
        if closed and next_position >= end:
            children = [self.child_shard(stream, s) for s in stream["Shards"]
                        if shard["ShardIndex"] in (s["ParentShardIndex"], s["AdjacentParentShardIndex"])]
        return RecordPage(shard["ShardIndex"], spans, encryption.unsealer(ctx, stream), next_position, behind,
                          children)

    @staticmethod
    def child_shard(stream: Stream, child: Shard) -> dict:
        parents = [shard_id(i) for i in (child["ParentShardIndex"], child["AdjacentParentShardIndex"]) if i is not None]
        return {"ShardId": shard_id(child["ShardIndex"]), "ParentShards": parents,
                "HashKeyRange": hash_key_range(child)}
