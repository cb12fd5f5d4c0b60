"""Statistics of a period's datapoints: the five standard ones and the extended (percentile) ones.

Extended statistics, as CloudWatch names them: ``p99`` (percentile), ``tm90`` / ``tm10:90`` / ``TM(2:8)``
(trimmed mean between percentiles, or between absolute values), ``wm`` (winsorized mean), ``tc`` (trimmed
count), ``ts`` (trimmed sum), ``pr`` (percentile rank, ``PR(:300)``: the share of values in a range).
Percent bounds in lower-case short forms, absolute ones in upper-case parentheses.
"""
from __future__ import annotations

import re

from nimbus.services.cloudwatch.series import Bucket

STANDARD = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
_SHORT = re.compile(r"^(p|tm|wm|tc|ts)(\d{1,2}(?:\.\d{1,10})?|100)$")
_RANGE = re.compile(r"^(tm|wm|tc|ts|pr|TM|WM|TC|TS|PR)\((\d+(?:\.\d+)?%?)?:(\d+(?:\.\d+)?%?)?\)$")
_SHORT_RANGE = re.compile(r"^(tm|wm|tc|ts)(\d{1,2}(?:\.\d+)?)?:(\d{1,3}(?:\.\d+)?)$")


def standard(bucket: Bucket, statistic: str) -> float:
    if statistic == "SampleCount":
        return bucket["n"]
    if statistic == "Sum":
        return bucket["s"]
    if statistic == "Minimum":
        return bucket["lo"]
    if statistic == "Maximum":
        return bucket["hi"]
    return bucket["s"] / bucket["n"] if bucket["n"] else 0.0


def is_extended(statistic: str) -> bool:
    return _parse(statistic) is not None


def _parse(statistic: str) -> tuple[str, float | None, float | None, bool] | None:
    """(kind, low, high, percent bounds?) of an extended statistic, or None if it is not one."""
    if match := _SHORT.match(statistic):
        kind, high = match.group(1), float(match.group(2))
        return (kind, None, high, True) if high <= 100 else None
    if match := _SHORT_RANGE.match(statistic):
        low = float(match.group(2)) if match.group(2) else 0.0
        high = float(match.group(3))
        return (match.group(1), low, high, True) if low <= high <= 100 else None
    if match := _RANGE.match(statistic):
        kind, low_text, high_text = match.group(1).lower(), match.group(2), match.group(3)
        if low_text is None and high_text is None:
            return None
        percent = any(text and text.endswith("%") for text in (low_text, high_text))
        return (kind, float(low_text.rstrip("%")) if low_text else None,
                float(high_text.rstrip("%")) if high_text else None, percent)
    return None


def _expanded(bucket: Bucket) -> list[tuple[float, float]]:
    return sorted((v, c) for v, c in bucket["v"] or [])


def _percentile(values: list[tuple[float, float]], total: float, percent: float) -> float:
    """The value at or below which ``percent`` of the samples fall (nearest rank)."""
    rank = max(percent / 100 * total, 1e-12)
    seen = 0.0
    for value, count in values:
        seen += count
        if seen >= rank - 1e-9:
            return value
    return values[-1][0]


def extended(bucket: Bucket, statistic: str) -> float | None:
    """The statistic over the bucket's values; None when it has none to rank (a statistic set)."""
    parsed = _parse(statistic)
    values = _expanded(bucket)
    if parsed is None or not values:
        return None
    kind, low, high, percent = parsed
    total = sum(c for _, c in values)
    if kind == "p":
        return _percentile(values, total, high if high is not None else 100)
    if percent:
        low_value = _percentile(values, total, low) if low else None
        high_value = _percentile(values, total, high) if high is not None and high < 100 else None
    else:
        low_value, high_value = low, high
    if kind == "pr":
        inside = sum(c for v, c in values if (low_value is None or v > low_value)
                     and (high_value is None or v <= high_value))
        return 100 * inside / total
    if kind == "wm":
        clamped = [(min(max(v, low_value if low_value is not None else v),
                        high_value if high_value is not None else v), c) for v, c in values]
        return sum(v * c for v, c in clamped) / total
    kept = [(v, c) for v, c in values if (low_value is None or v > low_value)
            and (high_value is None or v <= high_value)]
    count = sum(c for _, c in kept)
    if kind == "tc":
        return count
    if kind == "ts":
        return sum(v * c for v, c in kept)
    return sum(v * c for v, c in kept) / count if count else None


def compute(bucket: Bucket, statistic: str) -> float | None:
    return standard(bucket, statistic) if statistic in STANDARD else extended(bucket, statistic)
