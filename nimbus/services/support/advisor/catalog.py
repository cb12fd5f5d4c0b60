"""The checks nimbus runs, under AWS's check ids, names, categories and metadata columns (AWS's Trusted
Advisor check reference). Each check's ``run`` reads the account and returns its rows."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .reader import AccountReader, Outcome

# The support API's category names; the trustedadvisor API calls them pillars.
SECURITY = "security"
FAULT_TOLERANCE = "fault_tolerance"
SERVICE_LIMITS = "service_limits"
COST_OPTIMIZING = "cost_optimizing"

# The columns of every service limit check, in AWS's order.
LIMIT_COLUMNS = ("Region", "Service", "Limit Name", "Limit Amount", "Current Usage", "Status")


@dataclass(frozen=True)
class Check:
    id: str
    name: str
    category: str
    metadata: tuple[str, ...]
    criteria: str  # the alert criteria, in HTML as the support API describes checks
    action: str
    services: tuple[str, ...]  # the trustedadvisor API's awsServices
    run: Callable[[AccountReader], Outcome]
    source: str = "ta_check"  # the trustedadvisor API's source: Trusted Advisor's own, Security Hub's, Config's
    # AWS refreshes some checks itself, several times a day, and refuses requests to.
    refreshable: bool = True

    @property
    def description(self) -> str:
        return (f"{self.summary}<br>\n<br>\n<b>Alert Criteria</b><br>\n{self.criteria}<br>\n<br>\n"
                f"<b>Recommended Action</b><br>\n{self.action}")

    @property
    def summary(self) -> str:
        return SUMMARIES.get(self.id, f"Checks {self.name}.")

    @property
    def savings(self) -> dict:
        """The cost figures both APIs show (``costOptimizing``): nimbus keeps no prices, so a cost check never
        estimates a saving, and the other categories have none."""
        if self.category != COST_OPTIMIZING:
            return {}
        return {"costOptimizing": {"estimatedMonthlySavings": 0.0, "estimatedPercentMonthlySavings": 0.0}}

    @property
    def arn(self) -> str:
        return f"arn:aws:trustedadvisor:::check/{self.id}"


# One sentence each on what the check looks at (nimbus's words).
SUMMARIES: dict[str, str] = {}
CHECKS: dict[str, Check] = {}


def register(check: Check, summary: str) -> Check:
    CHECKS[check.id] = check
    SUMMARIES[check.id] = summary
    return check


def find(check_id: str) -> Check | None:
    _load()
    return CHECKS.get(check_id)


def every() -> list[Check]:
    _load()
    return sorted(CHECKS.values(), key=lambda c: (c.category, c.name))


def _load() -> None:
    """The check modules register themselves when imported."""
    from . import controls, cost, limits, security, storage, usage  # noqa: F401
