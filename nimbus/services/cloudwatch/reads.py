"""GetMetricStatistics and ListMetrics."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.times import epoch, timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudwatch.aggregation import find_metric, periods, units_of
from nimbus.services.cloudwatch.common import combination, invalid, metric_key
from nimbus.services.cloudwatch.documents import Metric
from nimbus.services.cloudwatch.series import resolution_at
from nimbus.services.cloudwatch.state import CloudWatchState
from nimbus.services.cloudwatch.statistics import STANDARD, extended, is_extended, standard

MAX_DATAPOINTS = 1440
LIST_PAGE = 500
RECENT = 3 * 3600
LISTED_FOR = 14 * 86400  # a metric without new data for two weeks is no longer listed


def check_period(period: int, parameter: str = "Period") -> None:
    if period <= 0 or (period % 60 and period not in (1, 5, 10, 20, 30)):
        raise invalid(f"The parameter {parameter} must be a multiple of 60.")


def available(slot: float, period: int, now: float) -> bool:
    """Data of this age only exists at a coarser resolution: finer periods find nothing (as AWS says)."""
    return period % resolution_at(now - slot) == 0


class ReadOps(CloudWatchState):
    def get_metric_statistics(self, ctx: RequestContext, params: dict) -> dict:
        statistics, extended_names = params.get("Statistics") or [], params.get("ExtendedStatistics") or []
        if not statistics and not extended_names:
            raise combination("Must specify either Statistics or ExtendedStatistics.")
        for name in extended_names:
            if not is_extended(name):
                raise invalid(f"The value {name} for parameter ExtendedStatistics is not a valid extended "
                              "statistic.")
        self.published_so_far()
        start, end, period = epoch(params["StartTime"]), epoch(params["EndTime"]), params["Period"]
        assert start is not None and end is not None
        check_period(period)
        if start >= end:
            raise invalid("The parameter StartTime must be less than the parameter EndTime.")
        wanted = int((end - start + period - 1) // period)
        if wanted > MAX_DATAPOINTS:
            raise combination(f"You have requested up to {wanted:,} datapoints, which exceeds the limit of "
                              f"{MAX_DATAPOINTS:,}. You may reduce the datapoints requested by increasing Period, "
                              "or decreasing the time range.")
        label, unit = params["MetricName"], params.get("Unit")
        metric = find_metric(self.store, ctx.account_id, ctx.region, params["Namespace"], label,
                             params.get("Dimensions") or [])
        if metric is None:
            return {"Label": label, "Datapoints": []}
        now = self.clock.time()
        units = units_of(self.store, ctx.account_id, ctx.region, metric, start, end)
        shown_unit = unit or (units.pop() if len(units) == 1 else "None")
        datapoints = []
        for slot, bucket in sorted(periods(self.store, ctx.account_id, ctx.region, metric, start, end, period,
                                           unit).items()):
            if not available(slot, period, now):
                continue
            point: dict = {"Timestamp": timestamp(slot), "Unit": shown_unit}
            point.update((name, standard(bucket, name)) for name in statistics if name in STANDARD)
            if extended_names:
                point["ExtendedStatistics"] = {
                    name: value for name in extended_names if (value := extended(bucket, name)) is not None}
            datapoints.append(point)
        return {"Label": label, "Datapoints": datapoints}

    def list_metrics(self, ctx: RequestContext, params: dict) -> dict:
        self.published_so_far()
        namespace, name = params.get("Namespace"), params.get("MetricName")
        filters = params.get("Dimensions") or []
        recent = params.get("RecentlyActive") == "PT3H"
        owner = params.get("OwningAccount")
        if owner is not None and owner != ctx.account_id:
            return {"Metrics": []}
        now = self.clock.time()

        def matches(metric: Metric) -> bool:
            dims = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
            return ((name is None or metric["MetricName"] == name)
                    and all(f["Name"] in dims and f.get("Value", dims[f["Name"]]) == dims[f["Name"]]
                            for f in filters)
                    and now - metric["LastPut"] <= (RECENT if recent else LISTED_FOR))

        chosen = [m for m in self.all_metrics(ctx.account_id, ctx.region, namespace) if matches(m)]
        keys = [metric_key(m["Namespace"], m["MetricName"], m["Dimensions"]) for m in chosen]
        token = params.get("NextToken")
        start = 0
        if token:
            start = next((i for i, key in enumerate(keys) if key > token), len(keys))
            if token.count("\n") != 2:
                raise ServiceError("InvalidNextToken", "The service couldn't process the NextToken.")
        page = chosen[start:start + LIST_PAGE]
        out: dict = {"Metrics": [{"Namespace": m["Namespace"], "MetricName": m["MetricName"],
                                  "Dimensions": m["Dimensions"]} for m in page]}
        if params.get("IncludeLinkedAccounts"):
            out["OwningAccounts"] = [ctx.account_id] * len(page)
        if start + LIST_PAGE < len(chosen):
            out["NextToken"] = keys[start + LIST_PAGE - 1]
        return out
