"""Condition operators: String*, Numeric*, Date*, Bool, Binary, IpAddress, Arn*, Null,
with ``...IfExists`` and the ``ForAllValues:`` / ``ForAnyValue:`` set qualifiers.

Keys are case-insensitive (the request context is keyed by lower-cased names).
A context value is a string or a list of strings (multivalued keys).
"""
from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from nimbus.core.policy.patterns import glob, has_variables, substitute


def _number(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _date(value: str) -> float | None:
    number = _number(value)
    if number is not None:
        return number
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _compare(convert: Callable[[str], float | None], test: Callable[[float, float], bool]):
    def match(value: str, expected: str) -> bool:
        a, b = convert(value), convert(expected)
        return a is not None and b is not None and test(a, b)
    return match


def _ip(value: str, expected: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(expected, strict=False)
    except ValueError:
        return False


def _arn_like(value: str, expected: str) -> bool:
    # ARNs compare segment by segment: a wildcard never crosses the first five colons.
    got, want = value.split(":", 5), expected.split(":", 5)
    return len(got) == len(want) == 6 and all(glob(w)(g) for g, w in zip(got, want))


_EQ = lambda a, b: a == b  # noqa: E731
# name → (matcher(request value, policy value), negated)
OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "StringEquals": (_EQ, False),
    "StringNotEquals": (_EQ, True),
    "StringEqualsIgnoreCase": (lambda a, b: a.lower() == b.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda a, b: a.lower() == b.lower(), True),
    "StringLike": (lambda a, b: glob(b)(a), False),
    "StringNotLike": (lambda a, b: glob(b)(a), True),
    "NumericEquals": (_compare(_number, lambda a, b: a == b), False),
    "NumericNotEquals": (_compare(_number, lambda a, b: a == b), True),
    "NumericLessThan": (_compare(_number, lambda a, b: a < b), False),
    "NumericLessThanEquals": (_compare(_number, lambda a, b: a <= b), False),
    "NumericGreaterThan": (_compare(_number, lambda a, b: a > b), False),
    "NumericGreaterThanEquals": (_compare(_number, lambda a, b: a >= b), False),
    "DateEquals": (_compare(_date, lambda a, b: a == b), False),
    "DateNotEquals": (_compare(_date, lambda a, b: a == b), True),
    "DateLessThan": (_compare(_date, lambda a, b: a < b), False),
    "DateLessThanEquals": (_compare(_date, lambda a, b: a <= b), False),
    "DateGreaterThan": (_compare(_date, lambda a, b: a > b), False),
    "DateGreaterThanEquals": (_compare(_date, lambda a, b: a >= b), False),
    "Bool": (lambda a, b: a.lower() == b.lower(), False),
    "BinaryEquals": (_EQ, False),
    "IpAddress": (_ip, False),
    "NotIpAddress": (_ip, True),
    "ArnEquals": (_arn_like, False),
    "ArnLike": (_arn_like, False),
    "ArnNotEquals": (_arn_like, True),
    "ArnNotLike": (_arn_like, True),
}
SUBSTITUTING = ("String", "Arn")


@dataclass(frozen=True)
class Condition:
    operator: str  # as written, for diagnostics
    base: str  # without qualifier and IfExists
    key: str  # lower-cased
    values: tuple[str, ...]
    if_exists: bool = False
    qualifier: str | None = None  # ForAllValues | ForAnyValue

    def matches(self, context: dict, variables: bool) -> bool:
        present = context.get(self.key)
        if self.base == "Null":
            absent = present is None or present == []
            return any((v.lower() == "true") == absent for v in self.values)
        if present is None or present == []:
            if self.qualifier == "ForAllValues":
                return True
            if self.qualifier == "ForAnyValue":
                return False
            return self.if_exists or OPERATORS[self.base][1]
        test, negated = OPERATORS[self.base]
        expected = self.values
        if variables and self.base.startswith(SUBSTITUTING) and any(has_variables(v) for v in expected):
            expected = tuple(s for s in (substitute(v, context) for v in expected) if s is not None)
        requested = present if isinstance(present, list) else [present]

        def one(value) -> bool:
            hit = any(test(str(value), e) for e in expected)
            return not hit if negated else hit

        if self.qualifier == "ForAllValues":
            return all(one(v) for v in requested)
        if self.qualifier == "ForAnyValue" or not negated:
            return any(one(v) for v in requested)
        return all(one(v) for v in requested)


def parse_conditions(raw, error: type[Exception]) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise error("Syntax errors in policy. Condition must be an object")
    conditions = []
    for operator, block in raw.items():
        if block == {}:
            continue  # IAM accepts an empty block under any operator name; it constrains nothing
        qualifier, _, name = operator.rpartition(":")
        if qualifier and qualifier not in ("ForAllValues", "ForAnyValue"):
            raise error(f"Syntax errors in policy. Invalid Condition type : {operator}")
        if_exists = name.endswith("IfExists") and name != "IfExists"
        base = name[: -len("IfExists")] if if_exists else name
        if base not in OPERATORS and base != "Null":
            raise error(f"Syntax errors in policy. Invalid Condition type : {operator}")
        if not isinstance(block, dict):
            raise error("Syntax errors in policy. Condition block must be an object of keys")
        for key, values in block.items():
            values = values if isinstance(values, list) else [values]
            if not values or not all(isinstance(v, (str, int, float, bool)) for v in values):
                raise error(f"Syntax errors in policy. Invalid value for condition key {key}")
            strings = tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in values)
            conditions.append(Condition(operator, base, key.lower(), strings, if_exists, qualifier or None))
    return tuple(conditions)
