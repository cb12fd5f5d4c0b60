"""How drift detection compares a resource's template properties (the expected) with what its handler reads
back from the owning service (the actual), as AWS does:

- only what the template sets explicitly is compared (a property it leaves to its default is not), and
  only the properties the handler can read (a property it does not read is left out of its answer);
- write-only properties (the type's schema lists them) are never compared;
- within a compared property, a member the service adds (a default) is no difference, but a list item
  added or removed is; lists compare as sets, as the schemas' ``insertionOrder: false`` arrays do;
- values compare as text (the template's ``"7"`` equals the service's ``7``; a policy written as JSON
  text equals the same policy as an object).
"""
from __future__ import annotations

import json
from typing import Any

from . import schemas

_ABSENT = object()


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), sort_keys=True)


def _structured(value: Any) -> Any:
    """A policy or other JSON document written as text, as the object it is."""
    if isinstance(value, str) and value.lstrip().startswith(("{", "[")):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _sorted(items: list) -> list:
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, default=str))


def _text(value: Any) -> str:
    return "null" if value is _ABSENT or value is None else _scalar(value)


def differences(expected: Any, actual: Any, path: str = "") -> list[dict[str, str]]:
    """AWS's PropertyDifferences between two values: ``NOT_EQUAL``, ``ADD`` (only in the actual) and
    ``REMOVE`` (only in the expected), each with its ``PropertyPath``."""
    expected, actual = _structured(expected), _structured(actual)
    if isinstance(expected, dict) and isinstance(actual, dict):
        return [d for key in sorted(expected) for d in differences(expected[key], actual.get(key, _ABSENT),
                                                                   f"{path}/{key}")]
    if isinstance(expected, list) and isinstance(actual, list):
        wanted, found = _sorted(expected), _sorted(actual)
        out = [d for i, (e, a) in enumerate(zip(wanted, found)) for d in differences(e, a, f"{path}/{i}")]
        out += [_difference(f"{path}/{i}", item, _ABSENT, "REMOVE") for i, item in enumerate(wanted[len(found):],
                                                                                           len(found))]
        out += [_difference(f"{path}/{i}", _ABSENT, item, "ADD") for i, item in enumerate(found[len(wanted):],
                                                                                        len(wanted))]
        return out
    if actual is _ABSENT or actual is None:
        return [_difference(path, expected, _ABSENT, "REMOVE")]
    if isinstance(expected, (dict, list)) or isinstance(actual, (dict, list)) or _scalar(expected) != _scalar(actual):
        return [_difference(path, expected, actual, "NOT_EQUAL")]
    return []


def _difference(path: str, expected: Any, actual: Any, kind: str) -> dict[str, str]:
    return {"PropertyPath": path, "ExpectedValue": _text(expected), "ActualValue": _text(actual),
            "DifferenceType": kind}


def _drop(value: Any, path: list[str]) -> None:
    """Remove what a schema pointer's ``path`` names (``*``: each item of a list)."""
    head, *rest = path
    if head == "*":
        for item in value if isinstance(value, list) and rest else []:
            _drop(item, rest)
    elif not isinstance(value, dict):
        return
    elif not rest:
        value.pop(head, None)
    else:
        _drop(value.get(head), rest)


def compared(type_name: str, properties: dict, actual: dict) -> tuple[dict, dict]:
    """(expected, actual) as drift detection shows and compares them: the template's properties the handler
    reads, write-only ones left out, and the live values of those properties."""
    expected = json.loads(json.dumps(properties))
    for pointer in schemas.schema(type_name).get("writeOnlyProperties", []):
        _drop(expected, pointer.removeprefix("/properties/").split("/"))
    expected = {k: v for k, v in expected.items() if k in actual}
    return expected, {k: actual[k] for k in expected if actual[k] is not None}
