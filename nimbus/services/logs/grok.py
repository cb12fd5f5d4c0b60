"""The ``grok`` transformer processor: ``%{PATTERN:field}`` expressions over the message, compiled to one RE2
expression (linear time, as a pattern a caller writes must be) whose named groups become the record's fields;
``%{NUMBER:field:int}`` / ``:float`` convert the value."""
from __future__ import annotations

import functools
import re

from nimbus.core.linear_regex import compile_linear, error

# The common patterns of AWS's grok processor (its list is longer; see docs/services/logs.md).
PATTERNS = {
    "WORD": r"\b\w+\b", "NOTSPACE": r"\S+", "SPACE": r"\s*", "DATA": r".*?", "GREEDYDATA": r".*",
    "INT": r"[+-]?\d+", "NUMBER": r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", "BASE10NUM": r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)",
    "POSINT": r"\b[1-9]\d*\b", "IPV4": r"(?:\d{1,3}\.){3}\d{1,3}", "IP": r"(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f:]+:[0-9A-Fa-f:]*",
    "HOSTNAME": r"\b[0-9A-Za-z][0-9A-Za-z\-]{0,62}(?:\.[0-9A-Za-z][0-9A-Za-z\-]{0,62})*\.?",
    "USERNAME": r"[a-zA-Z0-9._-]+", "USER": r"[a-zA-Z0-9._-]+", "EMAILADDRESS": r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+",
    "UUID": r"[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}",
    "LOGLEVEL": r"(?i:trace|debug|info|notice|warn(?:ing)?|err(?:or)?|crit(?:ical)?|fatal|severe|emerg(?:ency)?)",
    "TIMESTAMP_ISO8601": r"\d{4}-\d{2}-\d{2}[T ]\d{2}:?\d{2}(?::?\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?",
    "HTTPDATE": r"\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}",
    "QUOTEDSTRING": r'"(?:[^"\\]|\\.)*"', "URIPATH": r"(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_\-]*)+",
    "URIPARAM": r"\?[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\-\[\]<>]*",
    "URIPATHPARAM": r"(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_\-]*)+(?:\?[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\-\[\]<>]*)?",
}
TOKEN = re.compile(r"%\{(\w+)(?::([A-Za-z_][A-Za-z0-9_]*))?(?::(int|float))?\}")
CONVERT = {"int": int, "float": float}


class GrokError(ValueError):
    pass


@functools.lru_cache(maxsize=128)
def compile_grok(match: str):
    """(compiled RE2 expression, {field: conversion}); GrokError for an unknown pattern or a bad expression."""
    conversions: dict[str, str] = {}
    parts, at = [], 0
    for token in TOKEN.finditer(match):
        parts.append(match[at:token.start()])
        name, field, kind = token.groups()
        if name not in PATTERNS:
            raise GrokError(f"Unknown grok pattern: {name}")
        if field:
            parts.append(f"(?P<{field}>{PATTERNS[name]})")
            if kind:
                conversions[field] = kind
        else:
            parts.append(f"(?:{PATTERNS[name]})")
        at = token.end()
    parts.append(match[at:])
    try:
        return compile_linear("".join(parts)), conversions
    except error as problem:
        raise GrokError(f"Invalid grok expression: {problem}") from None


def grok(match: str, text: str) -> dict | None:
    expression, conversions = compile_grok(match)
    found = expression.search(text)
    if found is None:
        return None
    record = {}
    for field, value in found.groupdict().items():
        if value is None:
            continue
        try:
            record[field] = CONVERT[conversions[field]](value) if field in conversions else value
        except ValueError:
            record[field] = value
    return record
