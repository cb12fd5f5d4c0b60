"""What rest-json and rest-xml share: members bound to headers and the status code, and payloads."""
from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from botocore.model import OperationModel, Shape

from nimbus.protocol.http import Headers, HttpResponse
from nimbus.protocol.serializers.rest_events import event_frames
from nimbus.protocol.serializers.scalars import base64_text, bool_text, float_text, timestamp_text

CHUNK_SIZE = 64 * 1024


@dataclass(frozen=True, slots=True)
class Layout:
    headers: tuple[tuple[str, str, Shape], ...]  # (member, header name, shape)
    header_maps: tuple[tuple[str, str], ...]  # (member, header-name prefix)
    status_member: str | None
    payload: tuple[str, Shape] | None
    has_body_members: bool


@functools.cache
def layout(shape: Shape) -> Layout:
    headers, header_maps, status_member, body_members = [], [], None, False
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        if location == "header":
            headers.append((name, member.serialization.get("name", name), member))
        elif location == "headers":
            header_maps.append((name, member.serialization.get("name", "")))
        elif location == "statusCode":
            status_member = name
        else:
            body_members = True
    payload_name = shape.serialization.get("payload")
    payload = (payload_name, shape.members[payload_name]) if payload_name else None
    return Layout(tuple(headers), tuple(header_maps), status_member, payload, body_members)


def write_locations(plan: Layout, value: dict, headers: Headers) -> int | None:
    """Put header-bound members into ``headers``; return the statusCode member's value."""
    for name, header, member in plan.headers:
        item = value.get(name)
        if item is not None:
            headers[header] = header_value(member, item)
    for name, prefix in plan.header_maps:
        for key, item in (value.get(name) or {}).items():
            if item is not None:
                headers[prefix + key] = str(item)
    return value.get(plan.status_member) if plan.status_member else None


def header_value(shape: Shape, value: Any) -> str:
    kind = shape.type_name
    if kind == "timestamp":
        return timestamp_text(value, shape.serialization.get("timestampFormat", "rfc822"))
    if kind == "list":
        return ", ".join(_header_list_item(shape.member, item) for item in value if item is not None)
    if kind == "string" and shape.serialization.get("jsonvalue"):
        return base64_text(json.dumps(value, separators=(",", ":")))
    if kind == "boolean":
        return bool_text(value)
    if kind in ("float", "double"):
        return float_text(value)
    if kind == "blob":
        return base64_text(value)
    return str(value)


def _header_list_item(shape: Shape, value: Any) -> str:
    # Strings holding the list separator or quotes are quoted (RFC 9110 quoted-string);
    # http-dates contain commas too but are never quoted, as in AWS responses.
    if shape.type_name == "string" and ("," in value or '"' in value):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return header_value(shape, value)


def raw_payload(shape: Shape, value: Any, headers: Headers) -> bytes | Iterable[bytes]:
    """A blob or string payload is the body itself; streams stay streams."""
    if "content-type" not in headers:
        headers["content-type"] = "text/plain" if shape.type_name == "string" else "application/octet-stream"
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return value if isinstance(value, bytes) else bytes(value)
    if hasattr(value, "read"):
        return _read_chunks(value)
    return value


def _read_chunks(stream) -> Iterator[bytes]:
    try:
        while chunk := stream.read(CHUNK_SIZE):
            yield chunk
    finally:
        stream.close()


def serialize_rest_response(
    operation_model: OperationModel,
    output: dict,
    headers: Headers,
    content_type: str,
    encode_document: Callable[[Shape, Any], bytes],
) -> HttpResponse:
    """``encode_document(shape, value)`` writes the protocol's JSON or XML body for the
    output structure, or for a structure payload member."""
    status = operation_model.http.get("responseCode", 200)
    shape = operation_model.output_shape
    body: bytes | Iterable[bytes] = b""
    if shape is not None:
        plan = layout(shape)
        status = write_locations(plan, output, headers) or status
        if plan.payload is not None:
            name, member = plan.payload
            value = output.get(name)
            if member.type_name in ("blob", "string"):
                body = raw_payload(member, value, headers)
            elif member.serialization.get("eventstream"):
                body = event_frames(member, value or (), encode_document)
            elif value is not None:
                body = encode_document(member, value)
        elif plan.has_body_members:
            body = encode_document(shape, output)
    if body and "content-type" not in headers:
        headers["content-type"] = content_type
    return HttpResponse(status, headers, body)
