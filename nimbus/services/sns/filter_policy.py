"""Subscription filter policies: validation and matching, for both scopes.

``MessageAttributes`` scope matches the message's attributes (flat keys); ``MessageBody`` scope
matches the message body parsed as JSON (nested keys). Within a key the rules are ORed, keys are
ANDed, and ``$or`` joins alternative sub-policies, as in AWS.
"""
from __future__ import annotations

import ipaddress
from typing import Any

from nimbus.core.json_text import read_json

from .common import invalid_parameter

MAX_KEYS = 5
MAX_COMBINATIONS = 150
_MISSING = object()
NUMERIC_OPERATORS = ("=", "<", "<=", ">", ">=")


def _error(detail: str):
    return invalid_parameter(f"FilterPolicy: {detail}")


# -- validation -----------------------------------------------------------------------------

def parse(text: str, scope: str) -> dict:
    try:
        policy = read_json(text)
    except ValueError:
        raise _error("failed to parse JSON.") from None
    if not isinstance(policy, dict):
        raise _error("Filter policy must be a JSON object")
    keys, combinations = _check(policy, scope, nested=False)
    if keys > MAX_KEYS:
        raise _error("Filter policy can not have more than 5 keys")
    if combinations > MAX_COMBINATIONS:
        raise _error("Filter policy is too complex")
    return policy


def _check(policy: dict, scope: str, nested: bool) -> tuple[int, int]:
    """(keys, combinations) of a (sub-)policy, raising for a malformed one."""
    keys, combinations = 0, 1
    for key, value in policy.items():
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2:
                raise _error("$or must be an array of at least two objects")
            parts = [_check(p, scope, nested) if isinstance(p, dict) else _raise("$or must hold objects")
                     for p in value]
            keys += max(p[0] for p in parts)
            combinations *= sum(p[1] for p in parts)
        elif isinstance(value, dict):
            if scope != "MessageBody":
                raise _error(f"\"{key}\" must be an object or an array")
            sub_keys, sub_combinations = _check(value, scope, nested=True)
            keys += sub_keys
            combinations *= sub_combinations
        elif isinstance(value, list):
            if not value:
                raise _error("Empty arrays are not allowed")
            for rule in value:
                _check_rule(key, rule)
            keys += 1
            combinations *= len(value)
        else:
            raise _error(f"\"{key}\" must be an object or an array")
    return keys, combinations


def _raise(message: str):
    raise _error(message)


def _check_rule(key: str, rule: Any) -> None:
    if rule is None or isinstance(rule, (str, bool, int, float)):
        return
    if not isinstance(rule, dict) or len(rule) != 1:
        raise _error("Match value must be String, number, true, false, or null")
    (operator, operand), = rule.items()
    if operator in ("prefix", "suffix", "equals-ignore-case"):
        if not isinstance(operand, str):
            raise _error(f"{operator} match pattern must be a string")
    elif operator == "exists":
        if not isinstance(operand, bool):
            raise _error("exists match pattern must be either true or false.")
    elif operator == "anything-but":
        if isinstance(operand, dict):
            if len(operand) != 1 or next(iter(operand)) not in ("prefix", "suffix") \
                    or not isinstance(next(iter(operand.values())), str):
                raise _error("Unsupported anything-but pattern")
        elif isinstance(operand, list):
            if not operand or any(not isinstance(v, (str, int, float)) or isinstance(v, bool) for v in operand):
                raise _error("Inside anything but list, start|null|boolean is not supported.")
        elif not isinstance(operand, (str, int, float)) or isinstance(operand, bool):
            raise _error("Inside anything-but, only string, number or a list of them are supported")
    elif operator == "numeric":
        _numeric_ranges(operand)
    elif operator == "cidr":
        try:
            ipaddress.ip_network(operand, strict=False)
        except (ValueError, TypeError):
            raise _error("Malformed CIDR, one '/' required") from None
    else:
        raise _error(f"Unrecognized match type {operator}")


def _numeric_ranges(operand) -> list[tuple[str, float]]:
    if not isinstance(operand, list) or len(operand) not in (2, 4):
        raise _error("Value of numeric must be an array.")
    pairs = []
    for i in range(0, len(operand), 2):
        op, number = operand[i], operand[i + 1]
        if op not in NUMERIC_OPERATORS or isinstance(number, bool) or not isinstance(number, (int, float)):
            raise _error(f"Unrecognized numeric range operator: {op}")
        pairs.append((op, float(number)))
    if len(pairs) == 2 and (pairs[0][0] not in (">", ">=") or pairs[1][0] not in ("<", "<=")
                            or pairs[0][1] >= pairs[1][1]):
        raise _error("Bad numeric range operator")
    return pairs


# -- matching -------------------------------------------------------------------------------

def matches(policy: dict, values: Any) -> bool:
    """Does a message whose attributes (or parsed body) are ``values`` pass ``policy``?"""
    if not isinstance(values, dict):
        return False
    for key, condition in policy.items():
        if key == "$or":
            if not any(matches({**{k: v for k, v in policy.items() if k != "$or"}, **alternative}, values)
                       for alternative in condition):
                return False
            continue
        value = values.get(key, _MISSING)
        if isinstance(condition, dict):
            if not (isinstance(value, dict) and matches(condition, value)):
                return False
        elif not any(_rule_matches(rule, value) for rule in condition):
            return False
    return True


def _rule_matches(rule: Any, value: Any) -> bool:
    if isinstance(rule, dict) and "exists" in rule:
        return (value is not _MISSING) == rule["exists"]
    if value is _MISSING:
        return False
    if isinstance(value, list):
        return any(_scalar_matches(rule, item) for item in value)
    return _scalar_matches(rule, value)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _scalar_matches(rule: Any, value: Any) -> bool:
    if rule is None or isinstance(rule, bool):
        return value is rule
    if isinstance(rule, str):
        return isinstance(value, str) and value == rule
    if _is_number(rule):
        return _is_number(value) and float(value) == float(rule)
    (operator, operand), = rule.items()
    if operator == "prefix":
        return isinstance(value, str) and value.startswith(operand)
    if operator == "suffix":
        return isinstance(value, str) and value.endswith(operand)
    if operator == "equals-ignore-case":
        return isinstance(value, str) and value.lower() == operand.lower()
    if operator == "numeric":
        return _is_number(value) and all(_compare(op, float(value), n) for op, n in _numeric_ranges(operand))
    if operator == "anything-but":
        return not _anything_but_hit(operand, value)
    if operator == "cidr":
        try:
            return ipaddress.ip_address(value) in ipaddress.ip_network(operand, strict=False)
        except (ValueError, TypeError):
            return False
    return False


def _anything_but_hit(operand, value) -> bool:
    if isinstance(operand, dict):
        (kind, text), = operand.items()
        return isinstance(value, str) and (value.startswith(text) if kind == "prefix" else value.endswith(text))
    for excluded in operand if isinstance(operand, list) else [operand]:
        if _is_number(excluded) and _is_number(value) and float(excluded) == float(value):
            return True
        if isinstance(excluded, str) and value == excluded:
            return True
    return False


def _compare(op: str, value: float, number: float) -> bool:
    return {"=": value == number, "<": value < number, "<=": value <= number,
            ">": value > number, ">=": value >= number}[op]
