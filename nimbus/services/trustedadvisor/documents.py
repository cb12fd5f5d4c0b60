"""The stored shape of an organization recommendation's lifecycle (see nimbus.core.documents)."""
from __future__ import annotations

from typing import Required, TypedDict

from nimbus.core.documents import DocumentKind


class OrganizationLifecycle(TypedDict, total=False):
    """The lifecycle the management account gave a check across the organization."""
    checkId: Required[str]
    lifecycleStage: Required[str]
    lifecycleUpdatedAt: Required[float]
    updateReason: str
    updateReasonCode: str
    updatedOnBehalfOf: str
    resolvedAt: float


ORGANIZATION_LIFECYCLE = DocumentKind[OrganizationLifecycle]("trustedadvisor.OrganizationLifecycle")
