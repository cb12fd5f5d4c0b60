"""Wire forms of scalar values shared by every protocol: timestamps, blobs, floats."""
from __future__ import annotations

import binascii
import math
from datetime import UTC, datetime

from botocore.utils import parse_timestamp

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EPOCH = datetime(1970, 1, 1)


def utc(value) -> datetime:
    """A naive UTC datetime from a datetime (naive means UTC), an epoch number or an ISO string.

    Naive, because datetime's C formatting (isoformat) then needs no offset trimmed.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value
        # Already UTC (Kinesis arrival times, most stored times): no conversion to make.
        return value.replace(tzinfo=None) if value.tzinfo is UTC else value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
    return utc(parse_timestamp(value))


def epoch_seconds(value) -> int | float:
    """Epoch seconds, whole when possible, else to the millisecond as AWS sends them."""
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else round(value, 3)
    moment = utc(value)
    delta = moment - _EPOCH
    seconds = delta.days * 86400 + delta.seconds
    millis = moment.microsecond // 1000
    return seconds if not millis else (seconds * 1000 + millis) / 1000


def iso8601(value) -> str:
    """``2014-04-29T18:30:38Z``; milliseconds only when there are any, like AWS."""
    moment = utc(value)
    return moment.isoformat(timespec="milliseconds" if moment.microsecond >= 1000 else "seconds") + "Z"


def http_date(value) -> str:
    """RFC 7231 IMF-fixdate; built by hand because strftime's names follow the locale."""
    moment = utc(value)
    return (
        f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} {moment.year:04d} "
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} GMT"
    )


def timestamp_text(value, timestamp_format: str) -> str:
    """A timestamp as text for XML bodies and headers, in a model ``timestampFormat``."""
    if timestamp_format == "iso8601":
        return iso8601(value)
    if timestamp_format == "rfc822":
        return http_date(value)
    return str(epoch_seconds(value))


def base64_text(value: bytes | bytearray | memoryview | str) -> str:
    if isinstance(value, str):
        value = value.encode()
    # binascii directly: base64.b64encode's wrapper (a copy, a type check) was half the cost of small records.
    return binascii.b2a_base64(value, newline=False).decode("ascii")


def float_value(value: float) -> float | str:
    """JSON has no NaN or infinities, so AWS spells them as strings."""
    if math.isfinite(value):
        return value
    if value != value:
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def float_text(value: float) -> str:
    return str(float_value(value))


def bool_text(value: bool) -> str:
    return "true" if value else "false"
