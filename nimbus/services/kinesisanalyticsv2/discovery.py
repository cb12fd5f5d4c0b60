"""DiscoverInputSchema, v2's: as v1's (``nimbus.core.input_discovery``), every source read as the
``ServiceExecutionRole``."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.input_discovery import discover

from .common import SERVICE_PRINCIPAL, SESSION_NAME, check_role
from .state import FlinkState


class DiscoveryOps(FlinkState):
    def discover_input_schema(self, ctx: RequestContext, params: dict) -> dict:
        return discover(ctx, params, params.get("ServiceExecutionRole"), check_role, SERVICE_PRINCIPAL, SESSION_NAME)
