"""DiscoverInputSchema: sample a Kinesis stream, the source stream of a Firehose delivery stream, or an S3
object, as the given role, and infer the schema of what is there (``nimbus.core.input_discovery``, which v2
shares)."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.input_discovery import discover
from nimbus.services.kinesisanalytics.common import SERVICE_PRINCIPAL, SESSION_NAME, check_role
from nimbus.services.kinesisanalytics.state import KinesisAnalyticsState


class DiscoveryOps(KinesisAnalyticsState):
    def discover_input_schema(self, ctx: RequestContext, params: dict) -> dict:
        return discover(ctx, params, params.get("RoleARN"), check_role, SERVICE_PRINCIPAL, SESSION_NAME)
