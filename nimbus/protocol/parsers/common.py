"""What every request parser shares: reading scalars from text, timestamps, and the parse errors.

Parsers raise the small exceptions below; ``parse_request`` turns them into the
AWS error code that fits the protocol the client spoke.
"""
from __future__ import annotations

import base64
import binascii
import functools
import re
import weakref
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any


class Malformed(Exception):
    """The request body cannot be decoded at all (bad JSON, XML, CBOR, form encoding)."""


class BadValue(Exception):
    """A value that does not fit its shape (a word where an integer belongs)."""


class UnknownMember(Exception):
    """A JSON/CBOR key or query parameter that the input shape does not have."""

    def __init__(self, name: str, valid: list[str]):
        super().__init__(name)
        self.name = name
        self.valid = valid
        self.path: list[str] = []  # enclosing member names, filled in while unwinding

    def __str__(self) -> str:
        where = ".".join(self.path) or "input"
        return f'Unknown parameter in {where}: "{self.name}", must be one of: {", ".join(self.valid)}'


def shape_cache(compute):
    """Memoize ``compute(shape)`` while the shape lives.

    botocore caches the shapes it hands out per operation model, so per-shape
    lookup tables are built once, not per request.
    """
    cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @functools.wraps(compute)
    def cached(shape):
        try:
            return cache[shape]
        except KeyError:
            result = cache[shape] = compute(shape)
            return result

    return cached


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
SPECIAL_FLOATS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


def parse_integer(text: str) -> int:
    text = text.strip()
    if _INTEGER.fullmatch(text):
        return int(text)
    raise BadValue(f"{text!r} is not a valid integer")


def parse_float(text: str) -> float:
    text = text.strip()
    if text in SPECIAL_FLOATS:
        return SPECIAL_FLOATS[text]
    if _NUMBER.fullmatch(text):
        return float(text)
    raise BadValue(f"{text!r} is not a valid number")


def parse_boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise BadValue(f"{text!r} is not a valid boolean")


def parse_blob(text: str) -> bytes:
    try:
        # Strict decoding accepts only what the checked path below accepts (the alphabet, padding at the
        # end), with the same bytes out, in one C pass: no whitespace strip, no regex over the text
        # (those were most of parsing a PutRecords of 500 records). Anything else takes the checked path.
        return binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError):
        pass
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise BadValue(f"{text[:50]!r} is not valid base64") from None


def epoch_to_datetime(seconds: Decimal | int | float) -> datetime:
    try:
        micros = int((Decimal(str(seconds)) * 1_000_000).to_integral_value())
        return _EPOCH + timedelta(microseconds=micros)
    except (InvalidOperation, OverflowError, ValueError):
        raise BadValue(f"{seconds!r} is not a valid epoch timestamp") from None


def parse_timestamp(text: str) -> datetime:
    """Read epoch seconds, ISO 8601 or an HTTP date, whatever the model's timestampFormat.

    Clients disagree on formats (SDKs, the CLI, hand-written curl), and the
    three spellings cannot be confused, so accepting all of them is safe.
    """
    text = text.strip()
    if _NUMBER.fullmatch(text):
        return epoch_to_datetime(Decimal(text))
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            raise BadValue(f"{text!r} is not a valid timestamp") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


_TEXT_READERS: dict[str, Callable[[str], Any]] = {
    "string": str,
    "character": str,
    "integer": parse_integer,
    "long": parse_integer,
    "short": parse_integer,
    "byte": parse_integer,
    "bigInteger": parse_integer,
    "float": parse_float,
    "double": parse_float,
    "bigDecimal": parse_float,
    "boolean": parse_boolean,
    "blob": parse_blob,
    "timestamp": parse_timestamp,
}


def from_text(shape, text: str):
    """A scalar from its text form in a query string, header, URI label or XML element."""
    try:
        reader = _TEXT_READERS[shape.type_name]
    except KeyError:
        raise BadValue(f"a {shape.type_name} cannot be given as text") from None
    return reader(text)
