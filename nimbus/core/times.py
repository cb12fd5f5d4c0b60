"""Epoch seconds and datetimes: what the store keeps (floats) and what the wire carries (datetimes)."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


@overload
def timestamp(epoch: float) -> datetime: ...
@overload
def timestamp(epoch: None) -> None: ...
def timestamp(epoch: float | None) -> datetime | None:
    """The UTC datetime of epoch seconds, for a response (botocore serializes it per protocol)."""
    return None if epoch is None else datetime.fromtimestamp(epoch, tz=UTC)


def epoch(value: datetime | float | None) -> float | None:
    """Epoch seconds of a parsed timestamp parameter (a datetime, or a number already)."""
    if value is None:
        return None
    return value.timestamp() if isinstance(value, datetime) else float(value)


def epoch_millis(when: datetime) -> int:
    return int(when.timestamp() * 1000)
