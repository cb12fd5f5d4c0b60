"""The support API's Trusted Advisor operations: the checks, their results and summaries, and refreshes."""
from __future__ import annotations

from datetime import UTC, datetime

from nimbus.core.context import RequestContext

from .advisor import catalog
from .advisor.catalog import Check
from .advisor.documents import CheckRun
from .state import SupportState, invalid_parameter


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def resources_summary(run: CheckRun) -> dict:
    excluded = set(run.get("excluded") or [])
    rows = run.get("rows") or []
    return {"resourcesProcessed": len(rows),
            "resourcesFlagged": sum(1 for r in rows if r["status"] != "ok" and r["resourceId"] not in excluded),
            "resourcesIgnored": 0,
            "resourcesSuppressed": sum(1 for r in rows if r["resourceId"] in excluded)}


def describe(check: Check) -> dict:
    return {"id": check.id, "name": check.name, "description": check.description, "category": check.category,
            "metadata": list(check.metadata)}


class CheckOps(SupportState):
    def describe_trusted_advisor_checks(self, ctx: RequestContext, params: dict) -> dict:
        self.language(params)
        return {"checks": [describe(check) for check in catalog.every()]}

    def describe_trusted_advisor_check_result(self, ctx: RequestContext, params: dict) -> dict:
        self.language(params)
        check = self.check(params["checkId"])
        run = self.advisor.state(ctx.account_id, check)
        excluded = set(run.get("excluded") or [])
        flagged = [{"status": r["status"], "region": r["region"], "resourceId": r["resourceId"],
                    "isSuppressed": r["resourceId"] in excluded, "metadata": r["metadata"]}
                   for r in run.get("rows") or []]
        for row in flagged:
            if row["region"] is None:
                del row["region"]
        return {"result": {"checkId": check.id, "timestamp": iso(run["timestamp"]), "status": run["status"],
                           "resourcesSummary": resources_summary(run), "categorySpecificSummary":
                           check.savings, "flaggedResources": flagged}}

    def describe_trusted_advisor_check_summaries(self, ctx: RequestContext, params: dict) -> dict:
        summaries = []
        for check in [self.check(check_id) for check_id in params["checkIds"]]:
            run = self.advisor.state(ctx.account_id, check)
            summary = resources_summary(run)
            summaries.append({"checkId": check.id, "timestamp": iso(run["timestamp"]), "status": run["status"],
                              "hasFlaggedResources": bool(summary["resourcesFlagged"]),
                              "resourcesSummary": summary, "categorySpecificSummary": check.savings})
        return {"summaries": summaries}

    def refresh_trusted_advisor_check(self, ctx: RequestContext, params: dict) -> dict:
        check = self.check(params["checkId"])
        if not check.refreshable:
            raise invalid_parameter(f"[UNREFRESHABLE_CHECK_ID_ERROR] Check {check.id} is not refreshable.")
        return {"status": self.refresh_status(check, self.advisor.refresh(ctx.account_id, check))}

    def describe_trusted_advisor_check_refresh_statuses(self, ctx: RequestContext, params: dict) -> dict:
        checks = [self.check(check_id) for check_id in params["checkIds"]]
        return {"statuses": [self.refresh_status(check, self.advisor.state(ctx.account_id, check))
                             for check in checks]}

    def refresh_status(self, check: Check, run: CheckRun) -> dict:
        return {"checkId": check.id, "status": self.advisor.refresh_status(run),
                "millisUntilNextRefreshable": self.advisor.millis_until_refreshable(run)}
