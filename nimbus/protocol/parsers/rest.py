"""rest-json and rest-xml: input spread over URI labels, query string, headers and body."""
from __future__ import annotations

import base64
import re

from nimbus.core.json_text import read_json

from ..uri import template_for
from .common import BadValue, Malformed, from_text, shape_cache
from .document import JSON, body_members, load_json
from .xml import XML, load_xml

_DAY_NAMES = frozenset({"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"})
# One item of a comma-separated header list: a quoted string (with \" escapes) or bare text.
_HEADER_ITEM = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|([^,]*?))\s*(?:,|\Z)')
_ESCAPE = re.compile(r"\\(.)")


class _Plan:
    """Where each top-level member of an input shape travels, worked out once per shape."""

    def __init__(self, shape):
        self.labels, self.header_maps = [], []
        self.query = {}  # parameter name -> (name, shape)
        self.headers = {}  # lower-case header name -> (name, shape)
        self.query_map = None  # (name, shape) of a map taking every query parameter
        self.has_body_members = False
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if location == "uri":
                self.labels.append((name, member, wire))
            elif location == "querystring":
                if member.type_name == "map":
                    self.query_map = (name, member)
                else:
                    self.query[wire] = (name, member)
            elif location == "header":
                self.headers[wire.lower()] = (name, member)
            elif location == "headers":
                self.header_maps.append((name, member, wire.lower()))
            elif location is None:
                self.has_body_members = True
        self.payload = shape.serialization.get("payload")


_plan = shape_cache(_Plan)


def _split_header_list(raw: str) -> list[str]:
    items, position = [], 0
    while position < len(raw):
        found = _HEADER_ITEM.match(raw, position)
        if found is None:  # cannot happen: the bare form takes anything up to the next comma
            break
        quoted, bare = found.groups()
        items.append(_ESCAPE.sub(r"\1", quoted) if quoted is not None else bare)
        position = found.end()
    return items


def _split_timestamps(raw: str) -> list[str]:
    # HTTP dates contain a comma themselves ("Mon, 16 Dec 2019 ..."): glue the day name back on.
    items: list[str] = []
    for part in raw.split(","):
        part = part.strip()
        if items and items[-1] in _DAY_NAMES:
            items[-1] = f"{items[-1]}, {part}"
        else:
            items.append(part)
    return items


def _header_value(member, raw: str):
    if member.type_name == "list":
        if not raw.strip():
            return []
        item = member.member
        parts = _split_timestamps(raw) if item.type_name == "timestamp" else _split_header_list(raw)
        return [from_text(item, part) for part in parts]
    if member.type_name == "string" and member.serialization.get("jsonvalue"):
        try:
            return read_json(base64.b64decode(raw, validate=True))
        except ValueError:
            raise BadValue(f"header {raw[:50]!r} is not base64-encoded JSON") from None
    return from_text(member, raw)


def _catch_all_query(member, query_items, template) -> dict:
    """A querystring map receives every parameter, also those bound to other members (as Smithy servers do)."""
    multi = member.value.type_name == "list"
    result: dict = {}
    for key, value in query_items:
        if key in template.required_query or key[:6].lower() == "x-amz-":
            continue
        if multi:
            result.setdefault(key, []).append(from_text(member.value.member, value))
        elif key not in result:
            result[key] = from_text(member.value, value)
    return result


def _parse_query(plan, template, query_items, params: dict) -> None:
    values: dict[str, list[str]] = {}
    for key, value in query_items:
        values.setdefault(key, []).append(value)
    for key, found in values.items():
        bound = plan.query.get(key)
        if bound is None:
            continue  # unmodelled parameters (botocore's x-id=...) are ignored
        name, member = bound
        if member.type_name == "list":
            params[name] = [from_text(member.member, value) for value in found]
        else:
            params[name] = from_text(member, found[0])
    if plan.query_map:
        name, member = plan.query_map
        caught = _catch_all_query(member, query_items, template)
        if caught:
            params[name] = caught


def _parse_labels(plan, template, request, query_items, params: dict) -> None:
    labels = template.match(request.path, dict(reversed(query_items)))  # first value of each key
    if labels is None:
        raise BadValue(f"path {request.path!r} does not fit {template.request_uri!r}")
    for name, member, wire in plan.labels:
        params[name] = from_text(member, labels[wire])


def _parse_headers(plan, headers, params: dict) -> None:
    # Walk the request's few headers rather than the model's many (S3 PutObject has dozens).
    for key, raw in headers.items():  # keys are lower-case
        bound = plan.headers.get(key)
        if bound is not None:
            name, member = bound
            params[name] = _header_value(member, raw)
        for name, member, prefix in plan.header_maps:
            if key.startswith(prefix):
                params.setdefault(name, {})[key[len(prefix):]] = from_text(member.value, raw)


def _read_body(shape, body: bytes, xml: bool, members=None):
    """The body as the given shape; ``members`` limits a top-level input to its body members."""
    try:
        if xml:
            return XML.structure(shape, load_xml(body))
        return JSON.structure(shape, load_json(body), members)
    except BadValue as error:
        # A bad value inside the body is a malformed body (S3: MalformedXML).
        raise Malformed(str(error)) from None


def _parse_payload(shape, plan, body: bytes, xml: bool, params: dict) -> None:
    if plan.payload is None:
        if plan.has_body_members and body.strip():
            params.update(_read_body(shape, body, xml, body_members(shape)))
        return
    member = shape.members[plan.payload]
    if member.type_name == "blob" or member.serialization.get("eventstream"):
        # Event streams are handed over undecoded; the provider reads the frames.
        if body:
            params[plan.payload] = body
    elif member.type_name == "string":
        if body:
            try:
                params[plan.payload] = body.decode("utf-8")
            except UnicodeDecodeError:
                raise Malformed("The request body is not valid UTF-8 text") from None
    elif body.strip():
        value = _read_body(member, body, xml)
        # botocore sends "{}" when the caller left a structure payload out; an XML payload that is there but
        # empty (S3's <BucketLoggingStatus/>, which turns logging off) is given all the same.
        if value != {} or member.is_document_type or xml:
            params[plan.payload] = value


def parse_rest(operation_model, request, headers, body: bytes, xml: bool) -> dict:
    shape = operation_model.input_shape
    if shape is None:
        return {}
    plan = _plan(shape)
    params: dict = {}
    if plan.labels or plan.query or plan.query_map:
        template = template_for(operation_model.http["requestUri"])
        query_items = request.query_items
        if plan.labels:
            _parse_labels(plan, template, request, query_items, params)
        _parse_query(plan, template, query_items, params)
    _parse_headers(plan, headers, params)
    _parse_payload(shape, plan, body, xml, params)
    return params
