"""One read of a shard (a GetRecords page, a fan-out event, a channel's batch): its stored records, and
the ``Record`` structures they answer as, either as dicts for the generic serializer and other services,
or as the JSON text the generic path would write for them, straight from the stored bytes.

The JSON form is GetRecords' answer over HTTP: for 1,000 records it skips a dict, a datetime, a base64
str and the model walk per record, and the encoder's pass over them. Its bytes are the generic path's
(``tests/test_kinesis_record_json.py`` compares them): members in the same order, the timestamp as epoch
seconds written as ``json`` writes the float (whole seconds as an integer), the partition key escaped as
``json`` escapes it (ASCII only).
"""
from __future__ import annotations

import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from nimbus.services.kinesis import sequence
from nimbus.services.kinesis.encryption import ENCRYPTED
from nimbus.services.kinesis.segments import StoredRecord

_RECORD = (b'{"SequenceNumber":"4%09d%015d%031d","ApproximateArrivalTimestamp":%s,"Data":"%s",'
           b'"PartitionKey":%s%s}')
_KMS = b',"EncryptionType":"KMS"'


def arrival_time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def epoch_text(ms: int) -> bytes:
    """What the generic path writes for ``arrival_time(ms)``: epoch seconds, to the millisecond."""
    return b"%d" % (ms // 1000) if ms % 1000 == 0 else float.__repr__(ms / 1000).encode()


def key_text(key: str) -> bytes:
    if key.isascii() and key.isprintable() and '"' not in key and "\\" not in key:
        return b'"' + key.encode() + b'"'
    return json.dumps(key).encode()


@dataclass(slots=True)
class RecordPage:
    shard_index: int
    stored: list[StoredRecord]
    unseal: Callable[[int, bytes], bytes]
    next: int  # the position the next read starts at
    behind: int  # MillisBehindLatest
    child_shards: list[dict] | None  # set once a closed shard has been read to its end

    def records(self) -> tuple[list[dict], int]:
        """The records as ``Record`` dicts, and their data's bytes."""
        records, size = [], 0
        for record in self.stored:
            data = self.unseal(record.flags, record.data)
            size += len(data)
            entry = {"SequenceNumber": sequence.record_number(self.shard_index, record.arrival_ms, record.position),
                     "ApproximateArrivalTimestamp": arrival_time(record.arrival_ms), "Data": data,
                     "PartitionKey": record.partition_key}
            if record.flags & ENCRYPTED:
                entry["EncryptionType"] = "KMS"
            records.append(entry)
        return records, size

    def records_json(self) -> tuple[bytes, int]:
        """The records as the JSON array the generic serializer writes for ``records()``, and their data's bytes."""
        pieces, size = [], 0
        shard, unseal, b64 = self.shard_index, self.unseal, binascii.b2a_base64
        last_ms, when = -1, b""
        for record in self.stored:
            flags, data, ms = record.flags, record.data, record.arrival_ms
            if flags:
                data = unseal(flags, data)
            size += len(data)
            if ms != last_ms:  # a PutRecords batch shares one arrival time
                last_ms, when = ms, epoch_text(ms)
            pieces.append(_RECORD % (shard, ms, record.position + 1, when, b64(data, newline=False),
                                     key_text(record.partition_key), _KMS if flags & ENCRYPTED else b""))
        return b"[" + b",".join(pieces) + b"]", size
