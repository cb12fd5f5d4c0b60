"""The stored shapes of Kinesis Data Streams entities (see nimbus.core.documents for the convention).

Entities, one versioned document each: a stream (its shards and registered consumers inside it, as they
change under the stream's lock), a queue, a channel, a channel's delivery checkpoint, and the account's
settings. Their fields are the API's member names (``StreamName``, ``RetentionPeriodHours``,
``ConsumerARN``...); fields with no API counterpart are named in the same style (``StatusUntil``,
``ClosedMs``).

Records keep compact layouts of their own, because there are many of them and nothing else reads them:
- shard records: frames in the shard log files (segments.py);
- a queue's in-flight and dead-letter entries (``QueueEntry``): one per record received and not yet
  acknowledged, rewritten with the queue on every receive;
- shard iterators are not stored at all: they are signed tokens (iterators.py); only the signing secret
  is, as a bare string.

A shard is known by its index, an integer: its ShardId is ``shardId-<index>``, and the index names its
log files and is part of its sequence numbers, so the document keeps the integer (``ShardIndex``,
``ParentShardIndex``) and hash keys as integers too (``StartingHashKey``; the API writes them as strings).
Times are epoch seconds (``StreamCreationTimestamp``) or, where a field says so, milliseconds.
"""
from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from nimbus.core.documents import DocumentKind, rename_fields

Raw = dict[str, Any]


class Shard(TypedDict):
    ShardIndex: int
    StartingHashKey: int
    EndingHashKey: int
    ParentShardIndex: int | None
    AdjacentParentShardIndex: int | None
    StartingSequenceNumber: str
    EndingSequenceNumber: str | None  # set when the shard closes
    CreatedMs: int
    ClosedMs: int | None
    EndPosition: int | None  # when closed: the log position after its last record


class Consumer(TypedDict):
    ConsumerName: str
    ConsumerARN: str
    ConsumerCreationTimestamp: float
    ConsumerStatus: str
    StatusUntil: float  # when CREATING or DELETING ends (virtual clock)
    Tags: dict[str, str]
    Policy: str | None


class StreamEncryption(TypedDict):
    EncryptionType: str  # KMS or NONE
    KeyId: str | None
    DataKey: str | None  # the KMS-encrypted data key records are sealed with (base64)
    DataKeyOf: str | None  # after StopStreamEncryption: the key that still opens sealed records


class Stream(TypedDict):
    StreamId: str
    StreamName: str
    StreamARN: str
    StreamCreationTimestamp: float
    StreamMode: str
    StreamStatus: str
    StatusUntil: float
    RetentionPeriodHours: int
    TrimFloorMs: int  # nothing that arrived before this is retained, whatever the period (retention.py)
    Shards: list[Shard]
    NextShardIndex: int
    ReshardCount: int  # moves with every resharding: routes cached for the shards are stale
    Encryption: StreamEncryption
    ShardLevelMetrics: list[str]
    Tags: dict[str, str]
    Consumers: dict[str, Consumer]  # by ConsumerName
    Policy: str | None
    MaxRecordSizeInKiB: int
    WarmThroughputMiBps: int | None
    RecordDistributionStrategy: NotRequired[dict[str, Any]]


class StreamRef(TypedDict):
    """Which stream a queue or channel reads (a stream of that name created later is another one)."""
    StreamARN: str
    StreamName: str
    StreamId: str
    StreamCreationTimestamp: float


class QueueSource(StreamRef):
    StartingPosition: dict[str, Any]
    Cursors: dict[str, int]  # shard index -> the next log position no one has received


class QueueEntry(TypedDict):
    """A record received and not yet acknowledged (a record layout: short names, many per queue)."""
    s: int  # the source: its index in the queue's Streams
    h: int  # shard index
    p: int  # log position
    c: int  # receive count
    f: float | None  # first receive time
    v: float  # visible again at
    n: str | None  # the current receipt's nonce
    o: int  # order of arrival in the queue


class Queue(TypedDict):
    QueueId: str
    QueueName: str
    QueueARN: str
    QueueCreationTimestamp: float
    QueueStatus: str
    StatusUntil: float
    Streams: list[QueueSource]
    VisibilityTimeoutSeconds: int
    DeadLetterConfiguration: dict[str, Any] | None
    Tags: dict[str, str]
    InFlight: dict[str, QueueEntry]
    DeadLetters: dict[str, QueueEntry]
    LastOrder: int


class Channel(TypedDict):
    ChannelId: str
    ChannelName: str
    ChannelARN: str
    ChannelCreationTimestamp: float
    ChannelStatus: str
    StatusUntil: float
    SettlesTo: str  # the status CREATING or UPDATING ends in (FAILED for S3 Tables)
    ChannelStatusReason: str | None
    ServiceExecutionRoleARN: str
    ChannelDestinationType: str  # S3 or S3_TABLES
    Destination: dict[str, Any]  # S3DestinationConfiguration or S3TablesDestinationConfiguration, as described
    Stream: StreamRef
    RecordConfiguration: dict[str, Any]
    EncryptionConfiguration: dict[str, Any] | None
    KeyARN: str | None  # the encryption key's ARN, which S3 encrypts objects with
    LoggingConfiguration: dict[str, Any]
    Tags: dict[str, str]
    AccountId: str
    Region: str
    ActiveMs: int  # records that arrive from then on are delivered (no backfill)


class ShardCheckpoint(TypedDict):
    NextPosition: int
    Finished: bool  # a closed shard delivered to its end


class ChannelProgress(TypedDict):
    Shards: dict[str, ShardCheckpoint]  # by shard index
    Intent: dict[str, int] | None  # the last position per shard of the object being written


class BillingCommitment(TypedDict):
    Status: str
    StartedAt: float | None


class AccountSettings(TypedDict):
    MinimumThroughputBillingCommitment: BillingCommitment


# -- version 0: the snake_case shapes written before documents were versioned -------------------------

_STATUS = {"status_until": "StatusUntil"}
_STREAM_REF = {"arn": "StreamARN", "name": "StreamName", "id": "StreamId", "created": "StreamCreationTimestamp"}
_shard_v0 = rename_fields({
    "index": "ShardIndex", "start": "StartingHashKey", "end": "EndingHashKey", "parent": "ParentShardIndex",
    "adjacent": "AdjacentParentShardIndex", "start_seq": "StartingSequenceNumber",
    "end_seq": "EndingSequenceNumber", "created_ms": "CreatedMs", "closed_ms": "ClosedMs", "end_count": "EndPosition"})
_consumer_v0 = rename_fields({"name": "ConsumerName", "arn": "ConsumerARN", "created": "ConsumerCreationTimestamp",
                              "status": "ConsumerStatus", "tags": "Tags", "policy": "Policy", **_STATUS})
_stream_v0 = rename_fields({
    **_STREAM_REF, "mode": "StreamMode", "status": "StreamStatus", "retention_hours": "RetentionPeriodHours",
    "trim_floor_ms": "TrimFloorMs", "shards": "Shards", "next_shard_index": "NextShardIndex",
    "version": "ReshardCount", "encryption": "Encryption", "monitoring": "ShardLevelMetrics", "tags": "Tags",
    "consumers": "Consumers", "policy": "Policy", "max_record_kib": "MaxRecordSizeInKiB",
    "warm_mibps": "WarmThroughputMiBps", "distribution": "RecordDistributionStrategy", **_STATUS})


def stream_from_v0(doc: Raw) -> Raw:
    old_encryption = doc.get("encryption") or {}
    stream = _stream_v0({k: v for k, v in doc.items() if k != "consumer_policies"})  # never used
    stream["Shards"] = [_shard_v0(shard) for shard in doc["shards"]]
    stream["Consumers"] = {name: _consumer_v0(c) for name, c in doc["consumers"].items()}
    stream["Encryption"] = {"EncryptionType": old_encryption.get("type", "NONE"), "KeyId": old_encryption.get("key_id"),
                            "DataKey": old_encryption.get("data_key"), "DataKeyOf": old_encryption.get("data_key_of")}
    stream["TrimFloorMs"] = doc.get("trim_floor_ms") or 0
    stream["WarmThroughputMiBps"] = doc.get("warm_mibps")
    return stream


def queue_from_v0(doc: Raw) -> Raw:
    queue = rename_fields({
        "id": "QueueId", "name": "QueueName", "arn": "QueueARN", "created": "QueueCreationTimestamp",
        "status": "QueueStatus", "streams": "Streams", "visibility": "VisibilityTimeoutSeconds",
        "dlq": "DeadLetterConfiguration", "tags": "Tags", "inflight": "InFlight", "dead": "DeadLetters",
        "order": "LastOrder", **_STATUS})(doc)
    source_v0 = rename_fields({**_STREAM_REF, "start": "StartingPosition", "cursors": "Cursors"})
    queue["Streams"] = [source_v0(source) for source in doc["streams"]]
    return queue


def channel_from_v0(doc: Raw) -> Raw:
    channel = rename_fields({
        "id": "ChannelId", "name": "ChannelName", "arn": "ChannelARN", "created": "ChannelCreationTimestamp",
        "status": "ChannelStatus", "settles_to": "SettlesTo", "reason": "ChannelStatusReason",
        "role": "ServiceExecutionRoleARN", "kind": "ChannelDestinationType", "destination": "Destination",
        "stream": "Stream", "record": "RecordConfiguration", "encryption": "EncryptionConfiguration",
        "key_arn": "KeyARN", "logging": "LoggingConfiguration", "tags": "Tags", "account": "AccountId",
        "region": "Region", "active_ms": "ActiveMs", **_STATUS})(doc)
    channel["Stream"] = rename_fields(_STREAM_REF)(doc["stream"])
    channel.setdefault("SettlesTo", "ACTIVE")
    return channel


def progress_from_v0(doc: Raw) -> Raw:
    return {"Shards": {shard: {"NextPosition": saved["next"], "Finished": bool(saved.get("done"))}
                       for shard, saved in (doc.get("shards") or {}).items()},
            "Intent": doc.get("intent")}


def settings_from_v0(doc: Raw) -> Raw:
    commitment = doc.get("commitment") or {"Status": "DISABLED"}
    return {"MinimumThroughputBillingCommitment": {"Status": commitment["Status"],
                                                   "StartedAt": commitment.get("StartedAt")}}


STREAM = DocumentKind[Stream]("kinesis.Stream", migrations={0: stream_from_v0})
QUEUE = DocumentKind[Queue]("kinesis.Queue", migrations={0: queue_from_v0})
CHANNEL = DocumentKind[Channel]("kinesis.Channel", migrations={0: channel_from_v0})
CHANNEL_PROGRESS = DocumentKind[ChannelProgress]("kinesis.ChannelProgress", migrations={0: progress_from_v0})
ACCOUNT_SETTINGS = DocumentKind[AccountSettings]("kinesis.AccountSettings", migrations={0: settings_from_v0})
