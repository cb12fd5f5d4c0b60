"""Amazon Kinesis Data Analytics v1 (SQL applications): the provider.

state.py (lookup, status, version checks), applications.py (lifecycle), config_ops.py (inputs, outputs,
reference data, logging options), configuration.py (their checks, updates and descriptions),
discovery.py and schema.py (DiscoverInputSchema), tags.py.
"""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.services.kinesisanalytics.applications import ApplicationOps
from nimbus.services.kinesisanalytics.config_ops import ConfigOps
from nimbus.services.kinesisanalytics.discovery import DiscoveryOps
from nimbus.services.kinesisanalytics.tags import TagOps


class Provider(ApplicationOps, ConfigOps, DiscoveryOps, TagOps):
    def resource_arns(self, ctx: RequestContext, operation: str, params: dict) -> list[str] | None:
        if params.get("ResourceARN") and operation.endswith(("TagResource", "TagsForResource")):
            return [params["ResourceARN"]]
        name = params.get("ApplicationName")
        return [ctx.arn(f"application/{name}")] if name else None
