"""Metrics Insights: ``SELECT FUNC(metric) FROM namespace | SCHEMA(namespace, keys...) [WHERE ...]
[GROUP BY keys] [ORDER BY FUNC() ASC|DESC] [LIMIT n]``, over the account's stored metrics.

The query is tokenized and parsed here; each group's datapoints are merged per period (the buckets of
all its metrics) and the function computed over the merged bucket, so AVG is the average of every
datapoint, not an average of averages. ORDER BY ranks groups by the function over the whole range.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from nimbus.core.linear_regex import compile_linear
from nimbus.services.cloudwatch.aggregation import periods
from nimbus.services.cloudwatch.documents import Metric
from nimbus.services.cloudwatch.expressions import Labeled, MathError
from nimbus.services.cloudwatch.series import Bucket, merge
from nimbus.services.cloudwatch.statistics import standard
from nimbus.store.base import Store

FUNCTIONS = {"AVG": "Average", "COUNT": "SampleCount", "MAX": "Maximum", "MIN": "Minimum", "SUM": "Sum"}
MAX_LIMIT = 500
_TOKEN = re.compile(r"\s*(?:'((?:[^']|'')*)'|\"((?:[^\"]|\"\")*)\"|(-?\d+(?:\.\d+)?)|(!=|<>|[=(),*])"
                    r"|([A-Za-z_][A-Za-z0-9_./:-]*))")


@dataclass
class Query:
    function: str
    metric: str
    namespace: str
    schema_keys: list[str] | None  # SCHEMA(...)'s keys: only metrics with exactly these dimensions
    where: Condition | None = None
    group_by: list[str] = field(default_factory=list)
    order_desc: bool | None = None
    limit: int | None = None


@dataclass
class Condition:
    op: str  # =, !=, LIKE, IN, AND, OR, NOT
    key: str = ""
    values: tuple[str, ...] = ()
    parts: tuple[Condition, ...] = ()


def _error(message: str) -> MathError:
    return MathError(f"Metrics Insights query: {message}")


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos, text = [], 0, text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise _error(f"unexpected character at position {pos + 1}")
        pos = match.end()
        single, double, number, symbol, word = match.groups()
        if single is not None:
            out.append(("string", single.replace("''", "'")))
        elif double is not None:
            out.append(("name", double.replace('""', '"')))
        elif number is not None:
            out.append(("number", number))
        elif symbol is not None:
            out.append(("symbol", symbol))
        else:
            out.append(("keyword" if word.upper() in _KEYWORDS else "name", word))
    return out


_KEYWORDS = {"SELECT", "FROM", "SCHEMA", "WHERE", "GROUP", "BY", "ORDER", "ASC", "DESC", "LIMIT", "AND", "OR",
             "NOT", "LIKE", "IN"}


class _Parser:
    def __init__(self, text: str):
        self.tokens, self.pos = _tokens(text), 0

    def peek(self, word: str) -> bool:
        return self.pos < len(self.tokens) and self.tokens[self.pos][1].upper() == word

    def take(self, word: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens) or (word is not None and not self.peek(word)):
            raise _error(f"expected {word or 'more'}")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def name(self) -> str:
        kind, value = self.take()
        if kind not in ("name", "string"):
            raise _error(f"expected a name, not {value}")
        return value

    def query(self) -> Query:
        self.take("SELECT")
        function = self.take()[1].upper()
        if function not in FUNCTIONS:
            raise _error(f"unknown function {function}")
        self.take("(")
        metric = self.name()
        self.take(")")
        self.take("FROM")
        keys = None
        if self.peek("SCHEMA"):
            self.take()
            self.take("(")
            namespace, keys = self.name(), []
            while self.peek(","):
                self.take()
                keys.append(self.name())
            self.take(")")
        else:
            namespace = self.name()
        query = Query(function, metric, namespace, keys)
        if self.peek("WHERE"):
            self.take()
            query.where = self.disjunction()
        if self.peek("GROUP"):
            self.take()
            self.take("BY")
            query.group_by.append(self.name())
            while self.peek(","):
                self.take()
                query.group_by.append(self.name())
        if self.peek("ORDER"):
            self.take()
            self.take("BY")
            self.take()
            self.take("(")
            self.take(")")
            query.order_desc = True
            if self.peek("ASC") or self.peek("DESC"):
                query.order_desc = self.take()[1].upper() == "DESC"
        if self.peek("LIMIT"):
            self.take()
            kind, value = self.take()
            if kind != "number" or not 0 < int(float(value)) <= MAX_LIMIT:
                raise _error(f"LIMIT must be between 1 and {MAX_LIMIT}")
            query.limit = int(float(value))
        if self.pos != len(self.tokens):
            raise _error(f"unexpected {self.tokens[self.pos][1]}")
        return query

    def disjunction(self) -> Condition:
        parts = [self.conjunction()]
        while self.peek("OR"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Condition("OR", parts=tuple(parts))

    def conjunction(self) -> Condition:
        parts = [self.atom()]
        while self.peek("AND"):
            self.take()
            parts.append(self.atom())
        return parts[0] if len(parts) == 1 else Condition("AND", parts=tuple(parts))

    def atom(self) -> Condition:
        if self.peek("NOT"):
            self.take()
            return Condition("NOT", parts=(self.atom(),))
        if self.peek("("):
            self.take()
            inner = self.disjunction()
            self.take(")")
            return inner
        key = self.name()
        negated = self.peek("NOT")
        if negated:
            self.take()
        op = self.take()[1].upper()
        if op == "<>":
            op = "!="
        if op == "IN":
            self.take("(")
            values = [self.take()[1]]
            while self.peek(","):
                self.take()
                values.append(self.take()[1])
            self.take(")")
            condition = Condition("IN", key, tuple(values))
        elif op in ("=", "!=", "LIKE"):
            condition = Condition(op, key, (self.take()[1],))
        else:
            raise _error(f"unsupported operator {op}")
        return Condition("NOT", parts=(condition,)) if negated else condition


def parse(text: str) -> Query:
    try:
        return _Parser(text).query()
    except RecursionError:
        raise _error("conditions nested too deeply") from None


def _like(value: str, pattern: str) -> bool:
    """SQL LIKE (``%`` any run, ``_`` one character), run by RE2 so no pattern can make it backtrack."""
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return compile_linear(f"(?s){regex}").fullmatch(value) is not None


def _holds(condition: Condition, labels: dict[str, str]) -> bool:
    if condition.op == "AND":
        return all(_holds(part, labels) for part in condition.parts)
    if condition.op == "OR":
        return any(_holds(part, labels) for part in condition.parts)
    if condition.op == "NOT":
        return not _holds(condition.parts[0], labels)
    value = labels.get(condition.key)
    if condition.op == "!=":
        return value != condition.values[0]
    if value is None:
        return False
    if condition.op == "LIKE":
        return _like(value, condition.values[0])
    return value in condition.values


def _labels(metric: Metric) -> dict[str, str]:
    return {"Namespace": metric["Namespace"], "MetricName": metric["MetricName"],
            **{d["Name"]: d["Value"] for d in metric["Dimensions"]}}


def run(store: Store, account: str, region: str, metrics: list[Metric], text: str, start: float, end: float,
        period: int) -> list[Labeled]:
    query = parse(text)
    chosen = [m for m in metrics if m["Namespace"] == query.namespace and m["MetricName"] == query.metric
              and (query.schema_keys is None
                   or sorted(d["Name"] for d in m["Dimensions"]) == sorted(query.schema_keys))
              and (query.where is None or _holds(query.where, _labels(m)))]
    groups: dict[tuple[str, ...], dict[int, Bucket]] = {}
    for metric in chosen:
        labels = _labels(metric)
        if any(key not in labels for key in query.group_by):
            continue  # AWS leaves out metrics without the grouping keys
        merged = groups.setdefault(tuple(labels[key] for key in query.group_by), {})
        for slot, bucket in periods(store, account, region, metric, start, end, period).items():
            merged[slot] = merge(merged[slot], bucket) if slot in merged else bucket
    statistic = FUNCTIONS[query.function]
    results = []
    for key, buckets in groups.items():
        label = " ".join(key) if key else query.metric
        whole: Bucket | None = None
        for bucket in buckets.values():
            whole = merge(whole, bucket) if whole is not None else bucket
        rank = standard(whole, statistic) if whole is not None else 0.0
        results.append((rank, Labeled({t: standard(b, statistic) for t, b in buckets.items()}, label)))
    if query.order_desc is not None:
        results.sort(key=lambda pair: pair[0], reverse=query.order_desc)
    limit = query.limit or MAX_LIMIT
    return [series for _, series in results[:limit]]
