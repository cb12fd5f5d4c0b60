"""A CloudTrail record's JSON text for the store, made by orjson (several times faster than ``json`` on a 1 KB
record, which every recorded call writes).

The text only has to read back as the same document, not to match ``json``'s bytes: orjson escapes less and
spells some floats differently, which parsing undoes. What parsing would not undo: it writes NaN and the
infinities as ``null`` and refuses integers past 64 bits and non-string keys, so such a record goes to ``json``.
Only the request and response elements can hold a float.
"""
from __future__ import annotations

import json
import math
from typing import Any

import orjson

from nimbus.services.cloudtrail.lazy_record import LazyRecord
from nimbus.store.base import EncodedJson


def stored_text(record: dict[str, Any] | LazyRecord) -> EncodedJson:
    """What event history stores of a record: a templated record's text as it is (``record_template``)."""
    return EncodedJson(record.text) if isinstance(record, LazyRecord) else record_text(record)


def record_text(record: dict[str, Any]) -> EncodedJson:
    try:
        encoded = orjson.dumps(record)
    except TypeError:
        return EncodedJson(json.dumps(record, separators=(",", ":")))
    if b"null" in encoded and not (_finite(record.get("requestParameters"))
                                   and _finite(record.get("responseElements"))):
        return EncodedJson(json.dumps(record, separators=(",", ":")))
    return EncodedJson(encoded.decode())


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(item) for item in value.values())
    if isinstance(value, list):
        return all(_finite(item) for item in value)
    return True
