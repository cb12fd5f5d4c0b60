"""A browser upload's policy document: its expiration and its conditions, with S3's answers.

Every form field but the signature's own must be named by some condition ("Extra input fields");
each condition is ``{"field": value}`` or ``["eq" | "starts-with", "$field", value]`` or
``["content-length-range", min, max]``.
"""
from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from nimbus.protocol.errors import ServiceError


def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidPolicyDocument", f"Invalid Policy: {message}", status=400)


def _denied(message: str) -> ServiceError:
    return ServiceError("AccessDenied", f"Invalid according to Policy: {message}", status=403)


def _load(policy: str) -> dict:
    try:
        document = json.loads(base64.b64decode(policy, validate=False))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _invalid("Invalid JSON.") from None
    if not isinstance(document, dict):
        raise _invalid("Invalid JSON.")
    return document


def _expiration(value) -> float:
    if not isinstance(value, str):
        raise _invalid("Policy missing expiration.")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise _invalid("Invalid 'expiration' value: '" + value + "'") from None


def check_policy(policy: str, fields: dict[str, str], size: int, now: float) -> None:
    """``fields``: the form's fields that conditions must cover (lower-cased), with bucket and key."""
    document = _load(policy)
    if "expiration" not in document:
        raise _invalid("Policy missing expiration.")
    if _expiration(document["expiration"]) <= now:
        raise _denied("Policy expired.")
    conditions = document.get("conditions")
    if not isinstance(conditions, list):
        raise _invalid("Policy missing conditions.")
    covered = {"bucket"}
    for condition in conditions:
        covered.add(_check(condition, fields, size))
    extra = sorted(name for name in fields if name not in covered)
    if extra:
        raise _denied("Extra input fields: " + ", ".join(extra))


def _check(condition, fields: dict[str, str], size: int) -> str:
    """Apply one condition; returns the field it covers."""
    if isinstance(condition, dict):
        if len(condition) != 1:
            raise _invalid("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
        (name, expected), = condition.items()
        name = name.lower()
        if fields.get(name) != expected:
            raise _denied(f'Policy Condition failed: ["eq", "${name}", {json.dumps(expected)}]')
        return name
    if not isinstance(condition, list) or not condition or not isinstance(condition[0], str):
        raise _invalid("Invalid Condition: conditions must be objects or arrays.")
    operator = condition[0].lower()
    if operator == "content-length-range":
        return _length_range(condition, size)
    if operator not in ("eq", "starts-with") or len(condition) != 3 or not isinstance(condition[1], str) \
            or not condition[1].startswith("$"):
        raise _invalid(f"Invalid Condition: {json.dumps(condition)}")
    name, expected = condition[1][1:].lower(), condition[2]
    actual = fields.get(name, "")
    ok = actual == expected if operator == "eq" else actual.startswith(str(expected))
    if not ok:
        raise _denied(f"Policy Condition failed: {json.dumps([condition[0], condition[1], expected])}")
    return name


def _length_range(condition: list, size: int) -> str:
    if len(condition) != 3 or not all(isinstance(v, int) for v in condition[1:]):
        raise _invalid("Invalid content-length-range: the bounds must be integers.")
    low, high = condition[1], condition[2]
    if size > high:
        raise ServiceError("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", status=400,
                           ProposedSize=str(size), MaxSizeAllowed=str(high))
    if size < low:
        raise ServiceError("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size",
                           status=400, ProposedSize=str(size), MinSizeAllowed=str(low))
    return "content-length"
