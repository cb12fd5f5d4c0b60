"""Metric math evaluated: a parsed expression (expressions.py) over the other queries' results."""
from __future__ import annotations

import math
import statistics as pystats
from collections.abc import Callable
from datetime import UTC, datetime

from nimbus.services.cloudwatch.expressions import (
    BINARY,
    Call,
    Labeled,
    MathError,
    Neg,
    Node,
    Num,
    Op,
    Ref,
    Scope,
    Series,
    Text,
    Value,
    combine,
)


def evaluate(node: Node, scope: Scope) -> Value:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Text):
        raise MathError(f"A string is not a value: '{node.value}'")
    if isinstance(node, Ref):
        if node.name not in scope.results:
            raise MathError(f"Unrecognized metric or expression identifier: {node.name}")
        return scope.results[node.name]
    if isinstance(node, Neg):
        return combine(lambda a, _: -a, evaluate(node.operand, scope), 0.0, scope.label)
    if isinstance(node, Op):
        return combine(BINARY[node.op], evaluate(node.left, scope), evaluate(node.right, scope), scope.label)
    assert isinstance(node, Call)
    if node.name == "METRICS":
        wanted = node.args[0].value if node.args and isinstance(node.args[0], Text) else ""
        found = [scope.results[i] for i in scope.metric_ids if wanted in i]
        return [item for item in found if isinstance(item, Labeled)]
    function = _FUNCTIONS.get(node.name)
    if function is None:
        raise MathError(f"Unknown function: {node.name}")
    return function(node, scope)


def _series_list(value: Value) -> list[Labeled]:
    if isinstance(value, list):
        return value
    if isinstance(value, Labeled):
        return [value]
    raise MathError("The function expects a time series or an array of time series.")


def _each(transform: Callable[[Labeled, Scope], Series]) -> Callable[[Call, Scope], Value]:
    """A function of one series, applied to each of an array."""
    def run(node: Call, scope: Scope) -> Value:
        if not node.args:
            raise MathError("The function expects an argument.")
        value = evaluate(node.args[0], scope)
        if isinstance(value, float):
            return Labeled(transform(Labeled(dict.fromkeys(scope.timeline, value), scope.label), scope),
                           scope.label)
        results = [Labeled(transform(item, scope), item.label) for item in _series_list(value)]
        return results if isinstance(value, list) else results[0]
    return run


def _pointwise(op: Callable[[float], float]) -> Callable[[Labeled, Scope], Series]:
    return lambda s, _scope: {t: op(v) for t, v in s.values.items()}


def _reduce(op: Callable[[list[float]], float]) -> Callable[[Call, Scope], Value]:
    """SUM, AVG, MIN, MAX, STDDEV: of one series a scalar; of an array (or several arguments) one series
    of the values at each timestamp."""
    def run(node: Call, scope: Scope) -> Value:
        values = [evaluate(arg, scope) for arg in node.args]
        if len(values) == 1 and isinstance(values[0], Labeled):
            points = list(values[0].values.values())
            return op(points) if points else math.nan
        series = [s for value in values for s in _series_list(value)]
        times = sorted({t for s in series for t in s.values})
        return Labeled({t: op([s.values[t] for s in series if t in s.values]) for t in times}, scope.label)
    return run


def _stddev(points: list[float]) -> float:
    return pystats.pstdev(points) if points else math.nan


def _ordered(transform: Callable[[list[tuple[int, float]]], Series]) -> Callable[[Labeled, Scope], Series]:
    return lambda s, _scope: transform(sorted(s.values.items()))


def _diff(points: list[tuple[int, float]]) -> Series:
    return {t: v - points[i - 1][1] for i, (t, v) in enumerate(points) if i}


def _diff_time(points: list[tuple[int, float]]) -> Series:
    return {t: float(t - points[i - 1][0]) for i, (t, _) in enumerate(points) if i}


def _rate(points: list[tuple[int, float]]) -> Series:
    return {t: (v - points[i - 1][1]) / (t - points[i - 1][0]) for i, (t, v) in enumerate(points) if i}


def _running_sum(points: list[tuple[int, float]]) -> Series:
    total, out = 0.0, {}
    for t, v in points:
        total += v
        out[t] = total
    return out


def _fill(node: Call, scope: Scope) -> Value:
    if len(node.args) != 2:
        raise MathError("FILL expects a time series and a value, REPEAT or LINEAR.")
    how = node.args[1]
    mode = how.name.upper() if isinstance(how, Ref) else None
    fill_value = None if mode in ("REPEAT", "LINEAR") else evaluate(how, scope)

    def fill(series: Labeled, _scope: Scope) -> Series:
        out: Series = {}
        known = sorted(series.values.items())
        last = None
        for t in scope.timeline:
            if t in series.values:
                last = out[t] = series.values[t]
            elif mode == "REPEAT":
                if last is not None:
                    out[t] = last
            elif mode == "LINEAR":
                before = [(bt, bv) for bt, bv in known if bt < t]
                after = [(at, av) for at, av in known if at > t]
                if before and after:
                    (t0, v0), (t1, v1) = before[-1], after[0]
                    out[t] = v0 + (v1 - v0) * (t - t0) / (t1 - t0)
            elif isinstance(fill_value, float):
                out[t] = fill_value
            elif isinstance(fill_value, Labeled) and t in fill_value.values:
                out[t] = fill_value.values[t]
        return out
    return _each(fill)(Call("FILL", node.args[:1]), scope)


def _if(node: Call, scope: Scope) -> Value:
    if len(node.args) not in (2, 3):
        raise MathError("IF expects a condition, a value if true and optionally a value if false.")
    condition = evaluate(node.args[0], scope)
    then = evaluate(node.args[1], scope)
    otherwise = evaluate(node.args[2], scope) if len(node.args) == 3 else None

    def at(value: Value | None, t: int) -> float | None:
        if isinstance(value, float):
            return value
        if isinstance(value, Labeled):
            return value.values.get(t)
        return None

    def choose(cond: Labeled) -> Labeled:
        out: Series = {}
        for t, flag in cond.values.items():
            picked = at(then if flag else otherwise, t)
            if picked is not None:
                out[t] = picked
        return Labeled(out, cond.label)
    if isinstance(condition, float):
        condition = Labeled(dict.fromkeys(scope.timeline, condition), scope.label)
    if isinstance(condition, list):
        return [choose(item) for item in condition]
    return choose(condition)


def _time_part(part: Callable[[datetime], float]) -> Callable[[Labeled, Scope], Series]:
    return lambda s, _scope: {t: part(datetime.fromtimestamp(t, tz=UTC)) for t in s.values}


def _band(node: Call, scope: Scope) -> Value:
    """The expected range: mean ± k standard deviations (k = 2 unless given) of the metric's history (its
    anomaly detector's training), or of the series itself when it has none."""
    series = evaluate(node.args[0], scope) if node.args else None
    if not isinstance(series, Labeled):
        raise MathError("ANOMALY_DETECTION_BAND expects one time series.")
    k = evaluate(node.args[1], scope) if len(node.args) > 1 else 2.0
    if not isinstance(k, float):
        raise MathError("ANOMALY_DETECTION_BAND's second argument is a number of standard deviations.")
    points = list(series.values.values())
    learned = scope.history(node.args[0].name) if isinstance(node.args[0], Ref) and scope.history else None
    if learned is not None:
        mean, spread = learned
    else:
        mean = pystats.fmean(points) if points else 0.0
        spread = pystats.pstdev(points) if len(points) > 1 else 0.0
    label = f"{series.label} (expected)"
    return [Labeled(dict.fromkeys(series.values or scope.timeline, mean - k * spread), label),
            Labeled(dict.fromkeys(series.values or scope.timeline, mean + k * spread), label)]


def _count(node: Call, scope: Scope) -> Value:
    return float(len(_series_list(evaluate(node.args[0], scope)))) if node.args else 0.0


def _time_series(node: Call, scope: Scope) -> Value:
    value = evaluate(node.args[0], scope) if node.args else math.nan
    if not isinstance(value, float):
        raise MathError("TIME_SERIES expects a number.")
    return Labeled(dict.fromkeys(scope.timeline, value), scope.label)


def _remove_empty(node: Call, scope: Scope) -> Value:
    return [s for s in _series_list(evaluate(node.args[0], scope)) if s.values]


def _sort(node: Call, scope: Scope) -> Value:
    """SORT(array, SUM|AVG|MIN|MAX, ASC|DESC[, limit])."""
    series = _series_list(evaluate(node.args[0], scope))
    how = node.args[1].name.upper() if len(node.args) > 1 and isinstance(node.args[1], Ref) else "SUM"
    order = node.args[2].name.upper() if len(node.args) > 2 and isinstance(node.args[2], Ref) else "ASC"
    limit = evaluate(node.args[3], scope) if len(node.args) > 3 else None
    reducers: dict[str, Callable[[list[float]], float]] = {"SUM": sum, "AVG": pystats.fmean, "MIN": min, "MAX": max}
    reducer = reducers.get(how, sum)
    ranked = sorted(series, key=lambda s: reducer(list(s.values.values())) if s.values else -math.inf,
                    reverse=order == "DESC")
    return ranked[:int(limit)] if isinstance(limit, float) else ranked


def _end_of(node: Call, scope: Scope, index: int) -> Value:
    """FIRST or LAST of an array (of the array SORT ordered)."""
    series = _series_list(evaluate(node.args[0], scope)) if node.args else []
    if not series:
        raise MathError(f"{node.name} expects a non-empty array of time series.")
    return series[index]


_FUNCTIONS: dict[str, Callable[[Call, Scope], Value]] = {
    "SUM": _reduce(sum), "AVG": _reduce(pystats.fmean), "MIN": _reduce(min), "MAX": _reduce(max),
    "STDDEV": _reduce(_stddev),
    "ABS": _each(_pointwise(abs)), "CEIL": _each(_pointwise(lambda v: float(math.ceil(v)))),
    "FLOOR": _each(_pointwise(lambda v: float(math.floor(v)))),
    "LOG": _each(_pointwise(lambda v: math.log(v) if v > 0 else math.nan)),
    "LOG10": _each(_pointwise(lambda v: math.log10(v) if v > 0 else math.nan)),
    "DIFF": _each(_ordered(_diff)), "DIFF_TIME": _each(_ordered(_diff_time)), "RATE": _each(_ordered(_rate)),
    "RUNNING_SUM": _each(_ordered(_running_sum)),
    "PERIOD": _each(lambda s, scope: dict.fromkeys(s.values, float(scope.period))),
    "DATAPOINT_COUNT": _reduce(lambda points: float(len(points))),
    "FIRST": lambda node, scope: _end_of(node, scope, 0),
    "LAST": lambda node, scope: _end_of(node, scope, -1),
    "FILL": _fill, "IF": _if, "ANOMALY_DETECTION_BAND": _band, "METRIC_COUNT": _count,
    "TIME_SERIES": _time_series, "REMOVE_EMPTY": _remove_empty, "SORT": _sort,
    "EPOCH": _each(lambda s, _scope: {t: float(t) for t in s.values}),
    "MINUTE": _each(_time_part(lambda d: float(d.minute))), "HOUR": _each(_time_part(lambda d: float(d.hour))),
    "DAY": _each(_time_part(lambda d: float(d.isoweekday()))),
    "DATE": _each(_time_part(lambda d: float(d.day))), "MONTH": _each(_time_part(lambda d: float(d.month))),
    "YEAR": _each(_time_part(lambda d: float(d.year))),
}
