"""Hash keys: 128-bit integers; a record's is the MD5 of its partition key unless given explicitly."""
from __future__ import annotations

import hashlib

from nimbus.protocol.errors import ServiceError

HASH_SPACE = 2 ** 128
MAX_HASH_KEY = HASH_SPACE - 1


def even_ranges(count: int, start: int = 0, end: int = MAX_HASH_KEY) -> list[tuple[int, int]]:
    """``count`` ranges covering [start, end], split as AWS splits the key space for a new stream."""
    span = end - start + 1
    bounds = [start + (i * span) // count for i in range(count)] + [end + 1]
    return [(bounds[i], bounds[i + 1] - 1) for i in range(count)]


def record_hash_key(partition_key: str, explicit: str | None) -> int:
    if explicit is not None:
        value = int(explicit)
        if value > MAX_HASH_KEY:
            raise ServiceError("InvalidArgumentException",
                               f"Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, {MAX_HASH_KEY}]. "
                               f"Specified value was {explicit}")
        return value
    return int.from_bytes(hashlib.md5(partition_key.encode("utf-8")).digest(), "big")


def parse_hash_key(text: str, name: str = "NewStartingHashKey") -> int:
    value = int(text)
    if value > MAX_HASH_KEY:
        raise ServiceError("InvalidArgumentException", f"{name} {text} is not in the valid hash key range")
    return value
