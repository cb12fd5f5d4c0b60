"""One read of a shard (a GetRecords page, a fan-out event, a channel's batch): its stored records, and
the ``Record`` structures they answer as, either as dicts for the generic serializer and other services,
or as the JSON text the generic path would write for them, straight from the stored bytes.

The JSON form is GetRecords' answer over HTTP: for 1,000 records it skips a dict, a datetime, a base64
str and the model walk per record, and the encoder's pass over them. Its bytes are the generic path's
(``tests/test_kinesis_record_json.py`` compares them): members in the same order, the timestamp as epoch
seconds written as ``json`` writes the float (whole seconds as an integer), the partition key escaped as
``json`` escapes it (ASCII only). It walks the stored frames (one pread per segment) without decoding a
record into objects.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pybase64

from nimbus.services.kinesis import sequence
from nimbus.services.kinesis.encryption import ENCRYPTED
from nimbus.services.kinesis.segments import FRAME_SIZE, HEAD, Span, decode

# A record: an opening (the sequence number's shard and time), its counter, the middle (the timestamp), data,
# partition key and encryption.
_OPENING = b',{"SequenceNumber":"4%09d%015d'
_MIDDLE = b'","ApproximateArrivalTimestamp":%s,"Data":"'
_RECORD = b'%s%031d%s%s%s","PartitionKey":"%s"%s}'
# By the length of a record's last group of data (0 to 2 bytes): the zeros that fill it to 3 before encoding, and
# the padding its own encoding ends with.
_FILL = (b"", b"\0\0", b"\0")
_PADDING = (b"", b"==", b"=")
_KMS = b',"EncryptionType":"KMS"'
# Bytes a JSON string holds as they are (json escapes the others: quote, backslash, controls, DEL, non-ASCII).
_VERBATIM = bytes(c for c in range(0x20, 0x7F) if c not in b'"\\')


def arrival_time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def epoch_text(ms: int) -> bytes:
    """What the generic path writes for ``arrival_time(ms)``: epoch seconds, to the millisecond."""
    return b"%d" % (ms // 1000) if ms % 1000 == 0 else float.__repr__(ms / 1000).encode()


def _escaped(key: bytes) -> bytes:
    """A partition key's UTF-8 bytes as a JSON string's inside, as ``json`` writes it."""
    return json.dumps(key.decode("utf-8"))[1:-1].encode()


@dataclass(slots=True)
class RecordPage:
    shard_index: int
    spans: list[Span]
    unseal: Callable[[int, bytes], bytes]
    next: int  # the position the next read starts at
    behind: int  # MillisBehindLatest
    child_shards: list[dict] | None  # set once a closed shard has been read to its end

    @property
    def count(self) -> int:
        return sum(span.count for span in self.spans)

    def records(self) -> tuple[list[dict], int]:
        """The records as ``Record`` dicts, and their data's bytes."""
        records, size = [], 0
        for span in self.spans:
            for record in decode(span):
                data = self.unseal(record.flags, record.data)
                size += len(data)
                entry = {"SequenceNumber": sequence.record_number(self.shard_index, record.arrival_ms,
                                                                  record.position),
                         "ApproximateArrivalTimestamp": arrival_time(record.arrival_ms), "Data": data,
                         "PartitionKey": record.partition_key}
                if record.flags & ENCRYPTED:
                    entry["EncryptionType"] = "KMS"
                records.append(entry)
        return records, size

    def records_json(self) -> tuple[list[bytes], int]:
        """The records as the JSON array the generic serializer writes for ``records()`` (in pieces to be
        joined), and their data's bytes. Walks the stored frames; no record is decoded into objects.

        The data of every record is base64-encoded in one call over the page (pybase64 gives up the GIL on each
        call: once per record, 16 concurrent reads of 1,000 records spent two thirds of their CPU handing the
        GIL between threads). Each record's data starts on a multiple of 3 bytes, zeros filling the gap, so its
        text is a slice of the page's whose last group gets the padding a record of its own would have."""
        shard, unseal, head, fixed = self.shard_index, self.unseal, HEAD.unpack_from, HEAD.size
        verbatim, last_ms, opening, middle = _VERBATIM, -1, b"", b""
        found: list[tuple[bytes, int, bytes, int, bytes, bytes]] = []
        chunks: list[bytes | memoryview] = []
        size = 0
        for span in self.spans:
            raw, view, local = span.raw, memoryview(span.raw), 0
            for counter in range(span.first + 1, span.first + span.count + 1):  # a record's counter is position + 1
                length, _, ms, flags, key_length = head(raw, local)
                key_start = local + fixed
                data_start, local = key_start + key_length, local + FRAME_SIZE + length
                if ms != last_ms:  # what precedes the counter and the data, made once per distinct millisecond
                    last_ms, opening = ms, _OPENING % (shard, ms)
                    middle = _MIDDLE % epoch_text(ms)
                data: bytes | memoryview = view[data_start:local]
                if flags:
                    data = unseal(flags, bytes(data))
                size += len(data)
                chunks.append(data)
                if len(data) % 3:
                    chunks.append(_FILL[len(data) % 3])
                key = raw[key_start:data_start]
                if not key.isalnum() and key.translate(None, verbatim):  # isalnum: the usual key, at no copy
                    key = _escaped(key)
                found.append((opening, counter, middle, len(data), key, _KMS if flags & ENCRYPTED else b""))
        encoded = memoryview(pybase64.b64encode(b"".join(chunks)))
        pieces, at = [b"["], 0
        for opening, counter, middle, length, key, kms in found:
            groups, rest = divmod(length, 3)
            text_end = at + 4 * groups + (rest and rest + 1)  # a last group of 1 or 2 bytes: 2 or 3 characters
            pieces.append(_RECORD % (opening, counter, middle, encoded[at:text_end], _PADDING[rest], key, kms))
            at += 4 * groups + (rest and 4)
        if len(pieces) > 1:
            pieces[1] = pieces[1][1:]  # the first record has no comma before it
        pieces.append(b"]")
        return pieces, size
