"""The stored shape of one check's state in one account (see nimbus.core.documents for the convention)."""
from __future__ import annotations

from typing import Required, TypedDict

from nimbus.core.documents import DocumentKind


class ResultRow(TypedDict):
    """One resource of a check's result: ``resourceId`` is the support API's stable id of it."""
    resourceId: str
    resource: str
    status: str
    region: str | None
    metadata: list[str | None]


class CheckRun(TypedDict, total=False):
    """A check in an account: its last result, the refresh under way, and the recommendation's lifecycle
    and exclusions (the trustedadvisor API's view of the same check)."""
    checkId: Required[str]
    createdAt: Required[float]
    timestamp: float  # when the current result was computed
    status: str  # ok | warning | error
    rows: list[ResultRow]
    refreshRequestedAt: float
    pendingStatus: str
    pendingRows: list[ResultRow]
    excluded: list[str]  # resourceIds the user excluded
    lifecycleStage: str
    updateReason: str
    updateReasonCode: str
    updatedOnBehalfOf: str
    lifecycleUpdatedAt: float
    resolvedAt: float


CHECK_RUN = DocumentKind[CheckRun]("support.CheckRun")
