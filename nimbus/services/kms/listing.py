"""KMS's paging: Limit and Marker in, NextMarker and Truncated out."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from nimbus.protocol.errors import ServiceError


def page(items: Sequence[Any], params: dict, key: Callable[[Any], str], member: str,
         default_limit: int = 100) -> dict:
    limit = params.get("Limit") or default_limit
    start = 0
    marker = params.get("Marker")
    if marker:
        keys = [key(item) for item in items]
        if marker not in keys:
            raise ServiceError("InvalidMarkerException", "Invalid marker")
        start = keys.index(marker) + 1
    chunk = list(items[start:start + limit])
    output: dict = {member: chunk, "Truncated": start + limit < len(items)}
    if output["Truncated"] and chunk:
        output["NextMarker"] = key(chunk[-1])
    return output
