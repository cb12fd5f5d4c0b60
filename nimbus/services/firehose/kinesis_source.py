"""KinesisStreamAsSource: read the source stream as a Kinesis consumer would, through the Kinesis API.

Every shard is read from TRIM_HORIZON; a child shard only after its parents were read to their end
(AWS's resharding rule), so records come in order per partition key. The checkpoint of a shard (the last
sequence number taken) is committed in the same store transaction as the records it buffered: after a
kill -9 reading resumes exactly after the last buffered record, with nothing lost or read twice.
"""
from __future__ import annotations

import logging
import weakref

from nimbus.protocol.errors import ServiceError
from nimbus.services.firehose.buffer import Buffers
from nimbus.services.firehose.common import FROM_KINESIS_SESSION, as_role, checkpoints_ns, stream_ident
from nimbus.services.firehose.documents import CHECKPOINT, DeliveryStream, KinesisSource, ShardCheckpoint, StreamRef
from nimbus.services.firehose.s3_destination import DeliveryError

log = logging.getLogger(__name__)


class SourceError(DeliveryError):
    """The source stream refused a read; reading is retried on the next tick."""
PAGES_PER_SHARD = 20  # per scheduler pass, so one busy shard does not starve the others
RECORDS_PER_CALL = 10000
# Each source's shards, kept between passes and listed again only once a shard ends (resharding closes its
# parents) or reading fails: an idle source costs no ListShards call, each of which CloudTrail records as a
# management event in the event history.
_shard_lists: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
UNREAD = ShardCheckpoint(SequenceNumber=None, Finished=False)  # a shard without a checkpoint


def caller(runtime, stream: StreamRef, source: KinesisSource):
    """Calls on the source stream as a session of the source's role (another account's stream: its
    policy must grant the role)."""
    arn = source["KinesisStreamARN"]

    def call(operation: str, params: dict) -> dict:
        return as_role(runtime, stream, source["RoleARN"], FROM_KINESIS_SESSION, "kinesis", operation,
                       {"StreamARN": arn, **params}, region=arn.split(":")[3])
    return call


def _shards(call) -> list[dict]:
    shards, token = [], None
    while True:
        page = call("ListShards", {"NextToken": token} if token else {})
        shards += page["Shards"]
        token = page.get("NextToken")
        if not token:
            return shards


def poll(runtime, stream: DeliveryStream, buffers: Buffers) -> bool:
    """Move new records of the source stream into the buffer; True when some arrived. Raises
    ``SourceError`` when the source cannot be read (gone, or the role may not read it)."""
    source = stream["KinesisStreamSourceConfiguration"]
    if source is None:  # a DirectPut stream
        return False
    call = caller(runtime, stream, source)
    known = _shard_lists.setdefault(runtime, {})
    key = (*stream_ident(stream), source["KinesisStreamARN"])
    shards = known.pop(key, None)
    if shards is None:
        try:
            shards = _shards(call)
        except ServiceError as exc:
            raise SourceError(f"Kinesis.{exc.code}", exc.message) from None
    ns = checkpoints_ns(*stream_ident(stream))
    checkpoints = dict(CHECKPOINT.scan(runtime.store, ns))
    present = {shard["ShardId"] for shard in shards}
    arrived, progress, stale = False, True, False
    while progress:  # a child becomes readable in the same pass once its parents are done
        progress = False
        for shard in shards:
            shard_id = shard["ShardId"]
            if (checkpoints.get(shard_id) or UNREAD)["Finished"]:
                continue
            parents = [p for p in (shard.get("ParentShardId"), shard.get("AdjacentParentShardId"))
                       if p is not None and p in present]
            if any(not (checkpoints.get(p) or UNREAD)["Finished"] for p in parents):
                continue
            try:
                got, done = _read_shard(runtime, call, stream, buffers, ns, checkpoints, shard_id)
            except ServiceError as exc:
                if exc.code == "AccessDeniedException":  # the role may not read: no shard will do better
                    raise SourceError(f"Kinesis.{exc.code}", exc.message) from None
                log.debug("firehose %s cannot read %s: %s", stream["DeliveryStreamName"], shard_id, exc)
                stale = True  # the stream may have changed
                continue
            arrived |= got
            progress |= done
            stale |= done  # a shard ended: its children are found by listing again
    if not stale:
        known[key] = shards
    return arrived


def _read_shard(runtime, call, stream: DeliveryStream, buffers: Buffers, ns, checkpoints: dict[str, ShardCheckpoint],
                shard_id: str) -> tuple[bool, bool]:
    checkpoint = checkpoints.get(shard_id) or UNREAD
    if checkpoint["SequenceNumber"]:
        start = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": checkpoint["SequenceNumber"]}
    else:
        start = {"ShardIteratorType": "TRIM_HORIZON"}
    iterator = call("GetShardIterator", {"ShardId": shard_id, **start})["ShardIterator"]
    arrived = False
    for _ in range(PAGES_PER_SHARD):
        page = call("GetRecords", {"ShardIterator": iterator, "Limit": RECORDS_PER_CALL})
        records = page["Records"]
        iterator = page.get("NextShardIterator")
        seq = records[-1]["SequenceNumber"] if records else checkpoint["SequenceNumber"]
        checkpoint = ShardCheckpoint(SequenceNumber=seq, Finished=iterator is None)
        if records:
            buffers.append(*stream_ident(stream), [r["Data"] for r in records],
                           runtime.clock.time(), extra=(ns, shard_id, CHECKPOINT.dump(checkpoint)))
            arrived = True
        elif iterator is None:
            CHECKPOINT.put(runtime.store, ns, shard_id, checkpoint)
        checkpoints[shard_id] = checkpoint
        if iterator is None or not records:
            break
    return arrived, checkpoint["Finished"]
