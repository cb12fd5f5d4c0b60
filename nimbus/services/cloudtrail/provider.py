"""AWS CloudTrail: event history, trails, delivery of signed log files."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.services.cloudtrail import lookup, signing
from nimbus.services.cloudtrail.engine import engine_for
from nimbus.services.cloudtrail.federation import FederationOps
from nimbus.services.cloudtrail.insight_metrics import InsightMetricOps
from nimbus.services.cloudtrail.insight_selectors import InsightOps
from nimbus.services.cloudtrail.lake.imports import ImportOps
from nimbus.services.cloudtrail.lake.queries import QueryOps
from nimbus.services.cloudtrail.resource_policies import ResourcePolicyOps
from nimbus.services.cloudtrail.sample_queries import SampleQueryOps
from nimbus.services.cloudtrail.tagging import TagOps


class Provider(InsightOps, InsightMetricOps, TagOps, ResourcePolicyOps, FederationOps, SampleQueryOps, QueryOps,
               ImportOps):
    def lookup_events(self, ctx: RequestContext, params: dict) -> dict:
        engine_for(ctx.runtime).flush()
        return lookup.lookup(self.store, ctx.account_id, ctx.region, params, ctx.clock.time())

    def list_public_keys(self, ctx: RequestContext, params: dict) -> dict:
        return signing.list_public_keys(self.store, self.runtime.vault, ctx.region, params, ctx.clock.time(),
                                        self.runtime.config.cloudtrail_key_rotation_seconds)
