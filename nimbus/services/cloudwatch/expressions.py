"""Metric math: CloudWatch's expression language over time series, parsed into a tree (math_eval.py
evaluates it).

Values are a scalar (float), a time series (``Series``: {period start: value}) or an array of them
(METRICS(), or a function of several). Arithmetic (``+ - * / ^``), comparisons (``< <= > >= == !=``, 1 or
0) and ``AND``/``OR`` (``&&``/``||``) apply element-wise, series with series over the timestamps both have.
Functions: ABS, AVG, CEIL, DATAPOINT_COUNT, DIFF, DIFF_TIME, FILL, FIRST, FLOOR, IF, LAST, LOG, LOG10,
MAX, METRIC_COUNT, METRICS, MIN, PERIOD, RATE, REMOVE_EMPTY, RUNNING_SUM, SORT, STDDEV, SUM,
TIME_SERIES, EPOCH, MINUTE, HOUR, DAY, MONTH, YEAR and ANOMALY_DETECTION_BAND (mean plus and minus a
number of standard deviations of the series itself).
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from nimbus.protocol.errors import ServiceError

Series = dict[int, float]


@dataclass
class Labeled:
    """A series with the label it shows under."""
    values: Series
    label: str


Value = float | Labeled | list[Labeled]


class MathError(ServiceError):
    def __init__(self, message: str):
        super().__init__("ValidationError", message)


_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|'([^']*)'|\"([^\"]*)\""
                    r"|(<=|>=|==|!=|&&|\|\||[-+*/^(),<>]))")
_PRECEDENCE = {"OR": 1, "||": 1, "AND": 2, "&&": 2, "<": 3, "<=": 3, ">": 3, ">=": 3, "==": 3, "!=": 3,
               "+": 4, "-": 4, "*": 5, "/": 5, "^": 6}


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Text:
    value: str


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Op:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Neg:
    operand: Node


Node = Num | Text | Ref | Call | Op | Neg


def _tokens(text: str) -> list[str | Num | Text]:
    out: list[str | Num | Text] = []
    pos, text = 0, text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise MathError(f"Unsupported character in expression at position {pos + 1}: {text[pos]}")
        pos = match.end()
        number, word, single, double, symbol = match.groups()
        if number is not None:
            out.append(Num(float(number)))
        elif single is not None or double is not None:
            out.append(Text(single if single is not None else double or ""))
        else:
            out.append(word.upper() if word and word.upper() in ("AND", "OR") else (word or symbol))
    return out


def parse(text: str) -> Node:
    tokens = _tokens(text)
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else None

    def take():
        nonlocal pos
        if pos >= len(tokens):
            raise MathError(f"Syntax error in expression: {text}")
        pos += 1
        return tokens[pos - 1]

    def binary(level: int) -> Node:
        left = unary()
        while isinstance(op := peek(), str) and _PRECEDENCE.get(op, 0) >= level:
            take()
            # ^ is right-associative; the others left
            right = binary(_PRECEDENCE[op] + (0 if op == "^" else 1))
            left = Op({"AND": "&&", "OR": "||"}.get(op, op), left, right)
        return left

    def unary() -> Node:
        token = take()
        if token == "-":
            return Neg(binary(_PRECEDENCE["^"]))  # -a ^ 2 is -(a ^ 2)
        if token == "+":
            return unary()
        if isinstance(token, (Num, Text)):
            return token
        if token == "(":
            inner = binary(1)
            if take() != ")":
                raise MathError(f"Syntax error in expression: {text}")
            return inner
        if isinstance(token, str) and re.match(r"[A-Za-z_]", token):
            if peek() == "(":
                take()
                args: list[Node] = []
                if peek() != ")":
                    args.append(binary(1))
                    while peek() == ",":
                        take()
                        args.append(binary(1))
                if take() != ")":
                    raise MathError(f"Syntax error in expression: {text}")
                return Call(token.upper(), tuple(args))
            return Ref(token)
        raise MathError(f"Syntax error in expression: {text}")

    try:
        tree = binary(1)
    except RecursionError:
        raise MathError(f"Expression nested too deeply: {text[:50]}") from None
    if pos != len(tokens):
        raise MathError(f"Syntax error in expression: {text}")
    return tree


def references(node: Node) -> set[str]:
    if isinstance(node, Ref):
        return {node.name}
    if isinstance(node, Call):
        return set().union(*(references(arg) for arg in node.args)) if node.args else set()
    if isinstance(node, Op):
        return references(node.left) | references(node.right)
    if isinstance(node, Neg):
        return references(node.operand)
    return set()


def uses_all_metrics(node: Node) -> bool:
    if isinstance(node, Call):
        return node.name == "METRICS" or any(uses_all_metrics(arg) for arg in node.args)
    if isinstance(node, Op):
        return uses_all_metrics(node.left) or uses_all_metrics(node.right)
    return isinstance(node, Neg) and uses_all_metrics(node.operand)


@dataclass
class Scope:
    """What an expression sees: the other queries' results, the timeline and the period."""
    results: dict[str, Value]
    metric_ids: list[str]  # of MetricStat queries, for METRICS()
    timeline: list[int]
    period: int
    label: str = ""
    # A metric query's (mean, standard deviation) over its history: what anomaly bands are drawn from.
    history: Callable[[str], tuple[float, float] | None] | None = None


BINARY: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b if b else math.nan, "^": lambda a, b: _power(a, b),
    "<": lambda a, b: float(a < b), "<=": lambda a, b: float(a <= b), ">": lambda a, b: float(a > b),
    ">=": lambda a, b: float(a >= b), "==": lambda a, b: float(a == b), "!=": lambda a, b: float(a != b),
    "&&": lambda a, b: float(bool(a) and bool(b)), "||": lambda a, b: float(bool(a) or bool(b)),
}


def _power(a: float, b: float) -> float:
    try:
        return float(a ** b) if not (a < 0 and b != int(b)) else math.nan
    except OverflowError:
        return math.inf


def combine(op: Callable[[float, float], float], left: Value, right: Value, label: str) -> Value:
    if isinstance(left, list) and isinstance(right, list):
        raise MathError("Two arrays of time series cannot be combined by an operator.")
    if isinstance(left, list):
        return [as_series(combine(op, item, right, item.label)) for item in left]
    if isinstance(right, list):
        return [as_series(combine(op, left, item, item.label)) for item in right]
    if isinstance(left, Labeled) and isinstance(right, Labeled):
        return Labeled({t: op(v, right.values[t]) for t, v in left.values.items() if t in right.values}, label)
    if isinstance(left, Labeled):
        return Labeled({t: op(v, float(right)) for t, v in left.values.items()}, label)  # type: ignore[arg-type]
    if isinstance(right, Labeled):
        return Labeled({t: op(float(left), v) for t, v in right.values.items()}, label)
    return op(float(left), float(right))


def as_series(value: Value) -> Labeled:
    assert isinstance(value, Labeled)
    return value
