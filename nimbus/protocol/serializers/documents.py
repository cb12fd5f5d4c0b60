"""Model-driven conversion of output dicts into plain data for JSON and CBOR encoders.

A ``DocumentEncoder`` compiles one small function per shape (cached by shape
identity: botocore keeps member shapes once resolved) and walks the value with
it. Scalars that need no conversion (strings, integers, booleans) compile to
``None``, so they, and lists and maps of them, pass through untouched.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.model import Shape

Convert = Callable[[Any], Any]
# Members carried outside the body (HTTP headers, status code) never appear in it;
# any other location (a stray querystring) means the body in a response, as botocore reads it.
_LOCATIONS = frozenset(("header", "headers", "statusCode"))


class DocumentEncoder:
    def __init__(self, scalar: Callable[[Shape], Convert | None], wire_names: bool):
        """``scalar(shape)`` gives the converter of a non-container shape (or None);
        ``wire_names`` picks the members' locationName (JSON) over their model name (CBOR)."""
        self._scalar = scalar
        self._wire_names = wire_names
        self._cache: dict[Shape, Convert | None] = {}

    def encode(self, shape: Shape, value: Any) -> Any:
        convert = self.converter(shape)
        return value if convert is None else convert(value)

    def converter(self, shape: Shape) -> Convert | None:
        try:
            return self._cache[shape]
        except KeyError:
            convert = self._cache[shape] = self._compile(shape)
            return convert

    def _compile(self, shape: Shape) -> Convert | None:
        kind = shape.type_name
        if kind == "structure":
            return None if shape.metadata.get("document") else self._structure(shape)
        if kind == "list":
            return self._list(shape)
        if kind == "map":
            return self._map(shape)
        return self._scalar(shape)

    # Containers resolve their children's converters on first use, not when
    # compiled: botocore hands out a new Shape at each level of a recursive shape,
    # so eager compilation would never end.

    def _structure(self, shape: Shape) -> Convert:
        table: dict[str, tuple[str, Convert | None]] | None = None

        def resolve() -> dict[str, tuple[str, Convert | None]]:
            nonlocal table
            table = {
                name: (member.serialization.get("name", name) if self._wire_names else name, self.converter(member))
                for name, member in shape.members.items()
                if member.serialization.get("location") not in _LOCATIONS
            }
            return table

        def convert(value: dict) -> dict:
            members = table if table is not None else resolve()
            out = {}
            for name, item in value.items():
                member = members.get(name)
                if member is not None and item is not None:
                    key, item_convert = member
                    out[key] = item if item_convert is None else item_convert(item)
            return out

        return convert

    def _list(self, shape: Shape) -> Convert:
        item_convert: Convert | None = None
        resolved = False

        def convert(value) -> list:
            nonlocal item_convert, resolved
            if not resolved:
                item_convert, resolved = self.converter(shape.member), True
            if item_convert is None:
                return value if isinstance(value, list) else list(value)
            return [None if item is None else item_convert(item) for item in value]

        return convert

    def _map(self, shape: Shape) -> Convert:
        item_convert: Convert | None = None
        resolved = False

        def convert(value: dict) -> dict:
            nonlocal item_convert, resolved
            if not resolved:
                item_convert, resolved = self.converter(shape.value), True
            if item_convert is None:
                return value
            return {key: None if item is None else item_convert(item) for key, item in value.items()}

        return convert
