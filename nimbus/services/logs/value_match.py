"""Comparisons shared by JSON and space-delimited patterns: values, wildcards, numbers, &&/||."""
from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable

from .common import invalid

OPERATORS = ("<=", ">=", "!=", "=", "<", ">")
NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")


def parse_value(text: str):
    """A pattern's right-hand side: a number, a quoted string, or a bare (possibly wildcard) string."""
    text = text.strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1]
    if NUMBER.match(text):
        return float(text)
    if not text:
        raise invalid("Invalid filter pattern: missing value")
    return text


def check_comparison(operator: str, expected) -> None:
    """Strings compare only with = and != (at compile time, so a bad pattern fails before matching)."""
    if not isinstance(expected, float) and operator not in ("=", "!="):
        raise invalid("Invalid filter pattern: strings can only be compared with = or !=")


def compare(operator: str, actual, expected) -> bool:
    """``actual`` from the event (str / number / bool / None), ``expected`` from the pattern."""
    if isinstance(expected, float):
        number = _as_number(actual)
        if number is None:
            return False
        return {"=": number == expected, "!=": number != expected, "<": number < expected,
                "<=": number <= expected, ">": number > expected, ">=": number >= expected}[operator]
    if not isinstance(actual, str):
        if isinstance(actual, bool) or actual is None:
            return operator == "!="
        actual = _number_text(actual)
    hit = fnmatch.fnmatchcase(actual, expected.replace("[", "[[]")) if "*" in expected else actual == expected
    return hit if operator == "=" else not hit


def _as_number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and NUMBER.match(value.strip()):
        return float(value)
    return None


def _number_text(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


CONDITION = re.compile(r"^\s*(\$?[A-Za-z0-9_\-]+)\s*(<=|>=|!=|=|<|>)\s*(.+?)\s*$")


def compile_condition_expr(text: str) -> Callable[[dict], bool]:
    """``status = 4* || status = 5*`` over named fields (space-delimited patterns)."""
    alternatives = []
    for alternative in text.split("||"):
        parts = []
        for term in alternative.split("&&"):
            match = CONDITION.match(term)
            if match is None:
                raise invalid(f"Invalid filter pattern: {text}")
            name, operator, value = match.group(1), match.group(2), parse_value(match.group(3))
            check_comparison(operator, value)
            parts.append((name, operator, value))
        alternatives.append(parts)

    def evaluate(fields: dict) -> bool:
        return any(all(name in fields and compare(op, fields[name], value) for name, op, value in parts)
                   for parts in alternatives)
    return evaluate


def split_fields(message: str) -> list[str]:
    """Whitespace-separated fields; text in double quotes or square brackets is one field."""
    fields, i, n = [], 0, len(message)
    while i < n:
        if message[i].isspace():
            i += 1
            continue
        if message[i] in '"[':
            close = '"' if message[i] == '"' else "]"
            end = message.find(close, i + 1)
            if end == -1:
                end = n
            fields.append(message[i + 1:end])
            i = end + 1
            continue
        j = i
        while j < n and not message[j].isspace():
            j += 1
        fields.append(message[i:j])
        i = j
    return fields
