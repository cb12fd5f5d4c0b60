"""What the trustedadvisor API's topics share: the engine the support API also uses, and how a check in an
account is named as a recommendation and its resources."""
from __future__ import annotations

import uuid

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider
from nimbus.services.support.advisor import catalog
from nimbus.services.support.advisor.catalog import Check
from nimbus.services.support.advisor.documents import CheckRun, ResultRow
from nimbus.services.support.advisor.engine import Advisor

RECOMMENDATIONS = uuid.UUID("5b7f3d4e-2c1a-4e8b-9f60-7a1d2c3b4e5f")  # the namespace of recommendation ids


def recommendation_id(account: str, check: Check) -> str:
    return str(uuid.uuid5(RECOMMENDATIONS, f"{account}/{check.id}"))


def recommendation_arn(account: str, check: Check) -> str:
    return f"arn:aws:trustedadvisor::{account}:recommendation/{recommendation_id(account, check)}"


def resource_arn(account: str, check: Check, row: ResultRow) -> str:
    return (f"arn:aws:trustedadvisor::{account}:recommendation-resource/{recommendation_id(account, check)}/"
            f"{row['resourceId']}")


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message, status=400)


def not_found(message: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", message, status=404)


def columns(check: Check, row: ResultRow) -> dict[str, str]:
    """A row's metadata as the trustedadvisor API keys it: by column position."""
    return {str(i): value for i, value in enumerate(row["metadata"]) if value is not None}


def resources(account: str, check: Check, run: CheckRun, params: dict, recommendation: str) -> list[dict]:
    """The result's resources as the API lists them, filtered by ``status``, ``exclusionStatus`` and
    ``regionCode``; ``recommendation`` is the ARN they belong to."""
    excluded = set(run.get("excluded") or [])
    found = []
    for row in run.get("rows") or []:
        exclusion = "excluded" if row["resourceId"] in excluded else "included"
        if params.get("status") not in (None, row["status"]) or \
                params.get("exclusionStatus") not in (None, exclusion) or \
                params.get("regionCode") not in (None, row["region"] or "-"):
            continue
        found.append({
            "id": row["resourceId"], "arn": resource_arn(account, check, row), "awsResourceId": row["resource"],
            "regionCode": row["region"] or "-", "status": row["status"], "metadata": columns(check, row),
            "lastUpdatedAt": timestamp(run["timestamp"]), "exclusionStatus": exclusion,
            "recommendationArn": recommendation})
    return found


class TrustedAdvisorState(BaseProvider):
    def __init__(self, runtime):
        super().__init__(runtime)
        self.advisor = Advisor(runtime)

    def recommendation(self, ctx: RequestContext, identifier: str) -> Check:
        """The check a recommendation id or ARN of the caller's account names."""
        wanted = identifier.rsplit("/", 1)[-1]
        for check in catalog.every():
            if recommendation_id(ctx.account_id, check) == wanted:
                if identifier.startswith("arn:") and identifier != recommendation_arn(ctx.account_id, check):
                    break
                return check
        raise not_found(f"Recommendation {identifier} not found")

    def summary(self, account: str, check: Check, run: CheckRun) -> dict:
        excluded = set(run.get("excluded") or [])
        rows = [r for r in run.get("rows") or [] if r["resourceId"] not in excluded]
        counts = {status: sum(1 for r in rows if r["status"] == status) for status in ("ok", "warning", "error")}
        summary = {
            "id": recommendation_id(account, check), "type": "standard", "checkArn": check.arn,
            "status": run["status"], "pillars": [check.category], "source": check.source,
            "awsServices": list(check.services), "name": check.name, "arn": recommendation_arn(account, check),
            "resourcesAggregates": {"okCount": counts["ok"], "warningCount": counts["warning"],
                                    "errorCount": counts["error"], "excludedCount": len(excluded)},
            "createdAt": timestamp(run["createdAt"]), "lastUpdatedAt": timestamp(run["timestamp"])}
        if check.savings:
            summary["pillarSpecificAggregates"] = check.savings
        if run.get("lifecycleStage"):
            summary["lifecycleStage"] = run["lifecycleStage"]
        return summary

    @staticmethod
    def paged(items: list, params: dict, key: str) -> dict:
        start = int(params.get("nextToken") or 0) if str(params.get("nextToken") or "0").isdigit() else 0
        size = params.get("maxResults") or 100
        output: dict = {key: items[start:start + size]}
        if start + size < len(items):
            output["nextToken"] = str(start + size)
        return output
