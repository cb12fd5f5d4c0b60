"""Metric filters: PutMetricFilter / Describe / Delete / TestMetricFilter, and the metrics they publish.

Each event PutLogEvents accepts is matched against the group's metric filters; a match publishes each
transformation's value (a literal, or ``$.field`` of a JSON pattern, ``$name`` / ``$1`` of a space-delimited
one) with its dimensions (fields too) and unit through ``core/metrics``, at the event's timestamp. A batch
with no match publishes the ``defaultValue`` where one is set.
"""
from __future__ import annotations

import functools
from datetime import UTC, datetime

from nimbus.core.context import RequestContext
from nimbus.core.json_text import read_json
from nimbus.core.metrics import publish_metric
from nimbus.protocol.errors import ServiceError

from .common import invalid, metric_filters_ns, now_ms, page
from .documents import METRIC_FILTER, MetricFilter, MetricTransformation
from .filter_pattern import compile_pattern, space_delimited_fields
from .json_pattern import resolve_selector
from .state import LogsState

MAX_FILTERS = 100
MAX_DIMENSIONS = 3


@functools.lru_cache(maxsize=1024)
def matcher(pattern: str):
    """Stored patterns parsed once (they were checked when put)."""
    return compile_pattern(pattern)


def extracted(pattern: str, message: str) -> dict:
    """The fields a pattern names, by selector (``$.a.b``, ``$user``, ``$3``), for values and dimensions."""
    text = pattern.strip()
    if text.startswith("["):
        return {f"${k.lstrip('$')}": v for k, v in (space_delimited_fields(text, message) or {}).items()}
    return {}


def field_value(selector: str, message: str, fields: dict):
    if selector.startswith("$."):
        try:
            found = resolve_selector(read_json(message), selector)
        except ValueError:
            return None
        return found[0] if found else None
    return fields.get(selector)


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _check(transformation: MetricTransformation) -> None:
    value = transformation["metricValue"]
    if not value.startswith("$") and _number(value) is None:
        raise invalid(f"Invalid metric value: {value}")
    dimensions = transformation.get("dimensions") or {}
    if len(dimensions) > MAX_DIMENSIONS:
        raise invalid(f"A metric transformation can have up to {MAX_DIMENSIONS} dimensions.")
    if dimensions and transformation.get("defaultValue") is not None:
        raise invalid("Default value is not supported when dimensions are specified.")
    if any(not v.startswith("$") for v in dimensions.values()):
        raise invalid("Invalid dimension value: dimension values must be fields of the filter pattern.")


def publish_matches(ctx: RequestContext, filters: list[MetricFilter], events: list[dict]) -> None:
    """What a batch of accepted events publishes, filter by filter."""
    for metric_filter in filters:
        test = matcher(metric_filter["filterPattern"])
        matched = [e for e in events if test(e["message"])]
        for transformation in metric_filter["metricTransformations"]:
            if not matched and transformation.get("defaultValue") is not None:
                _publish(ctx, transformation, ctx.clock.now(), {}, transformation["defaultValue"])
            for event in matched:
                fields = extracted(metric_filter["filterPattern"], event["message"])
                literal = _number(transformation["metricValue"])
                value = literal if literal is not None else _number(
                    field_value(transformation["metricValue"], event["message"], fields))
                dimensions = {name: field_value(selector, event["message"], fields)
                              for name, selector in (transformation.get("dimensions") or {}).items()}
                if value is None or any(v is None for v in dimensions.values()):
                    continue  # AWS publishes nothing for an event lacking the value or a dimension
                _publish(ctx, transformation, datetime.fromtimestamp(event["timestamp"] / 1000, UTC),
                         {k: str(v) for k, v in dimensions.items()}, value)


def _publish(ctx: RequestContext, transformation: MetricTransformation, time: datetime, dimensions: dict,
             value: float) -> None:
    publish_metric(ctx.runtime.events, time, ctx.account_id, ctx.region, transformation["metricNamespace"],
                   transformation["metricName"], dimensions, value, transformation.get("unit") or "None")


class MetricFilterOps(LogsState):
    def put_metric_filter(self, ctx: RequestContext, params: dict) -> dict:
        group_name = params["logGroupName"]
        self.standard_only(self.log_group(ctx, group_name), "Metric filters")
        compile_pattern(params["filterPattern"])
        for transformation in params["metricTransformations"]:
            _check(transformation)
        ns = metric_filters_ns(ctx.account_id, ctx.region, group_name)
        with self.store.transaction():
            existing = {name for name, _ in self.store.scan(ns)}
            if params["filterName"] not in existing and len(existing) >= MAX_FILTERS:
                raise ServiceError("LimitExceededException", "Resource limit exceeded.")
            metric_filter: MetricFilter = {
                "filterName": params["filterName"], "logGroupName": group_name,
                "filterPattern": params["filterPattern"], "creationTime": now_ms(ctx),
                "metricTransformations": params["metricTransformations"],
                "applyOnTransformedLogs": bool(params.get("applyOnTransformedLogs")),
            }
            METRIC_FILTER.put(self.store, ns, params["filterName"], metric_filter)
        return {}

    def describe_metric_filters(self, ctx: RequestContext, params: dict) -> dict:
        group_name, prefix = params.get("logGroupName"), params.get("filterNamePrefix")
        name, namespace = params.get("metricName"), params.get("metricNamespace")
        if prefix and not group_name:
            raise invalid("The parameter logGroupName is required when filterNamePrefix is specified.")
        if bool(name) != bool(namespace):
            raise invalid("The parameters metricName and metricNamespace must be specified together.")
        if group_name:
            self.log_group(ctx, group_name)
            spaces = [metric_filters_ns(ctx.account_id, ctx.region, group_name)]
        else:
            spaces = sorted(self.store.namespaces(metric_filters_ns(ctx.account_id, ctx.region)))
        rows = [f for ns in spaces for _, f in METRIC_FILTER.scan(self.store, ns, prefix=prefix or "")]
        if name:
            rows = [f for f in rows if any(t["metricName"] == name and t["metricNamespace"] == namespace
                                           for t in f["metricTransformations"])]
        rows = [{k: v for k, v in f.items() if k != "SchemaVersion"} for f in rows]
        return page(rows, params, "metricFilters", lambda f: [f["logGroupName"], f["filterName"]])

    def delete_metric_filter(self, ctx: RequestContext, params: dict) -> dict:
        self.log_group(ctx, params["logGroupName"])
        self.delete_or_missing(metric_filters_ns(ctx.account_id, ctx.region, params["logGroupName"]),
                               params["filterName"], "The specified metric filter does not exist.")
        return {}

    def test_metric_filter(self, ctx: RequestContext, params: dict) -> dict:
        test = compile_pattern(params["filterPattern"])
        return {"matches": [
            {"eventNumber": number, "eventMessage": message,
             "extractedValues": extracted(params["filterPattern"], message)}
            for number, message in enumerate(params["logEventMessages"], start=1) if test(message)]}
