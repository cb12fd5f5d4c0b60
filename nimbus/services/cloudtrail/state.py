"""What every CloudTrail operation module builds on. Trails are store documents and the delivery engine is
runtime-wide (engine.py), so the provider itself keeps no state beyond BaseProvider's."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import Namespace
from nimbus.services.base import BaseProvider

policies_ns = Namespace("cloudtrail", "resource-policies")
dashboards_ns = Namespace("cloudtrail", "dashboards")


def policy_key(arn: str) -> str:
    """A resource's policy document key: its ARN's resource part (``channel/<id>``, ``dashboard/<name>``)."""
    return arn.split(":", 5)[5]


class CloudTrailState(BaseProvider):
    def _forget_policy(self, ctx: RequestContext, arn: str) -> None:
        """A deleted resource's policy goes with it."""
        self.store.delete(policies_ns(ctx.account_id, ctx.region), policy_key(arn))
