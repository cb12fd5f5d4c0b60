"""PutMetricData: values, value lists with counts, statistic sets, high resolution, units and entity
metadata, checked as CloudWatch checks them."""
from __future__ import annotations

from typing import Any

from nimbus.core.context import RequestContext
from nimbus.core.times import epoch
from nimbus.services.cloudwatch.common import combination, finite, invalid, invalid_value, missing
from nimbus.services.cloudwatch.metric_store import Datapoint, record
from nimbus.services.cloudwatch.series import bucket_of, summary_bucket
from nimbus.services.cloudwatch.state import CloudWatchState

MAX_METRICS = 1000
MAX_DIMENSIONS = 30
MAX_VALUES = 150
PAST_LIMIT = 14 * 86400  # AWS accepts timestamps up to two weeks old
FUTURE_LIMIT = 2 * 3600  # and up to two hours ahead


class MetricDataOps(CloudWatchState):
    def put_metric_data(self, ctx: RequestContext, params: dict) -> dict:
        namespace = params["Namespace"]
        if namespace.startswith("AWS/"):
            raise invalid_value(namespace, "Namespace")
        data = list(params.get("MetricData") or [])
        entity_data = params.get("EntityMetricData") or []
        for entry in entity_data:
            _check_entity(entry.get("Entity") or {}, params.get("StrictEntityValidation", False))
            data.extend(entry.get("MetricData") or [])
        if not data:
            raise missing("MetricData")
        if len(data) > MAX_METRICS:
            raise invalid(f"The collection MetricData must not have a size greater than {MAX_METRICS}.")
        now = self.clock.time()
        points = [self._datapoint(namespace, datum, f"MetricData.member.{n}", now)
                  for n, datum in enumerate(data, 1)]
        record(self.store, ctx.account_id, ctx.region, points, now)
        return {}

    @staticmethod
    def _datapoint(namespace: str, datum: dict[str, Any], where: str, now: float) -> Datapoint:
        dimensions = datum.get("Dimensions") or []
        if len(dimensions) > MAX_DIMENSIONS:
            raise invalid(f"The collection {where}.Dimensions must not have a size greater than {MAX_DIMENSIONS}.")
        if len({d["Name"] for d in dimensions}) != len(dimensions):
            raise invalid(f"No metric may have duplicate dimension names: {where}.Dimensions.")
        resolution = datum.get("StorageResolution", 60)
        if resolution not in (1, 60):
            raise invalid_value(resolution, f"{where}.StorageResolution")
        when = epoch(datum.get("Timestamp")) or now
        if when < now - PAST_LIMIT or when > now + FUTURE_LIMIT:
            raise invalid(f"The parameter {where}.Timestamp must specify a time no more than two weeks in the "
                          "past and no more than two hours in the future.")
        given = [name for name in ("Value", "StatisticValues", "Values") if datum.get(name) is not None]
        if len(given) > 1:
            raise combination(f"The parameters {where}.{given[0]} and {where}.{given[1]} are mutually exclusive "
                              "and you have specified both.")
        if datum.get("Counts") is not None and datum.get("Values") is None:
            raise combination(f"The parameter {where}.Counts must be specified with {where}.Values.")
        if not given:
            raise missing(f"{where}.Value")
        if "StatisticValues" in given:
            stats = datum["StatisticValues"]
            count, total = finite(stats["SampleCount"], f"{where}.StatisticValues.SampleCount"), stats["Sum"]
            low, high = stats["Minimum"], stats["Maximum"]
            for name in ("Sum", "Minimum", "Maximum"):
                finite(stats[name], f"{where}.StatisticValues.{name}")
            if count <= 0:
                raise invalid_value(count, f"{where}.StatisticValues.SampleCount")
            if low > high:
                raise invalid(f"The parameter {where}.StatisticValues.Maximum must be greater than "
                              f"{where}.StatisticValues.Minimum.")
            bucket = summary_bucket(count, total, low, high)
        elif "Values" in given:
            values = datum["Values"]
            counts = datum.get("Counts") or [1.0] * len(values)
            if len(values) > MAX_VALUES:
                raise invalid(f"The collection {where}.Values must not have a size greater than {MAX_VALUES}.")
            if len(counts) != len(values):
                raise invalid(f"The parameters {where}.Values and {where}.Counts must be of the same size.")
            for i, value in enumerate(values, 1):
                finite(value, f"{where}.Values.member.{i}")
            for i, count in enumerate(counts, 1):
                if finite(count, f"{where}.Counts.member.{i}") < 0:
                    raise invalid_value(count, f"{where}.Counts.member.{i}")
            if not values or not any(counts):
                raise missing(f"{where}.Values")
            bucket = bucket_of(list(zip(values, counts, strict=True)))
        else:
            bucket = bucket_of([(finite(datum["Value"], f"{where}.Value"), 1.0)])
        return Datapoint(namespace, datum["MetricName"], dimensions, when, resolution,
                         datum.get("Unit") or "None", bucket)


def _check_entity(entity: dict[str, Any], strict: bool) -> None:
    """Entity metadata only links metrics to their resource in AWS's explorer; nimbus checks it under
    StrictEntityValidation and keeps the datapoints either way."""
    if not strict:
        return
    attributes = entity.get("KeyAttributes") or {}
    if "Type" not in attributes:
        raise invalid("The entity's KeyAttributes must include Type.")
