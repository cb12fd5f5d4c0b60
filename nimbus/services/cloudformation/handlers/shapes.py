"""A template's property values in the types an API's model wants.

Templates may write numbers and booleans as strings (YAML ``"60"``, JSON ``"true"``, or a parameter's
value, which is always a string); CloudFormation converts them to what the resource's API takes. This does
the same, driven by the owning service's botocore model, so a handler can pass a template's nested
configuration through unchanged.
"""
from __future__ import annotations

from typing import Any

from botocore.model import Shape

from nimbus.protocol import models

_NUMBERS = {"integer": int, "long": int, "float": float, "double": float}


def _conform(shape: Shape, value: Any) -> Any:
    if shape.type_name == "structure" and isinstance(value, dict):
        members = shape.members  # type: ignore[attr-defined]
        return {k: _conform(members[k], v) if k in members else v for k, v in value.items()}
    if shape.type_name == "list" and isinstance(value, list):
        return [_conform(shape.member, v) for v in value]  # type: ignore[attr-defined]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: _conform(shape.value, v) for k, v in value.items()}  # type: ignore[attr-defined]
    if isinstance(value, str):
        if shape.type_name in _NUMBERS:
            try:
                return _NUMBERS[shape.type_name](value)
            except ValueError:
                return value  # the API's own validation answers
        if shape.type_name == "boolean" and value.lower() in ("true", "false"):
            return value.lower() == "true"
    return value


def conform(service: str, operation: str, params: dict) -> dict:
    """``params`` with every string the operation's input shape wants as a number or boolean converted."""
    shape = models.operation_model(service, operation).input_shape
    return _conform(shape, params) if shape is not None else params
