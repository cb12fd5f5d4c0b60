"""Bodies that decode to a tree of plain values: JSON (json, rest-json) and CBOR (rpc-v2-cbor).

The decoded tree is walked against the input shape, checking each value's type
and turning blobs and timestamps into ``bytes`` and ``datetime``.
"""
from __future__ import annotations

from datetime import datetime

import cbor2

from nimbus.core.json_text import read_json

from .common import (
    SPECIAL_FLOATS,
    BadValue,
    Malformed,
    UnknownMember,
    epoch_to_datetime,
    parse_blob,
    parse_timestamp,
    shape_cache,
)


@shape_cache
def wire_members(shape) -> dict:
    """JSON key -> (member name, member shape); the key is the member's locationName if it has one."""
    return {
        member.serialization.get("name", name): (name, member)
        for name, member in shape.members.items()
    }


@shape_cache
def body_members(shape) -> dict:
    """The top-level members a rest protocol carries in the body: those bound to no header, label or query."""
    return {
        wire: entry
        for wire, entry in wire_members(shape).items()
        if "location" not in entry[1].serialization
    }


def _type_error(shape, value) -> BadValue:
    return BadValue(f"{str(value)[:50]!r} ({type(value).__name__}) is not a valid {shape.type_name}")


class JsonReader:
    def __init__(self):
        integer = self.integer
        number = self.number
        self._by_type = {
            "structure": self.structure,
            "list": self.list,
            "map": self.map,
            "string": self.string,
            "boolean": self.boolean,
            "integer": integer,
            "long": integer,
            "short": integer,
            "byte": integer,
            "bigInteger": integer,
            "float": number,
            "double": number,
            "bigDecimal": number,
            "blob": self.blob,
            "timestamp": self.timestamp,
        }

    def read(self, shape, value):
        return self._by_type[shape.type_name](shape, value)

    def structure(self, shape, value, members: dict | None = None):
        if shape.is_document_type:
            return value
        if not isinstance(value, dict):
            raise _type_error(shape, value)
        if members is None:
            members = wire_members(shape)
        result = {}
        for key, item in value.items():
            if item is None:  # explicit nulls mean "not set"
                continue
            try:
                name, member = members[key]
            except KeyError:
                raise UnknownMember(key, list(members)) from None
            try:
                result[name] = self.read(member, item)
            except UnknownMember as unknown:
                unknown.path.insert(0, name)
                raise
        return result

    def list(self, shape, value):
        if not isinstance(value, list):
            raise _type_error(shape, value)
        member = shape.member
        return [None if item is None else self.read(member, item) for item in value]

    def map(self, shape, value):
        if not isinstance(value, dict):
            raise _type_error(shape, value)
        value_shape = shape.value
        return {
            key: None if item is None else self.read(value_shape, item)
            for key, item in value.items()
        }

    def string(self, shape, value):
        if isinstance(value, str):
            return value
        raise _type_error(shape, value)

    def boolean(self, shape, value):
        if isinstance(value, bool):
            return value
        raise _type_error(shape, value)

    def integer(self, shape, value):
        if type(value) is int:
            return value
        if type(value) is float and value.is_integer():
            return int(value)
        raise _type_error(shape, value)

    def number(self, shape, value):
        if type(value) in (int, float):
            return float(value)
        if isinstance(value, str) and value in SPECIAL_FLOATS:
            return SPECIAL_FLOATS[value]
        raise _type_error(shape, value)

    def blob(self, shape, value):
        if isinstance(value, str):
            return parse_blob(value)
        raise _type_error(shape, value)

    def timestamp(self, shape, value):
        if type(value) in (int, float):
            return epoch_to_datetime(value)
        if isinstance(value, str):
            return parse_timestamp(value)
        raise _type_error(shape, value)


class CborReader(JsonReader):
    """CBOR carries blobs as byte strings and timestamps as tag 1, which cbor2 decodes to datetime."""

    def blob(self, shape, value):
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
        raise _type_error(shape, value)

    def timestamp(self, shape, value):
        if isinstance(value, datetime):
            return value
        return super().timestamp(shape, value)


JSON = JsonReader()
CBOR = CborReader()


def load_json(body: bytes):
    try:
        return read_json(body)
    except ValueError as error:
        raise Malformed(f"The request body is not valid JSON: {error}") from None


def load_cbor(body: bytes):
    try:
        return cbor2.loads(body)
    except (ValueError, RecursionError, cbor2.CBORDecodeError) as error:
        raise Malformed(f"The request body is not valid CBOR: {error}") from None


def parse_json(operation_model, body: bytes) -> dict:
    """awsJson 1.0/1.1: the whole input is one JSON object; location traits do not apply."""
    shape = operation_model.input_shape
    if shape is None or not body.strip():
        return {}
    return JSON.structure(shape, load_json(body))


def parse_cbor(operation_model, body: bytes) -> dict:
    shape = operation_model.input_shape
    if shape is None or not body:
        return {}
    return CBOR.structure(shape, load_cbor(body))
