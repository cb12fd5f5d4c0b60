"""The trustedadvisor API over one account: checks, recommendations (a check's result in the account),
their resources, lifecycle and exclusions."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.times import epoch, timestamp
from nimbus.services.support.advisor import catalog

from .state import TrustedAdvisorState, recommendation_arn, resources, validation

USER_STAGES = frozenset({"pending_response", "in_progress", "dismissed", "resolved"})


def lifecycle_changes(ctx: RequestContext, params: dict, now: float) -> dict:
    """The stored fields an UpdateRecommendationLifecycle (or its organization variant) asks for."""
    stage = params["lifecycleStage"]
    if stage not in USER_STAGES:
        raise validation(f"Invalid lifecycle stage: {stage}")
    if params.get("updateReasonCode") and stage not in ("dismissed", "resolved"):
        raise validation("updateReasonCode is only allowed when lifecycleStage is dismissed or resolved")
    changes = {"lifecycleStage": stage, "lifecycleUpdatedAt": now, "updateReason": params.get("updateReason", ""),
               "updateReasonCode": params.get("updateReasonCode", ""), "updatedOnBehalfOf": ctx.principal.arn}
    if stage == "resolved":
        changes["resolvedAt"] = now
    return changes


class RecommendationOps(TrustedAdvisorState):
    def list_checks(self, ctx: RequestContext, params: dict) -> dict:
        checks = [c for c in catalog.every()
                  if params.get("pillar") in (None, c.category)
                  and params.get("awsService") in (None, *c.services)
                  and params.get("source") in (None, c.source)]
        return self.paged([{"id": c.id, "arn": c.arn, "name": c.name, "description": c.description,
                            "pillars": [c.category], "awsServices": list(c.services), "source": c.source,
                            "metadata": {str(i): column for i, column in enumerate(c.metadata)}}
                           for c in checks], params, "checkSummaries")

    def list_recommendations(self, ctx: RequestContext, params: dict) -> dict:
        summaries = []
        after, before = epoch(params.get("afterLastUpdatedAt")), epoch(params.get("beforeLastUpdatedAt"))
        for check in catalog.every():
            if params.get("checkIdentifier") not in (None, check.id, check.arn) or \
                    params.get("pillar") not in (None, check.category) or \
                    params.get("awsService") not in (None, *check.services) or \
                    params.get("source") not in (None, check.source) or params.get("type") not in (None, "standard"):
                continue
            run = self.advisor.state(ctx.account_id, check)
            if params.get("status") not in (None, run["status"]) or (after and run["timestamp"] <= after) or \
                    (before and run["timestamp"] >= before):
                continue
            summaries.append(self.summary(ctx.account_id, check, run))
        return self.paged(summaries, params, "recommendationSummaries")

    def get_recommendation(self, ctx: RequestContext, params: dict) -> dict:
        check = self.recommendation(ctx, params["recommendationIdentifier"])
        run = self.advisor.state(ctx.account_id, check)
        recommendation = {**self.summary(ctx.account_id, check, run), "description": check.description}
        for member in ("updateReason", "updateReasonCode", "updatedOnBehalfOf"):
            if run.get(member):
                recommendation[member] = run[member]  # type: ignore[literal-required]
        if run.get("resolvedAt"):
            recommendation["resolvedAt"] = timestamp(run["resolvedAt"])
        return {"recommendation": recommendation}

    def list_recommendation_resources(self, ctx: RequestContext, params: dict) -> dict:
        check = self.recommendation(ctx, params["recommendationIdentifier"])
        run = self.advisor.state(ctx.account_id, check)
        found = resources(ctx.account_id, check, run, params, recommendation_arn(ctx.account_id, check))
        return self.paged(found, params, "recommendationResourceSummaries")

    def list_recommendations_for_resource(self, ctx: RequestContext, params: dict) -> dict:
        found = []
        for check in catalog.every():
            if params.get("pillar") not in (None, check.category) or params.get("checkArn") not in (None, check.arn):
                continue
            run = self.advisor.state(ctx.account_id, check)
            if any(r["resource"] == params["awsResourceArn"] for r in run.get("rows") or []) and \
                    params.get("status") in (None, run["status"]):
                summary = self.summary(ctx.account_id, check, run)
                found.append({member: summary[member] for member in (
                    "id", "arn", "checkArn", "status", "pillars", "source", "awsServices", "name",
                    "resourcesAggregates", "lastUpdatedAt") if member in summary})
        return self.paged(found, params, "recommendationForResourceSummaries")

    def update_recommendation_lifecycle(self, ctx: RequestContext, params: dict) -> dict:
        check = self.recommendation(ctx, params["recommendationIdentifier"])
        self.advisor.update(ctx.account_id, check, **lifecycle_changes(ctx, params, self.advisor.now()))
        return {}

    def batch_update_recommendation_resource_exclusion(self, ctx: RequestContext, params: dict) -> dict:
        errors = []
        for exclusion in params["recommendationResourceExclusions"]:
            arn = exclusion["arn"]
            prefix = f"arn:aws:trustedadvisor::{ctx.account_id}:recommendation-resource/"
            parts = arn[len(prefix):].split("/") if arn.startswith(prefix) else []
            check = next((c for c in catalog.every() if len(parts) == 2 and
                          recommendation_arn(ctx.account_id, c).endswith(parts[0])), None)
            run = self.advisor.state(ctx.account_id, check) if check else None
            if check is None or run is None or not any(r["resourceId"] == parts[1] for r in run.get("rows") or []):
                errors.append({"arn": arn, "errorCode": "404", "errorMessage": "Resource not found"})
                continue
            excluded = set(run.get("excluded") or [])
            excluded = excluded | {parts[1]} if exclusion["isExcluded"] else excluded - {parts[1]}
            self.advisor.update(ctx.account_id, check, excluded=sorted(excluded))
        return {"batchUpdateRecommendationResourceExclusionErrors": errors}
