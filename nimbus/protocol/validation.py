"""Checking parsed request parameters against the model's constraints, worded as AWS words them.

AWS rejects a request that breaks its model with one error listing every violation::

    2 validation errors detected: Value '0' at 'numberOfBytes' failed to satisfy constraint:
    Member must have value greater than or equal to 1; Value 'x' at 'keySpec' failed to
    satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]

Paths lower-case the first letter of each member name; list elements are ``tags.1.member``
(1-based) and map values ``attributes.KEY.member``.  A map's own keys and values are judged
as a whole: one ``Map keys must satisfy constraint: [...]`` naming all the key shape's
constraints, however many keys break them.  Violations are listed in model member order.

Each shape is compiled once into a ``_Node`` of small rule closures, so validating a typical
request costs a few microseconds.
"""
from __future__ import annotations

import functools
import itertools
import re
import sys
import threading
import unicodedata
import warnings
import weakref
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.model import OperationModel, ServiceModel, Shape

from nimbus.protocol.errors import ValidationError

__all__ = ["validate_input"]

_NOT_NULL = "Member must not be null"
_Rule = tuple[Callable[[Any], bool], str]  # (fails(value), the constraint as AWS states it)
_Walk = Callable[[object, str, list], None]


def validate_input(operation_model: OperationModel, params: dict, protocol: str) -> None:
    """Raise ValidationError listing every way ``params`` breaks the operation's input shape."""
    plan = _plan(operation_model)
    if plan is None or plan.walk is None:
        return
    errors: list[str] = []
    plan.walk(params, "", errors)
    if errors:
        count = len(errors)
        raise ValidationError(
            f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(errors),
            code="ValidationError" if protocol in ("query", "ec2") else "ValidationException",
        )


# -- compiled plans ---------------------------------------------------------------------------

# Plans belong to the model object, not to a (service, shape) name: throwaway models (tests)
# reuse names with other meanings.  Weak keys let a plan go with its model.
_plans: weakref.WeakKeyDictionary[OperationModel, _Node | None] = weakref.WeakKeyDictionary()
_nodes: weakref.WeakKeyDictionary[ServiceModel, dict[str, _Node]] = weakref.WeakKeyDictionary()
# A container node is registered before its contents are compiled (recursive shapes need that),
# so other threads may only see a plan once the compile that made it has finished.
_compiling = threading.Lock()


def _plan(operation_model: OperationModel) -> _Node | None:
    try:
        return _plans[operation_model]
    except KeyError:
        pass
    with _compiling:
        shape = operation_model.input_shape
        nodes = _nodes.setdefault(operation_model.service_model, {})
        plan = _plans[operation_model] = None if shape is None else _node(shape, nodes)
    return plan


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _anything(value) -> bool:
    return True


_ACCEPTS: dict[str, Callable[[object], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": _is_int,
    "long": _is_int,
    "float": _is_number,
    "double": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "blob": lambda v: isinstance(v, (bytes, bytearray, memoryview)),
    "timestamp": lambda v: isinstance(v, datetime),
    "structure": lambda v: isinstance(v, dict),
    "map": lambda v: isinstance(v, dict),
    "list": lambda v: isinstance(v, (list, tuple)),
}


class _Node:
    """One shape's checks: its own rules, then (for containers) ``walk`` over its contents."""

    __slots__ = ("shape", "accepts", "rules", "walk", "_hidden")

    def __init__(self, shape: Shape, rules: list[_Rule], accepts=None):
        self.shape = shape
        self.accepts = accepts or _ACCEPTS.get(shape.type_name, _anything)
        self.rules = rules
        self.walk: _Walk | None = None
        self._hidden: bool | None = None

    def violations(self, value) -> list[str]:
        if not self.accepts(value):
            return [f"Member must be of type {self.shape.type_name}"]
        return [text for fails, text in self.rules if fails(value)]

    def complaint(self, value, path: str, text: str) -> str:
        if self._hidden is None:
            self._hidden = _conceals(self.shape)
        return _complaint(value, path, text, self._hidden)


def _node(shape: Shape, nodes: dict[str, _Node]) -> _Node:
    if not _inspectable(shape):
        return _Node(shape, [], accepts=_anything)
    walker = _WALKERS.get(shape.type_name)
    if walker is None:
        # AWS does not enforce `min` on header and uri values, and an empty uri label is the
        # router's business.  Only scalars sit there, so containers can be shared by name.
        location = shape.serialization.get("location")
        rules = _rules(shape, enforce_min=location not in ("uri", "header"))
        if location == "uri":
            rules = [(_unless_empty(fails), text) for fails, text in rules]
        return _Node(shape, rules)
    node = nodes.get(shape.name)
    if node is None:
        node = nodes[shape.name] = _Node(shape, _rules(shape))
        node.walk = walker(node, nodes)
    return node


def _unless_empty(fails: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value != "" and fails(value)


def _inspectable(shape: Shape) -> bool:
    """Streams, event streams and free-form documents have no constraints to check."""
    ser = shape.serialization
    return not (
        ser.get("streaming") or ser.get("eventstream") or ser.get("jsonvalue")
        or shape.metadata.get("document")
    )


def _rules(shape: Shape, enforce_min: bool = True) -> list[_Rule]:
    meta, kind = shape.metadata, shape.type_name
    low, high = meta.get("min"), meta.get("max")
    rules: list[_Rule] = []
    if kind in ("string", "blob", "list", "map"):
        if high is not None:
            rules.append((lambda v: len(v) > high,
                          f"Member must have length less than or equal to {high}"))
        if low and enforce_min:
            rules.append((lambda v: len(v) < low,
                          f"Member must have length greater than or equal to {low}"))
    elif kind in ("integer", "long", "float", "double"):
        # AWS prints a floating-point bound as Java does: 1.0, not 1.
        shown = float if kind in ("float", "double") else int
        if high is not None:
            rules.append((lambda v: v > high,
                          f"Member must have value less than or equal to {shown(high)}"))
        if low is not None:
            rules.append((lambda v: v < low,
                          f"Member must have value greater than or equal to {shown(low)}"))
    if kind == "string":
        if "pattern" in meta:
            rules.append(_pattern_rule(meta["pattern"]))
        if shape.enum:
            allowed = frozenset(shape.enum)
            rules.append((lambda v: v not in allowed,
                          f"Member must satisfy enum value set: [{', '.join(shape.enum)}]"))
    return rules


def _pattern_rule(pattern: str) -> _Rule:
    compiled: list[re.Pattern | None] = []  # on first use: most members never see a value

    def fails(value) -> bool:
        if not compiled:
            compiled.append(_regex(pattern))
        return compiled[0] is not None and compiled[0].fullmatch(value) is None

    return fails, f"Member must satisfy regular expression pattern: {pattern}"


def _visit(node: _Node, value, parent: str, label: str, errors: list[str]) -> None:
    if node.walk is None and node.accepts(value):
        # The common case, a sound scalar, must not pay for spelling out its path.
        for fails, _ in node.rules:
            if fails(value):
                break
        else:
            return
    path = f"{parent}.{label}" if parent else label
    errors.extend(node.complaint(value, path, text) for text in node.violations(value))
    if node.walk is not None and node.accepts(value):
        node.walk(value, path, errors)


def _structure_walker(node: _Node, nodes: dict[str, _Node]) -> _Walk:
    required = set(node.shape.required_members)
    members = [
        (name, name[:1].lower() + name[1:], name in required, _node(member, nodes))
        for name, member in node.shape.members.items()
    ]

    def walk(value, path, errors):
        for name, label, needed, member in members:
            item = value.get(name)
            if item is not None:
                _visit(member, item, path, label, errors)
            elif needed:
                errors.append(_complaint(None, f"{path}.{label}" if path else label, _NOT_NULL))

    return walk


def _sparse(shape: Shape) -> bool:
    # botocore keeps `sparse` (null elements allowed) out of Shape.metadata.
    return bool(shape._shape_model.get("sparse"))


def _list_walker(node: _Node, nodes: dict[str, _Node]) -> _Walk:
    member, sparse = _node(node.shape.member, nodes), _sparse(node.shape)

    def walk(value, path, errors):
        for index, item in enumerate(value, 1):
            if item is not None:
                _visit(member, item, path, f"{index}.member", errors)
            elif not sparse:
                errors.append(_complaint(None, f"{path}.{index}.member", _NOT_NULL))

    return walk


def _map_walker(node: _Node, nodes: dict[str, _Node]) -> _Walk:
    keys, values = _node(node.shape.key, nodes), _node(node.shape.value, nodes)
    sparse = _sparse(node.shape)

    def summarise(what: str, part: _Node, items, whole, path, errors):
        bad = dict.fromkeys(
            text for item in items
            for text in (part.violations(item) if item is not None else (_NOT_NULL,))
        )
        if bad:
            # AWS names every constraint of the key (value) shape, not only the broken ones.
            stated = ", ".join(dict.fromkeys([*(text for _, text in part.rules), *bad]))
            text = f"{what} must satisfy constraint: [{stated}]"
            errors.append(node.complaint(whole, path, text))

    def walk(value, path, errors):
        summarise("Map keys", keys, value.keys(), value, path, errors)
        present = (v for v in value.values() if v is not None) if sparse else value.values()
        summarise("Map value", values, present, value, path, errors)
        if values.walk is not None:
            for key, item in value.items():
                if item is not None and values.accepts(item):
                    values.walk(item, f"{path}.{key}.member", errors)

    return walk


_WALKERS = {"structure": _structure_walker, "list": _list_walker, "map": _map_walker}


# -- messages ---------------------------------------------------------------------------------

def _complaint(value, path: str, text: str, hidden: bool = False) -> str:
    if value is None:
        shown = "Value null"
    elif hidden:
        shown = "Value"  # AWS leaves sensitive values out: "Value at 'password' failed ..."
    else:
        shown = f"Value '{_render(value)}'"
    return f"{shown} at '{path}' failed to satisfy constraint: {text}"


def _render(value) -> str:
    """The value as AWS's Java service prints it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray, memoryview)):
        size = len(value)
        return f"java.nio.HeapByteBuffer[pos=0 lim={size} cap={size}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_render(k)}={_render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_render, value)) + "]"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _conceals(shape: Shape) -> bool:
    """Whether printing a value of ``shape`` could print something the model marks sensitive."""
    seen: set[str] = set()
    pending = [shape]
    while pending:
        current = pending.pop()
        if current.metadata.get("sensitive"):
            return True
        if current.name in seen:
            continue
        seen.add(current.name)
        if current.type_name == "structure":
            pending.extend(current.members.values())
        elif current.type_name == "list":
            pending.append(current.member)
        elif current.type_name == "map":
            pending.extend((current.key, current.value))
    return False


# -- Java regular expressions -----------------------------------------------------------------

@functools.cache
def _regex(pattern: str) -> re.Pattern | None:
    """The model's Java pattern compiled for Python, or None when it cannot be translated."""
    try:
        with warnings.catch_warnings():
            # Python warns that '||' or '--' inside a class may change meaning one day; today
            # it reads them literally, as Java does.
            warnings.simplefilter("ignore", FutureWarning)
            # Java's \w, \d, \s and \b are ASCII-only unless asked otherwise.
            return re.compile(_python_pattern(pattern), re.ASCII)
    except re.error:
        return None


_JAVA_TOKEN = re.compile(
    r"\\[pP](?:\{\w+\}|\w)"  # property class
    r"|\\x\{[0-9a-fA-F]+\}"  # code point
    r"|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"  # UTF-16 surrogate pair
    r"|\\.|&&|[\[\]]|[^\\\[\]&]+|&",
    re.DOTALL,
)
_SHORTHANDS = frozenset(("\\w", "\\W", "\\s", "\\S", "\\d", "\\D"))


def _python_pattern(pattern: str) -> str:
    out, in_class, after_set = [], False, False
    for token in _JAVA_TOKEN.findall(pattern):
        follows_set, after_set = after_set, False
        if token[:2] in ("\\p", "\\P"):
            ranges = _property(token[2:].strip("{}"))
            if token[1] == "P":
                ranges = _complement(ranges)
            body = "".join(
                f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges
            )
            token, after_set = (body if in_class else f"[{body}]"), True
        elif token.startswith("\\x{"):
            token = _code_point(int(token[3:-1], 16))
        elif token.startswith("\\u") and len(token) == 12:
            # Java patterns match UTF-16, so astral ranges are written as surrogate pairs.
            high, low = int(token[2:6], 16), int(token[8:12], 16)
            token = _code_point(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
        elif token == "\\z":
            token = "\\Z"
        elif token in _SHORTHANDS:
            after_set = True
        elif in_class and token in ("[", "&&"):
            # Java's class union and intersection; Python would read them as literals.
            raise re.error(f"unsupported character class operator: {token}")
        elif in_class and follows_set and token.startswith("-"):
            # Java reads '-' after a class such as \w as itself; Python wants a range.
            token = "\\" + token
        elif token == "[":
            in_class = True
        elif token == "]":
            in_class = False
        out.append(token)
    return "".join(out)


def _code_point(code: int) -> str:
    if code > sys.maxunicode:
        raise re.error(f"code point out of range: {code:x}")
    return f"\\U{code:08x}"


_Ranges = tuple[tuple[int, int], ...]

# Java's POSIX classes, which are ASCII-only.
_POSIX: dict[str, _Ranges] = {
    "Lower": ((0x61, 0x7A),),
    "Upper": ((0x41, 0x5A),),
    "ASCII": ((0x00, 0x7F),),
    "Alpha": ((0x41, 0x5A), (0x61, 0x7A)),
    "Digit": ((0x30, 0x39),),
    "Alnum": ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)),
    "Punct": ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)),
    "Graph": ((0x21, 0x7E),),
    "Print": ((0x20, 0x7E),),
    "Blank": ((0x09, 0x09), (0x20, 0x20)),
    "Cntrl": ((0x00, 0x1F), (0x7F, 0x7F)),
    "XDigit": ((0x30, 0x39), (0x41, 0x46), (0x61, 0x66)),
    "Space": ((0x09, 0x0D), (0x20, 0x20)),
}


@functools.cache
def _property(name: str) -> _Ranges:
    """Code point ranges of a Java ``\\p{name}``: a POSIX class or a Unicode general category."""
    if name in _POSIX:
        return _POSIX[name]
    category = name[2:] if name.startswith("Is") else name
    parts = sorted(
        r for cat, ranges in _categories().items() if cat.startswith(category) for r in ranges
    ) if len(category) in (1, 2) else None
    if not parts:
        raise re.error(f"unsupported property: \\p{{{name}}}")
    merged: list[tuple[int, int]] = []
    for lo, hi in parts:
        if merged and lo == merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return tuple(merged)


@functools.lru_cache(maxsize=1)
def _categories() -> dict[str, list[tuple[int, int]]]:
    # Python's re has no \p{..}; one pass over every code point (about a third of a second)
    # turns each Unicode category into ranges, the first time a pattern needs one.
    table: dict[str, list[tuple[int, int]]] = {}
    start = 0
    categories = map(unicodedata.category, map(chr, range(sys.maxunicode + 1)))
    for category, run in itertools.groupby(categories):
        end = start + sum(1 for _ in run)
        table.setdefault(category, []).append((start, end - 1))
        start = end
    return table


def _complement(ranges: _Ranges) -> _Ranges:
    out, next_free = [], 0
    for lo, hi in ranges:
        if lo > next_free:
            out.append((next_free, lo - 1))
        next_free = hi + 1
    if next_free <= sys.maxunicode:
        out.append((next_free, sys.maxunicode))
    return tuple(out)
