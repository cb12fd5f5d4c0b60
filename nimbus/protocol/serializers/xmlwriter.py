"""Model-driven XML for query, ec2 and rest-xml bodies, written straight into a list of strings.

Naming follows botocore's XML parser, which is also how AWS models encode the
wire: an element is named by the member's locationName or member name; a
flattened list repeats the element, named by its list member's locationName
when it has one (SQS ``<Message>``); maps are ``<entry><key/><value/></entry>``
unless flattened.

Per shape and element name an emitter ``emit(out, value)`` is compiled once and
cached by shape identity (botocore keeps member shapes once resolved). A
container resolves its children's emitters on first use rather than when
compiled, so recursive shapes compile one level at a time.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from botocore.model import Shape

from nimbus.protocol.serializers.scalars import base64_text, bool_text, float_text, timestamp_text

Emit = Callable[[list, Any], None]

# Carried outside the body (HTTP headers, status code), never written as elements;
# any other location (a stray querystring) means the body in a response, as botocore reads it.
_LOCATIONS = frozenset(("header", "headers", "statusCode"))


# Characters XML 1.0 cannot carry at all, not even as character references.
_UNREPRESENTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _spell_out(match: re.Match) -> str:
    return f"\\u{ord(match.group()):04x}"


def escape(text: str) -> str:
    # Plain ``in`` tests are far cheaper than a translate() table on the common clean string.
    if not text.isprintable():
        # A control character echoed back (a name in an error message) would make the whole
        # document unparseable; spell it out as JSON would.
        text = _UNREPRESENTABLE.sub(_spell_out, text)
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:  # a raw CR would be normalized away by XML parsers
        text = text.replace("\r", "&#13;")
    return text


def escape_attribute(text: str) -> str:
    text = escape(text)
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "\n" in text or "\t" in text:
        text = text.replace("\n", "&#10;").replace("\t", "&#9;")
    return text


def namespace_attribute(namespace: dict | str | None) -> str:
    """`` xmlns="uri"`` or `` xmlns:prefix="uri"`` from an ``xmlNamespace`` trait."""
    if not namespace:
        return ""
    if isinstance(namespace, str):
        return f' xmlns="{escape_attribute(namespace)}"'
    prefix = namespace.get("prefix")
    name = f"xmlns:{prefix}" if prefix else "xmlns"
    return f' {name}="{escape_attribute(namespace["uri"])}"'


def _string_text(value: Any) -> str:
    return escape(value if type(value) is str else str(value))


def text_function(shape: Shape) -> Callable[[Any], str]:
    """How a scalar shape's value is spelled as (escaped) XML text."""
    kind = shape.type_name
    if kind in ("integer", "long"):
        return str
    if kind == "boolean":
        return bool_text
    if kind in ("float", "double"):
        return float_text
    if kind == "timestamp":
        return functools.partial(timestamp_text, timestamp_format=shape.serialization.get("timestampFormat", "iso8601"))
    if kind == "blob":
        return base64_text
    return _string_text


_emitters: dict[tuple[Shape, str], Emit] = {}
_structures: dict[Shape, StructureWriter] = {}


def emitter(shape: Shape, tag: str) -> Emit:
    key = (shape, tag)
    try:
        return _emitters[key]
    except KeyError:
        emit = _emitters[key] = _compile(shape, tag)
        return emit


def structure_writer(shape: Shape) -> StructureWriter:
    try:
        return _structures[shape]
    except KeyError:
        write = _structures[shape] = StructureWriter(shape)
        return write


def _compile(shape: Shape, tag: str) -> Emit:
    kind = shape.type_name
    if kind == "structure":
        write = structure_writer(shape)
        return lambda out, value: write(out, tag, value)
    if kind == "list":
        return _list_emitter(shape, tag)
    if kind == "map":
        return _map_emitter(shape, tag)
    opening, text, closing = _scalar_parts(shape, tag)
    return lambda out, value: out.append(f"{opening}{text(value)}{closing}")


def _scalar_parts(shape: Shape, tag: str) -> tuple[str, Callable[[Any], str], str]:
    namespace = namespace_attribute(shape.serialization.get("xmlNamespace"))
    return f"<{tag}{namespace}>", text_function(shape), f"</{tag}>"


class StructureWriter:
    def __init__(self, shape: Shape):
        serialization = shape.serialization
        self.has_namespace = "xmlNamespace" in serialization
        self._namespace = namespace_attribute(serialization.get("xmlNamespace"))
        self._shape = shape
        self._attributes: list[tuple[str, str, Callable[[Any], str]]] = []
        # member name -> (opening tag, text function, closing tag) for scalars, written
        # inline as the hot path, or (None, emitter, None) for containers.
        self._children: dict[str, tuple] | None = None
        for name, member in shape.members.items():
            if member.serialization.get("xmlAttribute"):
                self._attributes.append((name, member.serialization["name"], text_function(member)))

    def __call__(self, out: list, tag: str, value: dict, attributes: str = "") -> None:
        """``<tag>`` with the members inside; ``attributes`` adds e.g. a root's default xmlns."""
        attributes = self._namespace + attributes
        for name, attribute, text in self._attributes:
            item = value.get(name)
            if item is not None:
                attributes += f' {attribute}="{escape_attribute(text(item))}"'
        out.append(f"<{tag}{attributes}>")
        self.write_members(out, value)
        out.append(f"</{tag}>")

    def write_members(self, out: list, value: dict) -> None:
        """Only the member elements: error bodies put them beside Code and Message."""
        children = self._children if self._children is not None else self._resolve_children()
        append = out.append
        for name, item in value.items():
            child = children.get(name)
            if child is None or item is None:
                continue
            opening, write, closing = child
            if opening is None:
                write(out, item)
            else:
                append(f"{opening}{write(item)}{closing}")

    def _resolve_children(self) -> dict[str, tuple]:
        children: dict[str, tuple] = {}
        for name, member in self._shape.members.items():
            serialization = member.serialization
            if serialization.get("location") in _LOCATIONS or serialization.get("xmlAttribute"):
                continue
            tag = _element_name(name, member)
            if member.type_name in ("structure", "list", "map"):
                children[name] = (None, emitter(member, tag), None)
            else:
                children[name] = _scalar_parts(member, tag)
        self._children = children
        return children


def _element_name(name: str, member: Shape) -> str:
    if member.type_name == "list" and member.serialization.get("flattened"):
        item_name = member.member.serialization.get("name")
        if item_name:
            return item_name
    return member.serialization.get("name", name)


def _list_emitter(shape: Shape, tag: str) -> Emit:
    item_shape = shape.member
    flattened = bool(shape.serialization.get("flattened"))
    item_tag = tag if flattened else item_shape.serialization.get("name", "member")
    opening = f"<{tag}{namespace_attribute(shape.serialization.get('xmlNamespace'))}>"
    closing = f"</{tag}>"
    emit_item: Emit | None = None

    def emit(out: list, value: list) -> None:
        nonlocal emit_item
        emit_item = emit_item or emitter(item_shape, item_tag)
        if not flattened:
            out.append(opening)
        for item in value:
            emit_item(out, item)
        if not flattened:
            out.append(closing)

    return emit


def _map_emitter(shape: Shape, tag: str) -> Emit:
    key_shape, value_shape = shape.key, shape.value
    namespace = namespace_attribute(shape.serialization.get("xmlNamespace"))
    flattened = bool(shape.serialization.get("flattened"))
    entry_open, entry_close = (f"<{tag}{namespace}>", f"</{tag}>") if flattened else ("<entry>", "</entry>")
    # Built on first use: a recursive shape's emitter must exist before its members' are made.
    entry_emitters: tuple[Emit, Emit] | None = None

    def emit(out: list, value: dict) -> None:
        nonlocal entry_emitters
        if entry_emitters is None:
            entry_emitters = (emitter(key_shape, key_shape.serialization.get("name", "key")),
                              emitter(value_shape, value_shape.serialization.get("name", "value")))
        emit_key, emit_value = entry_emitters
        if not flattened:
            out.append(f"<{tag}{namespace}>")
        for key, item in value.items():
            if item is not None:
                out.append(entry_open)
                emit_key(out, key)
                emit_value(out, item)
                out.append(entry_close)
        if not flattened:
            out.append(f"</{tag}>")

    return emit
