"""A CloudTrail record held as its JSON text, read as a mapping: the members delivery and selectors usually read
(event source, name, time, readOnly, category, resources...) come without parsing; the others (the identity, the
request and response elements) parse the text once, when first read. Delivery splices ``text`` into a log file
as it is."""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import orjson

# Members only the parsed text holds; any other member missing from ``fields`` is missing from the record
# (``resources`` and ``errorCode`` are in ``fields`` whenever the record has them: a data event's selectors ask).
# ``resources`` is held as its JSON bytes and read on each ask: with strings, numbers and booleans only, the
# dict is one Python's collector never tracks (records held for delivery are many: recent.py).
_PARSED = frozenset({"userIdentity", "sourceIPAddress", "userAgent", "errorMessage", "requestParameters",
                     "responseElements", "sharedEventID", "tlsDetails"})


class LazyRecord(Mapping[str, Any]):
    __slots__ = ("text", "_fields", "_parsed")

    def __init__(self, text: str, fields: dict[str, Any]):
        self.text = text
        self._fields = fields
        self._parsed: dict[str, Any] | None = None

    @property
    def fields(self) -> dict[str, Any]:
        """The members held beside the text (not to be changed)."""
        return self._fields

    def whole(self) -> dict[str, Any]:
        """The record as a plain dict (parsed once)."""
        parsed = self._parsed
        if parsed is None:
            # Not orjson: it reads an integer past 64 bits as a float, and refuses NaN and lone surrogates.
            parsed = self._parsed = json.loads(self.text)
        return parsed

    def __getitem__(self, name: str) -> Any:
        fields = self._fields
        if name in fields:
            value = fields[name]
            return _decoded(value) if type(value) is bytes else value
        if name in _PARSED:
            return self.whole()[name]
        raise KeyError(name)

    def get(self, name: str, default: Any = None) -> Any:
        # Mapping.get's try/except around __getitem__ doubled what delivery's filters paid per member read.
        fields = self._fields
        if name in fields:
            value = fields[name]
            return _decoded(value) if type(value) is bytes else value
        return self.whole().get(name, default) if name in _PARSED else default

    def __iter__(self) -> Iterator[str]:
        return iter(self.whole())

    def __len__(self) -> int:
        return len(self.whole())


def _decoded(encoded: bytes) -> Any:
    try:
        return orjson.loads(encoded)
    except orjson.JSONDecodeError:  # a lone surrogate, which ``json`` reads
        return json.loads(encoded)


def as_dict(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record read from the store (a dict) or made by ``record_template`` (a LazyRecord), as a dict."""
    return record.whole() if isinstance(record, LazyRecord) else record  # type: ignore[return-value]


def compact_text(record: Mapping[str, Any]) -> str:
    """``json.dumps(record, separators=(",", ":"))``: a LazyRecord's own text, not encoded again."""
    return record.text if isinstance(record, LazyRecord) else json.dumps(record, separators=(",", ":"))
