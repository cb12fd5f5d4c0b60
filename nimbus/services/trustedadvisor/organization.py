"""The organization view: each check across every nimbus account Trusted Advisor has results for, seen from
the management account. nimbus serves no AWS Organizations, so the organization is nimbus's accounts and its
management account is the default account (the one that owns the server); any other caller is refused as
AWS refuses a member account."""
from __future__ import annotations

import uuid

from nimbus.core.arns import DEFAULT_ACCOUNT
from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.support.advisor import catalog
from nimbus.services.support.advisor.catalog import Check
from nimbus.services.support.advisor.documents import CheckRun
from nimbus.services.support.advisor.reader import SEVERITY

from .documents import ORGANIZATION_LIFECYCLE, OrganizationLifecycle
from .recommendations import lifecycle_changes
from .state import TrustedAdvisorState, not_found, recommendation_arn, resources

ORGANIZATION = uuid.UUID("0e6c1f8a-93d4-4b7e-a2f5-6c8d9e0f1a2b")  # the namespace of organization ids


def organization_id(check: Check) -> str:
    return str(uuid.uuid5(ORGANIZATION, check.id))


def organization_arn(check: Check) -> str:
    return f"arn:aws:trustedadvisor:::organization-recommendation/{organization_id(check)}"


def lifecycle_ns() -> tuple[str, ...]:
    return ("trustedadvisor", DEFAULT_ACCOUNT, "organization")


class OrganizationOps(TrustedAdvisorState):
    def management(self, ctx: RequestContext) -> list[str]:
        """The organization's accounts, for its management account only."""
        if ctx.account_id != DEFAULT_ACCOUNT:
            raise ServiceError("AccessDeniedException", f"Account {ctx.account_id} is not the management account "
                               "of an organization with Trusted Advisor's organizational view", status=403)
        return sorted(set(self.advisor.accounts()) | {ctx.account_id})

    def organization_check(self, identifier: str) -> Check:
        for check in catalog.every():
            if organization_arn(check) == identifier:
                return check
        raise not_found(f"Organization recommendation {identifier} not found")

    def organization_summary(self, accounts: list[str], check: Check) -> dict:
        parts = [self.summary(account, check, self.advisor.state(account, check)) for account in accounts]
        aggregates = {name: sum(p["resourcesAggregates"][name] for p in parts)
                      for name in ("okCount", "warningCount", "errorCount", "excludedCount")}
        summary = {**parts[0], "id": organization_id(check), "arn": organization_arn(check),
                   "status": max((p["status"] for p in parts), key=SEVERITY.__getitem__),
                   "resourcesAggregates": aggregates,
                   "createdAt": min(p["createdAt"] for p in parts),
                   "lastUpdatedAt": max(p["lastUpdatedAt"] for p in parts)}
        summary.pop("lifecycleStage", None)
        lifecycle = ORGANIZATION_LIFECYCLE.get(self.store, lifecycle_ns(), check.id)
        if lifecycle:
            summary["lifecycleStage"] = lifecycle["lifecycleStage"]
        return summary

    def list_organization_recommendations(self, ctx: RequestContext, params: dict) -> dict:
        accounts = self.management(ctx)
        found = []
        for check in catalog.every():
            if params.get("checkIdentifier") not in (None, check.arn) or \
                    params.get("pillar") not in (None, check.category) or \
                    params.get("awsService") not in (None, *check.services) or \
                    params.get("source") not in (None, check.source) or params.get("type") not in (None, "standard"):
                continue
            summary = self.organization_summary(accounts, check)
            if params.get("status") in (None, summary["status"]):
                found.append(summary)
        return self.paged(found, params, "organizationRecommendationSummaries")

    def get_organization_recommendation(self, ctx: RequestContext, params: dict) -> dict:
        accounts = self.management(ctx)
        check = self.organization_check(params["organizationRecommendationIdentifier"])
        recommendation = {**self.organization_summary(accounts, check), "description": check.description}
        lifecycle = ORGANIZATION_LIFECYCLE.get(self.store, lifecycle_ns(), check.id)
        for member in ("updateReason", "updateReasonCode", "updatedOnBehalfOf"):
            if lifecycle and lifecycle.get(member):
                recommendation[member] = lifecycle[member]  # type: ignore[literal-required]
        if lifecycle and lifecycle.get("resolvedAt"):
            recommendation["resolvedAt"] = timestamp(lifecycle["resolvedAt"])
        return {"organizationRecommendation": recommendation}

    def member_runs(self, ctx: RequestContext, params: dict) -> tuple[Check, list[tuple[str, CheckRun]]]:
        """The check an organization recommendation names, and its run in each account asked about."""
        accounts = self.management(ctx)
        check = self.organization_check(params["organizationRecommendationIdentifier"])
        return check, [(account, self.advisor.state(account, check)) for account in accounts
                       if params.get("affectedAccountId") in (None, account)]

    def list_organization_recommendation_accounts(self, ctx: RequestContext, params: dict) -> dict:
        check, runs = self.member_runs(ctx, params)
        found = []
        for account, run in runs:
            entry = {"accountId": account, "accountRecommendationArn": recommendation_arn(account, check),
                     "lastUpdatedAt": timestamp(run.get("lifecycleUpdatedAt") or run["timestamp"])}
            for member in ("lifecycleStage", "updateReason", "updateReasonCode", "updatedOnBehalfOf"):
                if run.get(member):
                    entry[member] = run[member]  # type: ignore[literal-required]
            found.append(entry)
        return self.paged(found, params, "accountRecommendationLifecycleSummaries")

    def list_organization_recommendation_resources(self, ctx: RequestContext, params: dict) -> dict:
        check, runs = self.member_runs(ctx, params)
        found = [{**resource, "accountId": account} for account, run in runs
                 for resource in resources(account, check, run, params, organization_arn(check))]
        return self.paged(found, params, "organizationRecommendationResourceSummaries")

    def update_organization_recommendation_lifecycle(self, ctx: RequestContext, params: dict) -> dict:
        self.management(ctx)
        check = self.organization_check(params["organizationRecommendationIdentifier"])
        changes = lifecycle_changes(ctx, params, self.advisor.now())
        ORGANIZATION_LIFECYCLE.put(self.store, lifecycle_ns(), check.id,
                                   OrganizationLifecycle(checkId=check.id, **changes))  # type: ignore[typeddict-item]
        return {}
