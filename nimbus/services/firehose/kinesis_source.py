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
from nimbus.services.firehose.common import SERVICE_PRINCIPAL, checkpoints_ns

log = logging.getLogger(__name__)
PAGES_PER_SHARD = 20  # per scheduler pass, so one busy shard does not starve the others
RECORDS_PER_CALL = 10000
# Each source's shards, kept between passes and listed again only once a shard ends (resharding closes its
# parents) or reading fails: an idle source costs no ListShards call, each of which CloudTrail records as a
# management event in the event history.
_shard_lists: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _caller(runtime, arn: str):
    parts = arn.split(":")
    account, region = parts[4], parts[3]

    def call(operation: str, params: dict) -> dict:
        return runtime.client.call("kinesis", operation, {"StreamARN": arn, **params}, account_id=account,
                                   region=region, invoked_by=SERVICE_PRINCIPAL)
    return call


def _shards(call) -> list[dict]:
    shards, token = [], None
    while True:
        page = call("ListShards", {"NextToken": token} if token else {})
        shards += page["Shards"]
        token = page.get("NextToken")
        if not token:
            return shards


def poll(runtime, stream: dict, buffers) -> bool:
    """Move new records of the source stream into the buffer; True when some arrived."""
    call = _caller(runtime, stream["source"]["KinesisStreamARN"])
    known = _shard_lists.setdefault(runtime, {})
    source = (stream["account"], stream["region"], stream["name"], stream["source"]["KinesisStreamARN"])
    shards = known.pop(source, None)
    if shards is None:
        try:
            shards = _shards(call)
        except ServiceError as exc:  # the source stream is gone or not readable yet
            log.debug("firehose %s cannot list its source: %s", stream["name"], exc)
            return False
    ns = checkpoints_ns(stream["account"], stream["region"], stream["name"])
    checkpoints = dict(runtime.store.scan(ns))
    present = {shard["ShardId"] for shard in shards}
    arrived, progress, stale = False, True, False
    while progress:  # a child becomes readable in the same pass once its parents are done
        progress = False
        for shard in shards:
            shard_id = shard["ShardId"]
            if (checkpoints.get(shard_id) or {}).get("done"):
                continue
            parents = [p for p in (shard.get("ParentShardId"), shard.get("AdjacentParentShardId")) if p in present]
            if any(not (checkpoints.get(p) or {}).get("done") for p in parents):
                continue
            try:
                got, done = _read_shard(runtime, call, stream, buffers, ns, checkpoints, shard_id)
            except ServiceError as exc:
                log.debug("firehose %s cannot read %s: %s", stream["name"], shard_id, exc)
                stale = True  # the stream may have changed
                continue
            arrived |= got
            progress |= done
            stale |= done  # a shard ended: its children are found by listing again
    if not stale:
        known[source] = shards
    return arrived


def _read_shard(runtime, call, stream, buffers, ns, checkpoints, shard_id) -> tuple[bool, bool]:
    checkpoint = checkpoints.get(shard_id) or {}
    if checkpoint.get("seq"):
        start = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": checkpoint["seq"]}
    else:
        start = {"ShardIteratorType": "TRIM_HORIZON"}
    iterator = call("GetShardIterator", {"ShardId": shard_id, **start})["ShardIterator"]
    arrived = False
    for _ in range(PAGES_PER_SHARD):
        page = call("GetRecords", {"ShardIterator": iterator, "Limit": RECORDS_PER_CALL})
        records = page["Records"]
        iterator = page.get("NextShardIterator")
        seq = records[-1]["SequenceNumber"] if records else checkpoint.get("seq")
        checkpoint = {"seq": seq, "done": iterator is None}
        if records:
            buffers.append(stream["account"], stream["region"], stream["name"], [r["Data"] for r in records],
                           runtime.clock.time(), extra=(ns, shard_id, checkpoint))
            arrived = True
        elif iterator is None:
            runtime.store.put(ns, shard_id, checkpoint)
        checkpoints[shard_id] = checkpoint
        if iterator is None or not records:
            break
    return arrived, checkpoint["done"]
