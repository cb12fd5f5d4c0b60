"""Paging, the two ways AWS APIs do it: after a marker naming the last item listed (IAM, KMS, Kinesis
channels), or after the last key listed of items sorted by key (SNS, Kinesis streams and consumers)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from nimbus.protocol.errors import ServiceError


def page(items: Sequence[Any], marker: str | None, max_items: int | None, key: Callable[[Any], str],
         default_max: int = 100, invalid: ServiceError | None = None) -> tuple[list[Any], str | None]:
    """Items after ``marker`` (the key of the last item returned before), and the next marker.

    A marker naming no item raises ``invalid`` (IAM's ``InvalidInput`` unless given)."""
    limit = max_items or default_max
    start = 0
    if marker:
        keys = [key(item) for item in items]
        if marker not in keys:
            raise invalid or ServiceError("InvalidInput", "Invalid Marker.", status=400)
        start = keys.index(marker) + 1
    chunk = list(items[start:start + limit])
    more = start + limit < len(items)
    return chunk, (key(chunk[-1]) if more and chunk else None)


def page_after(items: Sequence[Any], key: Callable[[Any], str], after: str | None,
               limit: int) -> tuple[list[Any], bool]:
    """Of items sorted by ``key``, those after the key ``after`` (the last one listed before; it may be
    gone since), at most ``limit``; and whether more follow."""
    rest = [item for item in items if key(item) > after] if after else list(items)
    return rest[:limit], len(rest) > limit
