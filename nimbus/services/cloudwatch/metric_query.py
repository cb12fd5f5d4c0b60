"""GetMetricData: MetricStat, metric math and Metrics Insights queries, ScanBy, MaxDatapoints and pages."""
from __future__ import annotations

import math

from nimbus.core.context import RequestContext
from nimbus.core.times import epoch, timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudwatch.common import invalid
from nimbus.services.cloudwatch.queries import Runner
from nimbus.services.cloudwatch.reads import check_period
from nimbus.services.cloudwatch.state import CloudWatchState

MAX_QUERIES = 500
DEFAULT_MAX_DATAPOINTS = 100_800


class MetricQueryOps(CloudWatchState):
    def get_metric_data(self, ctx: RequestContext, params: dict) -> dict:
        queries = params["MetricDataQueries"]
        if len(queries) > MAX_QUERIES:
            raise invalid(f"The collection MetricDataQueries must not have a size greater than {MAX_QUERIES}.")
        start, end = epoch(params["StartTime"]), epoch(params["EndTime"])
        assert start is not None and end is not None
        if start >= end:
            raise invalid("The parameter StartTime must be less than the parameter EndTime.")
        for n, query in enumerate(queries, 1):
            if "MetricStat" in query:
                check_period(query["MetricStat"]["Period"], f"MetricDataQueries.member.{n}.MetricStat.Period")
        self.published_so_far()
        results = [r for r in Runner(self.store, ctx.account_id, ctx.region).run(queries, start, end)
                   if r.return_data]
        descending = params.get("ScanBy", "TimestampDescending") == "TimestampDescending"
        offset = 0
        if token := params.get("NextToken"):
            if not token.isdigit():
                raise ServiceError("InvalidNextToken", "The service couldn't process the NextToken.")
            offset = int(token)
        budget = params.get("MaxDatapoints") or DEFAULT_MAX_DATAPOINTS
        out: list[dict] = []
        next_token = None
        for index, result in enumerate(results[offset:], offset):
            # NaN and infinities (a division by zero) are left out, as AWS leaves them out.
            points = sorted(((t, v) for t, v in result.values.items() if math.isfinite(v)), reverse=descending)
            if out and budget < len(points):
                next_token = str(index)
                break
            budget -= len(points)
            out.append({"Id": result.id, "Label": result.label, "Timestamps": [timestamp(t) for t, _ in points],
                        "Values": [v for _, v in points], "StatusCode": "Complete", "Messages": []})
        answer: dict = {"MetricDataResults": out, "Messages": []}
        if next_token:
            answer["NextToken"] = next_token
        return answer
