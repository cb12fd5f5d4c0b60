"""CloudFormation's resource provider schemas, as the cfn-lint package ships them (AWS's own registry
schemas, kept current by cfn-lint's releases): which types exist, which properties a type has and
which of them are create-only (a change replaces the resource).

The files are read directly (``providers/us-east-1.json`` maps each type to its schema file), not
through cfn-lint's schema manager, which may write a cache under the user's home.
"""
from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path
from typing import Any

CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"  # its schema lists three properties; AWS passes any on
# The package is found, not imported: importing cfnlint loads its linter and sympy, seconds of imports that a
# schema lookup does not need.
_CFNLINT = importlib.util.find_spec("cfnlint")
assert _CFNLINT is not None and _CFNLINT.origin is not None, "cfn-lint is a dependency of nimbus"
_SCHEMAS = Path(_CFNLINT.origin).resolve().parent / "data" / "schemas"


@functools.cache
def _catalog() -> dict[str, str]:
    return json.loads((_SCHEMAS / "providers" / "us-east-1.json").read_text())


def exists(type_name: str) -> bool:
    """A type AWS defines (whether or not nimbus serves it)."""
    return type_name in _catalog() or type_name.startswith("Custom::")


@functools.cache
def schema(type_name: str) -> dict[str, Any]:
    digest = _catalog().get(type_name)
    return json.loads((_SCHEMAS / "resources" / f"{digest}.json").read_text()) if digest else {}


def _at(properties: dict, path: list[str]) -> Any:
    value: Any = properties
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def replaced_by(type_name: str, old: dict, new: dict) -> list[str]:
    """The create-only properties whose values differ: any of them means replacement."""
    changed = []
    for pointer in schema(type_name).get("createOnlyProperties", []):
        path = pointer.removeprefix("/properties/").split("/")
        if "*" not in path and _at(old, path) != _at(new, path):
            changed.append(".".join(path))
    return changed


def unknown_properties(type_name: str, properties: dict) -> list[str]:
    """Top-level properties the type's schema does not declare (when it forbids others)."""
    declared = schema(type_name)
    if not declared or declared.get("additionalProperties", True) or type_name == CUSTOM_RESOURCE:
        return []
    return sorted(set(properties) - set(declared.get("properties", {})))


def violation(type_name: str, properties: dict) -> str:
    """What the type's schema refuses in ``properties``, in AWS's words ("#: ..."); empty when nothing."""
    extra = unknown_properties(type_name, properties)
    if extra:
        return f"#: extraneous key [{extra[0]}] is not permitted"
    missing = [n for n in schema(type_name).get("required", []) if n not in properties]
    return f"#: required key [{missing[0]}] not found" if missing else ""
