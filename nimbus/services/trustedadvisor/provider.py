"""AWS Trusted Advisor's own API (service ``trustedadvisor``): the same checks and results as the support
API's (one engine, nimbus/services/support/advisor), seen as recommendations with lifecycles, resources and
exclusions."""
from __future__ import annotations

from .recommendations import RecommendationOps


class Provider(RecommendationOps):
    pass
