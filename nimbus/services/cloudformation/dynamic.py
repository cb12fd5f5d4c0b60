"""Dynamic references in resource properties: ``{{resolve:ssm:name[:version]}}`` and
``{{resolve:ssm-secure:name[:version]}}``, read from Parameter Store as the stack when the resource is
made. The template and the stored properties keep the reference, never the value."""
from __future__ import annotations

import re
from typing import Any

from .state import Caller

_REFERENCE = re.compile(r"\{\{resolve:(ssm|ssm-secure):([^}]+)\}\}")


def resolve_references(value: Any, call: Caller) -> Any:
    if isinstance(value, dict):
        return {k: resolve_references(v, call) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_references(v, call) for v in value]
    if isinstance(value, str) and "{{resolve:" in value:
        return _REFERENCE.sub(lambda m: _read(call, m.group(1), m.group(2)), value)
    return value


def _read(call: Caller, kind: str, reference: str) -> str:
    params = {"Name": reference, "WithDecryption": kind == "ssm-secure"}
    return call("ssm", "GetParameter", params)["Parameter"]["Value"]
