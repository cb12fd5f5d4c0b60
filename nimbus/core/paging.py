"""Marker-based paging, as the IAM-style APIs do it."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from nimbus.protocol.errors import ServiceError


def page(items: Sequence[Any], marker: str | None, max_items: int | None, key: Callable[[Any], str],
         default_max: int = 100) -> tuple[list[Any], str | None]:
    """Items after ``marker`` (the key of the last item returned before), and the next marker."""
    limit = max_items or default_max
    start = 0
    if marker:
        keys = [key(item) for item in items]
        if marker not in keys:
            raise ServiceError("InvalidInput", "Invalid Marker.", status=400)
        start = keys.index(marker) + 1
    chunk = list(items[start:start + limit])
    more = start + limit < len(items)
    return chunk, (key(chunk[-1]) if more and chunk else None)
