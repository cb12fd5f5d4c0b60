"""MetricDataQueries run: metric statistics, metric math and Metrics Insights queries over one time range,
each query's result a labeled series (or several); what GetMetricData answers and metric-math alarms
evaluate."""
from __future__ import annotations

import math
import re
import statistics as pystats
from dataclasses import dataclass
from typing import Any

from nimbus.core.times import epoch
from nimbus.services.cloudwatch import insights
from nimbus.services.cloudwatch.aggregation import find_metric, periods
from nimbus.services.cloudwatch.anomaly import detector_key
from nimbus.services.cloudwatch.common import detectors_ns, metrics_ns
from nimbus.services.cloudwatch.documents import DETECTOR, METRIC, Metric
from nimbus.services.cloudwatch.expressions import (
    Labeled,
    MathError,
    Scope,
    Value,
    parse,
    references,
    uses_all_metrics,
)
from nimbus.services.cloudwatch.math_eval import evaluate
from nimbus.services.cloudwatch.statistics import compute
from nimbus.store.base import Store

TRAINING_SECONDS = 14 * 86400
MAX_PERIODS = 100_800  # GetMetricData's most datapoints in one answer
_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")
_DYNAMIC = re.compile(r"\$\{(AVG|MAX|MIN|SUM|FIRST|LAST|DATAPOINT_COUNT|LABEL|PROP\('([A-Za-z.]+)'\))\}")


@dataclass
class Result:
    id: str
    label: str
    values: dict[int, float]
    return_data: bool


def validate(queries: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for n, query in enumerate(queries, 1):
        if not _ID.match(query["Id"]):
            raise MathError(f"The value {query['Id']} for parameter MetricDataQueries.member.{n}.Id is invalid.")
        if query["Id"] in seen:
            raise MathError("The values for parameter id in MetricDataQueries are not unique.")
        seen.add(query["Id"])
        if ("MetricStat" in query) == ("Expression" in query):
            raise MathError(f"Exactly one of MetricStat and Expression must be specified for "
                            f"MetricDataQueries.member.{n}.")


class Runner:
    def __init__(self, store: Store, account: str, region: str, metrics: list[Metric] | None = None):
        self.store, self.account, self.region = store, account, region
        self._metrics = metrics

    def metrics(self) -> list[Metric]:
        if self._metrics is None:
            self._metrics = [m for _, m in METRIC.scan(self.store, metrics_ns(self.account, self.region))]
        return self._metrics

    def run(self, queries: list[dict[str, Any]], start: float, end: float) -> list[Result]:
        validate(queries)
        by_id = {q["Id"]: q for q in queries}
        stat_periods = [q["MetricStat"]["Period"] for q in queries if "MetricStat" in q]
        default_period = min(stat_periods) if stat_periods else 60
        values: dict[str, Value] = {}
        labels: dict[str, str] = {}
        metric_ids = [q["Id"] for q in queries if "MetricStat" in q]

        def resolve(query_id: str, trail: tuple[str, ...] = ()) -> Value:
            if query_id in values:
                return values[query_id]
            if query_id in trail:
                raise MathError(f"Circular dependency in expression {query_id}.")
            query = by_id[query_id]
            period = query.get("Period") or query.get("MetricStat", {}).get("Period") or default_period
            if "MetricStat" in query:
                values[query_id] = self._metric_stat(query, start, end)
            elif query["Expression"].lstrip().upper().startswith("SELECT"):
                values[query_id] = insights.run(self.store, self.account, self.region, self.metrics(),
                                                query["Expression"], start, end, period)
            else:
                tree = parse(query["Expression"])
                for ref in references(tree):
                    if ref in by_id:
                        resolve(ref, (*trail, query_id))
                if uses_all_metrics(tree):
                    for ref in metric_ids:
                        resolve(ref, (*trail, query_id))
                scope = Scope(values, metric_ids, _timeline(start, end, period), period,
                              query.get("Label") or query_id, lambda ref: self._history(by_id.get(ref), start))
                values[query_id] = evaluate(tree, scope)
            labels[query_id] = query.get("Label") or _default_label(query)
            return values[query_id]

        results = []
        for query in queries:
            value = resolve(query["Id"])
            period = query.get("Period") or query.get("MetricStat", {}).get("Period") or default_period
            for series in _as_list(value, start, end, period, labels[query["Id"]]):
                results.append(Result(query["Id"], _label(query.get("Label"), series), series.values,
                                      query.get("ReturnData", True)))
        return results

    def _history(self, query: dict[str, Any] | None, start: float) -> tuple[float, float] | None:
        """Mean and standard deviation of a metric query over the two weeks before ``start``, less its
        anomaly detector's excluded time ranges; None without two datapoints to learn from."""
        if query is None or "MetricStat" not in query:
            return None
        learned = self._metric_stat(query, start - TRAINING_SECONDS, start)
        excluded = _excluded_ranges(self.store, self.account, self.region, query["MetricStat"])
        points = [v for t, v in learned.values.items() if not any(low <= t < high for low, high in excluded)]
        if len(points) < 2:
            return None
        return pystats.fmean(points), pystats.pstdev(points)

    def _metric_stat(self, query: dict[str, Any], start: float, end: float) -> Labeled:
        stat = query["MetricStat"]
        metric = stat["Metric"]
        found = find_metric(self.store, self.account, self.region, metric.get("Namespace", ""),
                            metric.get("MetricName", ""), metric.get("Dimensions") or [])
        label = query.get("Label") or metric.get("MetricName", query["Id"])
        if found is None:
            return Labeled({}, label)
        series = {}
        for slot, bucket in periods(self.store, self.account, self.region, found, start, end, stat["Period"],
                                    stat.get("Unit")).items():
            value = compute(bucket, stat["Stat"])
            if value is not None:
                series[slot] = value
        return Labeled(series, label)


def _excluded_ranges(store: Store, account: str, region: str, stat: dict[str, Any]) -> list[tuple[float, float]]:
    metric = stat["Metric"]
    single = {"Namespace": metric.get("Namespace"), "MetricName": metric.get("MetricName"),
              "Dimensions": metric.get("Dimensions") or [], "Stat": stat["Stat"]}
    detector = DETECTOR.get(store, detectors_ns(account, region), detector_key(single, None))
    ranges = ((detector or {}).get("Configuration") or {}).get("ExcludedTimeRanges") or []
    return [(epoch(r["StartTime"]) or 0.0, epoch(r["EndTime"]) or 0.0) for r in ranges]


def _timeline(start: float, end: float, period: int) -> list[int]:
    if (end - start) / period > MAX_PERIODS:
        raise MathError(f"The query asks for more than {MAX_PERIODS:,} datapoints per time series: use a longer "
                        "period or a shorter time range.")
    return list(range(int(start), int(end), period))


def _default_label(query: dict[str, Any]) -> str:
    if "MetricStat" in query:
        return query["MetricStat"]["Metric"].get("MetricName", query["Id"])
    return query["Id"]


def _as_list(value: Value, start: float, end: float, period: int, label: str) -> list[Labeled]:
    if isinstance(value, list):
        return value
    if isinstance(value, Labeled):
        return [value]
    if math.isnan(value):
        return [Labeled({}, label)]
    return [Labeled(dict.fromkeys(_timeline(start, end, period), value), label)]


def _label(template: str | None, series: Labeled) -> str:
    """A label's dynamic parts (``${AVG}``, ``${LAST}``, ``${PROP('MetricName')}``...) filled in."""
    text = template or series.label
    points = [v for _, v in sorted(series.values.items())]

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name == "LABEL":
            return series.label
        if name.startswith("PROP"):
            return series.label if match.group(2) == "MetricName" else ""
        if not points:
            return ""
        value = {"AVG": lambda: pystats.fmean(points), "MAX": lambda: max(points), "MIN": lambda: min(points),
                 "SUM": lambda: sum(points), "FIRST": lambda: points[0], "LAST": lambda: points[-1],
                 "DATAPOINT_COUNT": lambda: float(len(points))}[name]()
        return f"{value:g}"
    return _DYNAMIC.sub(fill, text)
