"""What CloudTrail must not see of a call: secrets in its parameters and response replaced, as AWS records them.

Members whose shape the model marks ``sensitive`` are hidden; so are the member names a provider lists in
``REDACTED_MEMBERS`` (blobs such as KMS's CiphertextBlob that AWS keeps out of CloudTrail although the model does
not mark them). Which members of a shape can hold a secret depends only on the shape, so it is worked out once per
(shape, hidden names): a redaction then visits only those members, and a document whose shape holds none is
recorded as it is, without a walk over every member and list item (2 to 5 µs of every recorded Encrypt; a PutRecords
of 500 records walked them all).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"

Walker = Callable[[Any], Any]  # a non-None value of the shape -> what may be recorded of it
_HIDE = object()  # a member hidden whatever its value, None too
# Per (the model's shape resolver, shape name, sensitive, hidden names): botocore makes a new Shape object at every
# reference to a shape, but what a walker does depends only on the named definition and a member's sensitive trait.
# The resolver is kept with its walker, so its id stays its own.
_walkers: dict[tuple[int, str, bool, frozenset[str]], tuple[Any, Walker | None]] = {}


def redact(shape, value, hidden: frozenset[str] = frozenset()):
    """``value`` with secrets replaced; parts that hold none are the caller's own objects, not copies."""
    walker = None if value is None else walker_for(shape, hidden)
    return value if walker is None else walker(value)


def walker_for(shape, hidden: frozenset[str] = frozenset()) -> Walker | None:
    """What ``redact(shape, value, hidden)`` runs on a non-None value; None when it returns the value as it is."""
    return None if shape is None else _walker(shape, hidden)


def _walker(shape, hidden: frozenset[str]) -> Walker | None:
    """What redacts a non-None value of ``shape``; None when the shape cannot hold a secret."""
    resolver = shape._shape_resolver
    key = (id(resolver), shape.name, bool(shape.metadata.get("sensitive")), hidden)
    found = _walkers.get(key)
    if found is not None and found[0] is resolver:
        return found[1]
    # While this shape is worked out, a shape inside it that refers back to it (a recursive model) finds this
    # stand-in, which looks the finished walker up when it runs.
    _walkers[key] = (resolver, lambda value: redact(shape, value, hidden))
    walker = _compile(shape, hidden)
    _walkers[key] = (resolver, walker)
    return walker


def _compile(shape, hidden: frozenset[str]) -> Walker | None:
    if shape.metadata.get("sensitive"):
        return _hidden
    kind = shape.type_name
    if kind == "structure":
        return _structure_walker(shape, hidden)
    if kind == "list":
        return _list_walker(_walker(shape.member, hidden))
    if kind == "map":
        return _map_walker(_walker(shape.value, hidden))
    return None


def _hidden(value: Any) -> str:
    return HIDDEN


def _structure_walker(shape, hidden: frozenset[str]) -> Walker | None:
    plan: dict[str, Any] = dict.fromkeys(hidden, _HIDE)  # a hidden name is hidden wherever it appears
    for name, member in shape.members.items():
        if name not in plan and (walker := _walker(member, hidden)) is not None:
            plan[name] = walker
    if not plan:
        return None

    def walk(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out = None
        for name, item in value.items():  # a structure's few members, where the plan may name many
            action = plan.get(name)
            if action is not None:
                if out is None:
                    out = dict(value)  # in the value's own order, as a walk over every member kept it
                out[name] = HIDDEN if action is _HIDE else (None if item is None else action(item))
        return value if out is None else out

    return walk


def _list_walker(item_walker: Walker | None) -> Walker | None:
    if item_walker is None:
        return None
    return lambda value: ([None if item is None else item_walker(item) for item in value]
                          if isinstance(value, list) else value)


def _map_walker(item_walker: Walker | None) -> Walker | None:
    if item_walker is None:
        return None
    return lambda value: ({key: None if item is None else item_walker(item) for key, item in value.items()}
                          if isinstance(value, dict) else value)
