"""S3 Tables integration sources (AssociateSourceToS3TableIntegration, DisassociateSourceFromS3TableIntegration,
ListSourcesForS3TableIntegration): stored with AWS's validation. nimbus serves neither S3 Tables nor the
integrations themselves (CloudWatch observability admin), so the ARN is checked for shape only and no data
flows to any table (docs/services/logs.md)."""
from __future__ import annotations

import uuid

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .common import now_ms, page
from .state import LogsState
from .stored import StoredKind

SOURCES = StoredKind("s3tablesources", "data source association")


def _integration(arn: str) -> str:
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn" or not parts[5]:
        raise ServiceError("ValidationException", f"Invalid integrationArn: {arn}")
    return arn


class S3TableOps(LogsState):
    def associate_source_to_s3_table_integration(self, ctx: RequestContext, params: dict) -> dict:
        integration, source = _integration(params["integrationArn"]), params["dataSource"]
        if not source.get("name"):
            raise ServiceError("ValidationException", "dataSource.name must not be empty.")
        for existing in SOURCES.all(self.store, ctx):
            if existing["integrationArn"] == integration and existing["dataSource"] == source:
                return {"identifier": existing["identifier"]}
        identifier = str(uuid.uuid4())
        SOURCES.save(self.store, ctx, identifier, {"identifier": identifier, "integrationArn": integration,
                                                   "dataSource": source, "status": "ACTIVE",
                                                   "createdTimeStamp": now_ms(ctx)})
        return {"identifier": identifier}

    def disassociate_source_from_s3_table_integration(self, ctx: RequestContext, params: dict) -> dict:
        SOURCES.get(self.store, ctx, params["identifier"])
        SOURCES.delete(self.store, ctx, params["identifier"])
        return {"identifier": params["identifier"]}

    def list_sources_for_s3_table_integration(self, ctx: RequestContext, params: dict) -> dict:
        integration = _integration(params["integrationArn"])
        rows = sorted(({k: v for k, v in s.items() if k != "integrationArn"} for s in SOURCES.all(self.store, ctx)
                       if s["integrationArn"] == integration), key=lambda s: (s["createdTimeStamp"], s["identifier"]))
        return page(rows, {"limit": params.get("maxResults") or 100, "nextToken": params.get("nextToken")},
                    "sources", lambda s: [s["createdTimeStamp"], s["identifier"]])
