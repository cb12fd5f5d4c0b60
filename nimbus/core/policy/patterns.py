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
    """A matcher for one pattern, in time linear in the value's length for each of the pattern's
    pieces: ``*`` splits the pattern into pieces matched leftmost, one after the other, so no value
    (a key of thousands of slashes against ``photos/*/*/*.jpg``) makes it backtrack."""
    if pattern == "*":
        return lambda value: True
    fold = str.lower if ignore_case else _same
    pieces = fold(pattern).split("*")
    if len(pieces) == 1:
        if "?" not in pattern:
            return lambda value: fold(value) == pieces[0]
        return lambda value: len(value) == len(pieces[0]) and _piece_at(pieces[0], fold(value), 0)
    return lambda value: _pieces_match(pieces, fold(value))


def _same(value: str) -> str:
    return value


def _pieces_match(pieces: list[str], value: str) -> bool:
    """``pieces`` were separated by ``*``: the first is anchored at the start, the last at the end,
    and those between are found leftmost in order (leftmost is always safe when each gap may hold anything)."""
    first, *middle, last = pieces
    end = len(value) - len(last)
    if end < len(first) or not _piece_at(first, value, 0) or not _piece_at(last, value, end):
        return False
    position = len(first)
    for piece in middle:
        found = _find_piece(piece, value, position, end)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def _piece_at(piece: str, value: str, start: int) -> bool:
    """Whether ``piece`` (``?`` standing for any one character) matches ``value`` at ``start``."""
    if "?" not in piece:
        return value.startswith(piece, start)
    if start + len(piece) > len(value):
        return False
    return all(p == "?" or p == c for p, c in zip(piece, value[start:start + len(piece)]))


def _find_piece(piece: str, value: str, start: int, end: int) -> int:
    """Where ``piece`` first matches within ``value[start:end]``, or -1."""
    if "?" not in piece:
        return value.find(piece, start, end)
    for position in range(start, end - len(piece) + 1):
        if _piece_at(piece, value, position):
            return position
    return -1


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
