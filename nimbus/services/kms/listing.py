"""KMS's paging: Limit and Marker in, NextMarker and Truncated out."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from nimbus.core import paging
from nimbus.protocol.errors import ServiceError


def page(items: Sequence[Any], params: dict, key: Callable[[Any], str], member: str,
         default_limit: int = 100) -> dict:
    chunk, marker = paging.page(items, params.get("Marker"), params.get("Limit"), key, default_limit,
                                invalid=ServiceError("InvalidMarkerException", "Invalid marker"))
    output: dict = {member: chunk, "Truncated": marker is not None}
    if marker is not None:
        output["NextMarker"] = marker
    return output
