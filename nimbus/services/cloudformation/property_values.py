"""DescribeChangeSet with ``IncludePropertyValues``: each resource's properties before and after the change
(``BeforeContext``/``AfterContext``, encoded JSON), and each changed property's detail broken down to the
values that change (``Path``, ``BeforeValue``, ``AfterValue``, ``AttributeChangeType``), as AWS answers.
NoEcho parameter values are masked when the change set is made, before anything is stored."""
from __future__ import annotations

import json
from typing import Any

from . import parameters

_ABSENT = object()


def masked(value: Any, secrets: set[str]) -> Any:
    """``value`` with every NoEcho secret in its strings replaced by the mask."""
    text = json.dumps(value)
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(json.dumps(secret)[1:-1], parameters.MASK)
    return json.loads(text)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    return json.dumps(value, separators=(",", ":")) if isinstance(value, (dict, list)) else str(value)


def _leaves(path: str, before: Any, after: Any) -> list[tuple[str, Any, Any]]:
    """(path, before, after) of every value that differs; a container is compared member by member."""
    if before == after:
        return []
    if isinstance(before, dict) and isinstance(after, dict):
        return [leaf for key in sorted(set(before) | set(after), key=str)
                for leaf in _leaves(f"{path}/{key}", before.get(key, _ABSENT), after.get(key, _ABSENT))]
    if isinstance(before, list) and isinstance(after, list):
        return [leaf for i in range(max(len(before), len(after)))
                for leaf in _leaves(f"{path}/{i}", before[i] if i < len(before) else _ABSENT,
                                    after[i] if i < len(after) else _ABSENT)]
    return [(path, before, after)]


def _expanded(detail: dict, before: dict, after: dict) -> list[dict]:
    name = detail["Target"].get("Name")
    if name is None:  # a nested stack updated automatically: no property of its own changes
        return [detail]
    out = []
    for path, old, new in _leaves(f"/Properties/{name}", before.get(name, _ABSENT), after.get(name, _ABSENT)):
        target = {**detail["Target"], "Path": path,
                  "AttributeChangeType": "Add" if old is _ABSENT else "Remove" if new is _ABSENT else "Modify"}
        if old is not _ABSENT:
            target["BeforeValue"] = _text(old)
        if new is not _ABSENT:
            target["AfterValue"] = _text(new)
        out.append({**detail, "Target": target})
    return out or [detail]


def with_values(change: dict, values: list | None) -> dict:
    """One ResourceChange as IncludePropertyValues shows it, from the stored (before, after) properties."""
    if not values:
        return change
    before, after = values
    out = dict(change)
    if before is not None:
        out["BeforeContext"] = json.dumps({"Properties": before})
    if after is not None:
        out["AfterContext"] = json.dumps({"Properties": after})
    if change["Action"] == "Modify":
        out["Details"] = [d for detail in change["Details"] for d in _expanded(detail, before or {}, after or {})]
    return out
