"""CloudWatch Logs filter patterns: compile once, then ``matcher(message) -> bool``.

Three syntaxes, chosen by the first character as AWS does:
- terms: ``ERROR``, ``"quoted phrase"``, ``-excluded``, ``?either ?or`` (and ``%regex%``);
- JSON: ``{ $.a.b = "x*" && ($.n > 5 || $.c IS NULL) }`` with IS TRUE/FALSE/NULL, NOT EXISTS;
- space-delimited: ``[ip, user, ..., status = 4*, bytes > 1000]``.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from nimbus.core.linear_regex import compile_linear
from nimbus.core.linear_regex import error as linear_regex_error

from .common import invalid
from .json_pattern import compile_json_pattern
from .value_match import compile_condition_expr, split_fields

Matcher = Callable[[str], bool]


def compile_pattern(text: str) -> Matcher:
    pattern = text.strip()
    if not pattern or pattern == '""':
        return lambda message: True
    if pattern.startswith("{"):
        return compile_json_pattern(pattern)
    if pattern.startswith("["):
        return _compile_space_delimited(pattern)
    return _compile_terms(pattern)


# -- terms ----------------------------------------------------------------------------------

TERM_TOKEN = re.compile(r'([-?]?)(?:"((?:[^"\\]|\\.)*)"|%([^%]+)%|(\S+))')


def _compile_terms(pattern: str) -> Matcher:
    required, excluded, optional = [], [], []
    position = 0
    while position < len(pattern):
        if pattern[position].isspace():
            position += 1
            continue
        match = TERM_TOKEN.match(pattern, position)
        if match is None:
            raise invalid(f"Invalid filter pattern: {pattern}")
        position = match.end()
        sign, quoted, regex, bare = match.groups()
        if regex is not None:
            try:
                compiled = compile_linear(regex)  # linear time: see core/linear_regex.py
            except linear_regex_error:
                raise invalid(f"Invalid regex in filter pattern: {regex}") from None
            test = compiled.search
        else:
            term = quoted.replace('\\"', '"') if quoted is not None else bare
            if bare is not None and '"' in bare:
                raise invalid(f"Invalid filter pattern: {pattern}")
            test = (lambda t: lambda message: t in message)(term)
        {"-": excluded, "?": optional, "": required}[sign].append(test)

    def matches(message: str) -> bool:
        if any(not test(message) for test in required):
            return False
        if any(test(message) for test in excluded):
            return False
        return not optional or any(test(message) for test in optional)
    return matches


# -- space-delimited ----------------------------------------------------------------------------

def _compile_space_delimited(pattern: str) -> Matcher:
    names, conditions = _slots(pattern)

    def matches(message: str) -> bool:
        bound = _bind(names, split_fields(message))
        return bound is not None and all(condition(bound) for condition in conditions)
    return matches


def space_delimited_fields(pattern: str, message: str) -> dict | None:
    """The named (and ``$1``...) fields of a message a space-delimited pattern matches; None otherwise.
    Metric filters take their values and dimensions from them."""
    names, conditions = _slots(pattern.strip())
    bound = _bind(names, split_fields(message))
    if bound is None or not all(condition(bound) for condition in conditions):
        return None
    return bound


def _slots(pattern: str) -> tuple[list, list]:
    if not pattern.endswith("]"):
        raise invalid(f"Invalid filter pattern: {pattern}")
    body = pattern[1:-1].strip()
    slots = [s.strip() for s in _split_top_level(body, ",")] if body else []
    names: list[str | None] = []
    conditions = []
    for index, slot in enumerate(slots):
        if slot == "...":
            names.append("...")
            continue
        name_match = re.match(r"^([A-Za-z_][A-Za-z0-9_\-]*)", slot)
        if name_match and slot == name_match.group(1):
            names.append(slot)
            continue
        if name_match and slot[name_match.end():].lstrip()[:1] in "=!<>":
            names.append(name_match.group(1))
        elif slot[:1] in "=!<>":
            names.append(f"${index + 1}")
            slot = f"${index + 1}" + slot
        else:
            raise invalid(f"Invalid filter pattern: {pattern}")
        conditions.append(compile_condition_expr(slot))
    return names, conditions


def _bind(names: list, fields: list[str]) -> dict | None:
    """Assign message fields to the pattern's names; ``...`` takes any number of fields.

    Whether the rest of the pattern fits depends only on where it starts (name i, field j), so each
    such start is tried once: several ``...`` never make the search combinatorial."""
    dead_ends: set[tuple[int, int]] = set()

    def walk(i: int, j: int, bound: dict) -> dict | None:
        if i == len(names):
            return bound if j == len(fields) else None
        if (i, j) in dead_ends:
            return None
        if names[i] == "...":
            for k in range(j, len(fields) + 1):
                found = walk(i + 1, k, bound)
                if found is not None:
                    return found
            dead_ends.add((i, j))
            return None
        if j >= len(fields):
            return None
        return walk(i + 1, j + 1, {**bound, names[i]: fields[j], f"${i + 1}": fields[j]})
    return walk(0, 0, {})


def _split_top_level(text: str, separator: str) -> list[str]:
    parts, depth, quote, current = [], 0, False, []
    for char in text:
        if char == '"':
            quote = not quote
        elif not quote and char in "([":
            depth += 1
        elif not quote and char in ")]":
            depth -= 1
        if char == separator and depth == 0 and not quote:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts
