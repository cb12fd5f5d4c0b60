"""JSON text a caller sent (a request body, a policy, a message, a log event): read strictly.

``json.loads`` accepts ``NaN``, ``Infinity`` and ``1e999`` (as infinity), which no AWS service does,
and nests as deep as the interpreter's stack: past that it raises RecursionError (not ValueError,
which callers expect), and a document just short of it crashes the first recursive walk over it.
"""
from __future__ import annotations

import json
import math
from typing import Any

# Far deeper than any AWS document (policies, filter policies, API inputs nest a few levels), and
# shallow enough that every recursive walk over a parsed document (validation, redaction, policy
# compilation, event serialization) stays well within the interpreter's stack.
MAX_DEPTH = 128


def read_json(text: str | bytes) -> Any:
    """The parsed value; ValueError (json.JSONDecodeError's base) for anything AWS would refuse."""
    try:
        value = _decoded(text)
    except RecursionError:
        raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    if _brackets(text) > MAX_DEPTH:  # fewer brackets cannot nest deeper: most documents skip the walk
        _check_depth(value)
    return value


def _brackets(text: str | bytes) -> int:
    if isinstance(text, str):
        return text.count("[") + text.count("{")
    return text.count(b"[") + text.count(b"{")


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text[:40]} is out of range")
    return number


def _check_depth(value: Any) -> None:
    """Iterative, so checking the depth is not itself limited by it."""
    pending = [(value, 1)] if isinstance(value, (dict, list)) else []
    while pending:
        node, depth = pending.pop()
        children = node.values() if isinstance(node, dict) else node
        if depth > MAX_DEPTH:
            raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


def _decoded(text: str | bytes) -> Any:
    """``json.loads(text, parse_constant=_no_constant, parse_float=_finite)`` with one decoder made once: loads
    makes a decoder per call when given hooks (1% of a small call)."""
    if isinstance(text, str):
        if text.startswith("\ufeff"):
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    elif isinstance(text, (bytes, bytearray)):
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    else:
        raise TypeError(f"the JSON object must be str, bytes or bytearray, not {text.__class__.__name__}")
    return _DECODER.decode(text)


_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite)
