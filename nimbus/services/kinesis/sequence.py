"""Sequence numbers in AWS's form: 56-digit decimal strings.

Layout (digits): ``4`` | shard index (9) | arrival time in ms (15) | counter (31), where the record at
position ``p`` of its shard log has counter ``p + 1`` and counter 0 is the shard's starting number (before
every record; it is also what a subscription continues from before it saw any record).
The shard index makes numbers unique across a stream (and a child shard's numbers larger than its
parents', as it is created later); time then position make them strictly increasing within a shard
(a shard's arrival times never go backwards). The position lets a sequence number lead straight back
to its record.
"""
from __future__ import annotations

from nimbus.protocol.errors import ServiceError

_LENGTH = 56


def sequence_number(shard_index: int, arrival_ms: int, counter: int) -> str:
    return f"4{shard_index:09d}{arrival_ms:015d}{counter:031d}"


def record_number(shard_index: int, arrival_ms: int, position: int) -> str:
    return sequence_number(shard_index, arrival_ms, position + 1)


def decode(value: str) -> tuple[int, int, int]:
    """(shard index, arrival ms, counter) of a sequence number nimbus issued: reading AT it starts at
    position ``max(counter - 1, 0)``, AFTER it at position ``counter``."""
    if len(value) != _LENGTH or not value.isdigit() or value[0] != "4":
        raise ServiceError("InvalidArgumentException", f"StartingSequenceNumber {value} used in GetShardIterator "
                           "on shard is not a valid sequence number.")
    return int(value[1:10]), int(value[10:25]), int(value[25:])
