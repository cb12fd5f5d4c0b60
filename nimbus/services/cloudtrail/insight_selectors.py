"""PutInsightSelectors and GetInsightSelectors on trails (Insights on event data stores are Lake's)."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail import insights, selectors
from nimbus.services.cloudtrail.documents import Trail
from nimbus.services.cloudtrail.trails import TrailOps


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidInsightSelectorsException", message, status=400)


def logs_writes(trail: Trail) -> bool:
    """Whether the trail logs write management events (ApiCallRateInsight measures those)."""
    if trail.get("AdvancedEventSelectors"):
        for selector in trail["AdvancedEventSelectors"]:
            fields = {f["Field"]: f for f in selector.get("FieldSelectors", ())}
            category = fields.get("eventCategory", {}).get("Equals", [])
            read_only = fields.get("readOnly", {}).get("Equals", [])
            if "Management" in category and read_only != ["true"]:
                return True
        return False
    return any(s.get("IncludeManagementEvents", True) and s.get("ReadWriteType", "All") in ("All", "WriteOnly")
               for s in trail.get("EventSelectors") or selectors.DEFAULT)


def logs_management(trail: Trail) -> bool:
    if trail.get("AdvancedEventSelectors"):
        return any(any(f["Field"] == "eventCategory" and "Management" in f.get("Equals", [])
                       for f in s.get("FieldSelectors", ())) for s in trail["AdvancedEventSelectors"])
    return any(s.get("IncludeManagementEvents", True) for s in trail.get("EventSelectors") or selectors.DEFAULT)


def validate(trail: Trail, chosen: list[dict]) -> list[dict]:
    types = [s.get("InsightType") for s in chosen]
    if None in types:
        raise invalid("Insight type must be specified.")
    if len(set(types)) != len(types):
        raise invalid("Duplicate insight types are not allowed.")
    for selector in chosen:
        if "Data" in (selector.get("EventCategories") or []):
            raise invalid("nimbus computes Insights on management events only: EventCategories must be "
                          "Management.")
    if "ApiCallRateInsight" in types and not logs_writes(trail):
        raise invalid("ApiCallRateInsight requires the trail to log write management events.")
    if "ApiErrorRateInsight" in types and not logs_management(trail):
        raise invalid("ApiErrorRateInsight requires the trail to log management events.")
    return [{"InsightType": t, "EventCategories": ["Management"]} for t in types]


class InsightOps(TrailOps):
    def _insights_trail(self, ctx: RequestContext, params: dict, home: bool) -> Trail:
        if params.get("EventDataStore"):
            if params.get("TrailName"):
                raise ServiceError("InvalidParameterCombinationException",
                                   "You cannot specify both a trail and an event data store.", status=400)
            raise ServiceError("UnsupportedOperationException",
                               "nimbus serves Insights on trails only, not on event data stores.", status=400)
        if not params.get("TrailName"):
            raise ServiceError("InvalidParameterCombinationException",
                               "You must specify a trail or an event data store.", status=400)
        return self._home_trail(ctx, params["TrailName"]) if home else self._trail(ctx, params["TrailName"])

    def put_insight_selectors(self, ctx: RequestContext, params: dict) -> dict:
        if params.get("InsightsDestination"):
            raise ServiceError("InvalidParameterCombinationException",
                               "InsightsDestination is only valid with an event data store.", status=400)
        trail = self._insights_trail(ctx, params, home=True)
        chosen = validate(trail, params["InsightSelectors"])
        if chosen:
            trail["InsightSelectors"] = chosen
            insights.enabled(ctx.runtime, ctx.account_id, trail)
        else:
            trail.pop("InsightSelectors", None)
        trail["HasInsightSelectors"] = bool(chosen)
        self._save(ctx, trail)
        return {"TrailARN": trail["TrailARN"], "InsightSelectors": chosen}

    def get_insight_selectors(self, ctx: RequestContext, params: dict) -> dict:
        trail = self._insights_trail(ctx, params, home=False)
        if not trail.get("InsightSelectors"):
            raise ServiceError("InsightNotEnabledException",
                               f"Trail {trail['Name']} does not have Insights enabled. Enable Insights on the "
                               "trail, and then try the operation again.", status=400)
        return {"TrailARN": trail["TrailARN"], "InsightSelectors": trail["InsightSelectors"]}
