"""AWS Trusted Advisor's own API (service ``trustedadvisor``): the same checks and results as the support
API's (one engine, nimbus/services/support/advisor), seen as recommendations with lifecycles, resources and
exclusions, and the organization view across nimbus's accounts."""
from __future__ import annotations

from .organization import OrganizationOps
from .recommendations import RecommendationOps


class Provider(RecommendationOps, OrganizationOps):
    pass
