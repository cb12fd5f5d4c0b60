"""ListInsightsMetricData: the per-minute counts Insights measures (insights.py), summed per period.

For ApiCallRateInsight a value is the API's write calls in the period, for ApiErrorRateInsight its calls
that failed with ``ErrorCode``. Counts exist from when Insights began measuring the account and region;
as AWS keeps them, 1-minute data points reach back 15 days, 5-minute ones 63 days and hourly ones 90.
"""
from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from datetime import UTC, datetime

from nimbus.core.context import RequestContext
from nimbus.core.times import epoch
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail.insights import CALL_RATE, minutes_ns
from nimbus.services.cloudtrail.trails import TrailOps

AVAILABLE_DAYS = {60: 15, 300: 63, 3600: 90}


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterException", message, status=400)


def _query_digest(params: dict) -> str:
    query = {k: params.get(k) for k in ("TrailName", "EventSource", "EventName", "InsightType", "ErrorCode",
                                        "StartTime", "EndTime", "Period", "DataType")}
    return hashlib.sha256(json.dumps(query, default=str, sort_keys=True).encode()).hexdigest()[:16]


def _offset(params: dict) -> int:
    if not params.get("NextToken"):
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(params["NextToken"].encode()))
        if data["q"] != _query_digest(params) or not isinstance(data["o"], int):
            raise ValueError
        return data["o"]
    except (ValueError, KeyError, TypeError):
        raise invalid("The NextToken is not valid.") from None


class InsightMetricOps(TrailOps):
    def list_insights_metric_data(self, ctx: RequestContext, params: dict) -> dict:
        period = params.get("Period", 3600)
        if period not in AVAILABLE_DAYS:
            raise invalid("Period must be 60, 300 or 3600 seconds.")
        insight_type = params["InsightType"]
        if insight_type == CALL_RATE:
            measure = f"call|{params['EventSource']}|{params['EventName']}"
        elif not params.get("ErrorCode"):
            raise invalid("ErrorCode is required when InsightType is ApiErrorRateInsight.")
        else:
            measure = f"error|{params['EventSource']}|{params['EventName']}|{params['ErrorCode']}"
        out: dict = {}
        if params.get("TrailName"):
            out["TrailARN"] = self._trail(ctx, params["TrailName"])["TrailARN"]
        now = ctx.clock.time()
        start = epoch(params.get("StartTime"))
        end = epoch(params.get("EndTime"))
        start = max(start if start is not None else now - 90 * 86400, now - AVAILABLE_DAYS[period] * 86400)
        end = min(end if end is not None else now, now)
        if start >= end:
            raise invalid("StartTime must be before EndTime.")
        first, last = int(start // period) * period, int(end // period) * period  # the periods start and end fall in
        if last == end:
            last -= period  # EndTime is exclusive
        sums: Counter = Counter()
        after = f"{first // 60 - 1:012d}"  # minute keys from the first period's first minute on
        for key, doc in self.store.scan(minutes_ns(ctx.account_id, ctx.region), start_after=after):
            if int(key) * 60 >= last + period:
                break
            if measure in doc["Counts"]:
                sums[int(key) * 60 // period * period] += doc["Counts"][measure]
        stamps = range(first, last + period, period) if params.get("DataType") == "FillWithZeros" else sorted(sums)
        points = [(t, float(sums.get(t, 0))) for t in stamps]
        offset, limit = _offset(params), params.get("MaxResults") or 21600
        chunk = points[offset:offset + limit]
        out.update({"EventSource": params["EventSource"], "EventName": params["EventName"],
                    "InsightType": insight_type, "Timestamps": [datetime.fromtimestamp(t, tz=UTC) for t, _ in chunk],
                    "Values": [v for _, v in chunk]})
        if params.get("ErrorCode"):
            out["ErrorCode"] = params["ErrorCode"]
        if offset + limit < len(points):
            out["NextToken"] = base64.urlsafe_b64encode(
                json.dumps({"o": offset + limit, "q": _query_digest(params)}).encode()).decode()
        return out

    def list_insights_data(self, ctx: RequestContext, params: dict) -> dict:
        """Insights on data events: nimbus measures management events only, so a trail has none to list."""
        self._trail(ctx, params["InsightSource"])
        start, end = epoch(params.get("StartTime")), epoch(params.get("EndTime"))
        if start is not None and end is not None and start > end:
            raise invalid("StartTime must not be after EndTime.")
        if params.get("NextToken"):
            raise invalid("The NextToken is not valid.")
        return {"Events": []}
