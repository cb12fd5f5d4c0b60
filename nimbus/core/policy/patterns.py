"""Wildcards (``*`` and ``?``) and policy variables (``${aws:username}``)."""
from __future__ import annotations

import functools
import re
from collections.abc import Callable

VARIABLE = re.compile(r"\$\{([^}]*)\}")
# Characters that stand for themselves: ${*}, ${?}, ${$}.
LITERALS = {"*": "*", "?": "?", "$": "$"}


@functools.lru_cache(maxsize=8192)
def glob(pattern: str, ignore_case: bool = False) -> Callable[[str], bool]:
    """A matcher for one pattern; exact patterns skip the regex engine."""
    if pattern == "*":
        return lambda value: True
    if "*" not in pattern and "?" not in pattern:
        if ignore_case:
            lowered = pattern.lower()
            return lambda value: value.lower() == lowered
        return lambda value: value == pattern
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    compiled = re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)
    return lambda value: compiled.fullmatch(value) is not None


def has_variables(value: str) -> bool:
    return "${" in value


def substitute(value: str, context: dict, escape_wildcards: bool = False) -> str | None:
    """Replace ``${key}`` (or ``${key, 'default'}``) from the request context.

    None when a variable has no value and no default: AWS then treats the
    element as not matching anything. In patterns, substituted text is taken
    literally, so a user named ``a*`` cannot widen their own resource pattern.
    """
    missing = False

    def replace(match: re.Match) -> str:
        nonlocal missing
        body = match.group(1)
        if body in LITERALS:
            return LITERALS[body]
        key, _, default = body.partition(",")
        found = context.get(key.strip().lower())
        if isinstance(found, list):
            found = found[0] if len(found) == 1 else None
        if found is None:
            default = default.strip()
            if len(default) >= 2 and default[0] == default[-1] == "'":
                found = default[1:-1]
            else:
                missing = True
                return ""
        found = str(found)
        if escape_wildcards:
            # No escape syntax exists for * and ?; a value holding them cannot match literally.
            found = found.replace("*", "\x00").replace("?", "\x00")
        return found

    result = VARIABLE.sub(replace, value)
    return None if missing else result
