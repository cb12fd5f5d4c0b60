"""Configuration items as Config's advanced query sees them, and the values a property path reaches in one.

A path reaches through lists: `relationships.resourceId` or `configuration.blockDeviceMappings.deviceName` is
every element's value, and a condition on it holds when any of them satisfies it (AWS's "multiple properties
within an array" behaviour)."""
from __future__ import annotations

import json
from typing import Any

from nimbus.core.json_text import read_json

_MISSING = object()


def query_view(item: dict) -> dict:
    """The item with its JSON-text members parsed and its tags as a list of {key, value, tag}."""
    view = dict(item)
    for name in ("configuration", "supplementaryConfiguration"):
        view[name] = _parsed(view.get(name))
    supplementary = view.get("supplementaryConfiguration")
    if isinstance(supplementary, dict):
        view["supplementaryConfiguration"] = {k: _parsed(v) for k, v in supplementary.items()}
    tags = view.get("tags")
    if isinstance(tags, dict):
        tags = [{"key": k, "value": v} for k, v in tags.items()]
    if isinstance(tags, list):
        view["tags"] = [{"key": t.get("key"), "value": t.get("value"), "tag": f"{t.get('key')}={t.get('value')}"}
                        for t in tags if isinstance(t, dict)]
    return view


def _parsed(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return read_json(value)
        except ValueError:
            return value
    return value


def project(value: Any, segments: list[str]) -> Any:
    """`value` cut down to what `segments` reach, keeping its shape (lists stay lists); _MISSING if nothing."""
    if not segments:
        return value
    if isinstance(value, list):
        kept = [p for p in (project(v, segments) for v in value) if p is not _MISSING]
        return kept if kept else _MISSING
    if isinstance(value, dict) and segments[0] in value:
        inner = project(value[segments[0]], segments[1:])
        return _MISSING if inner is _MISSING else {segments[0]: inner}
    return _MISSING


def leaves(value: Any, segments: list[str]) -> list[Any]:
    """Every scalar the path reaches, lists flattened."""
    if isinstance(value, list):
        return [leaf for v in value for leaf in leaves(v, segments)]
    if not segments:
        return [] if value is None or isinstance(value, dict) else [value]
    if isinstance(value, dict) and segments[0] in value:
        return leaves(value[segments[0]], segments[1:])
    return []


def text(value: Any) -> str:
    """A scalar as the query compares it: booleans as true/false, numbers without a needless .0."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def output_json(view: dict, segments: list[str]) -> str | None:
    """The JSON of what the path reaches under its first segment, for a result row (None: nothing)."""
    projected = project(view, segments)
    if projected is _MISSING:
        return None
    return json.dumps(projected[segments[0]], separators=(",", ":"), default=str)


def merge(into: dict, addition: dict) -> None:
    """Deep-merge one path's projection into a result row (two paths under `configuration` share it)."""
    for key, value in addition.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = value
