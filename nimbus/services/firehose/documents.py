"""The stored shapes of Amazon Data Firehose (see nimbus.core.documents for the convention).

Entities, one versioned document each:
- a delivery stream: named as CreateDeliveryStream and DescribeDeliveryStream name its members
  (``DeliveryStreamName``, ``DeliveryStreamARN``, ``VersionId``...). Fields with no API counterpart are
  named in the same style: ``DestinationType`` (the ``<type>`` of the ``<type>DestinationConfiguration``
  it was given: ``S3``, ``ExtendedS3``, ``Redshift``, ``HttpEndpoint``), ``DestinationConfiguration``
  (that configuration, with Firehose's defaults filled in), ``AccountId`` and ``Region``;
- a Kinesis source's checkpoint, one per source shard (``ShardCheckpoint``);
- an entry of the error log, Firehose's stand-in for its CloudWatch error logs (``ErrorLogEntry``, named
  as PutRecordBatch names a failed record's ``ErrorCode`` and ``ErrorMessage``).

Records keep a compact layout of their own (``BufferedBatch``): one per accepted PutRecord(Batch) call or
source read, written on the request path and deleted once delivered, read by nothing but the buffer.
Their bytes are not in the store at all but in ``firehose/buffers/`` (buffer.py).

Times are epoch seconds on the virtual clock. ``VersionId`` is kept as the integer it counts (the API
writes it as a string).
"""
from __future__ import annotations

from typing import Any, NotRequired, Required, TypedDict

from nimbus.core.documents import DocumentKind, rename_fields

Raw = dict[str, Any]


class StreamRef(TypedDict):
    """What calls made for a delivery stream need of it: whose it is and where (it may not be stored yet)."""
    DeliveryStreamARN: str
    AccountId: str
    Region: str


class KinesisSource(TypedDict):
    KinesisStreamARN: str
    RoleARN: str


class Encryption(TypedDict, total=False):
    """DeliveryStreamEncryptionConfiguration as DescribeDeliveryStream shows it."""
    Status: Required[str]  # ENABLED or DISABLED
    KeyType: str
    KeyARN: str


class DeliveryStream(StreamRef):
    DeliveryStreamName: str
    DeliveryStreamType: str  # DirectPut or KinesisStreamAsSource
    DeliveryStreamStatus: str  # as stored: CREATING becomes ACTIVE on the virtual clock (StreamRepo.status)
    DestinationType: str
    DestinationConfiguration: dict[str, Any]
    CreateTimestamp: float
    LastUpdateTimestamp: float | None
    VersionId: int
    KinesisStreamSourceConfiguration: KinesisSource | None
    DeliveryStreamEncryptionConfiguration: Encryption
    Tags: dict[str, str]


class ShardCheckpoint(TypedDict):
    SequenceNumber: str | None  # of the last record taken into the buffer
    Finished: bool  # a closed shard read to its end


class ErrorLogEntry(TypedDict):
    Timestamp: float
    ErrorCode: str
    ErrorMessage: str


class BufferedBatch(TypedDict):
    """Records accepted together (a record layout: short names, one per call)."""
    t: float  # virtual arrival time
    n: int  # bytes
    l: list[int]  # each record's length, in order  # noqa: E741
    d: NotRequired[str]  # the bytes, base64, when there is no data dir (--ephemeral)


# -- version 0: the snake_case shapes written before documents were versioned -------------------------

_stream_v0 = rename_fields({
    "name": "DeliveryStreamName", "arn": "DeliveryStreamARN", "type": "DeliveryStreamType",
    "kind": "DestinationType", "config": "DestinationConfiguration", "account": "AccountId", "region": "Region",
    "status": "DeliveryStreamStatus", "created": "CreateTimestamp", "updated": "LastUpdateTimestamp",
    "version": "VersionId", "source": "KinesisStreamSourceConfiguration", "tags": "Tags",
    "encryption": "DeliveryStreamEncryptionConfiguration"})


def stream_from_v0(doc: Raw) -> Raw:
    stream = _stream_v0({k: v for k, v in doc.items() if k != "failure"})  # read, never written
    stream["DeliveryStreamEncryptionConfiguration"] = doc.get("encryption") or {"Status": "DISABLED"}
    stream["Tags"] = doc.get("tags") or {}
    stream.setdefault("KinesisStreamSourceConfiguration", None)
    stream.setdefault("LastUpdateTimestamp", None)
    return stream


STREAM = DocumentKind[DeliveryStream]("firehose.DeliveryStream", migrations={0: stream_from_v0})
CHECKPOINT = DocumentKind[ShardCheckpoint]("firehose.ShardCheckpoint", migrations={
    0: lambda doc: {"SequenceNumber": doc.get("seq"), "Finished": bool(doc.get("done"))}})
ERROR_LOG_ENTRY = DocumentKind[ErrorLogEntry]("firehose.ErrorLogEntry", migrations={
    0: rename_fields({"time": "Timestamp", "code": "ErrorCode", "message": "ErrorMessage"})})
