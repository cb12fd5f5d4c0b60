"""Amazon Managed Service for Apache Flink (``kinesisanalyticsv2``): the provider.

state.py (lookups, versions, operations, snapshot records, runs), applications.py (lifecycle and versions),
config_ops.py (parts added and removed), lifecycle.py (start, stop, operations), snapshots.py, tags.py;
configuration.py and describe.py (checks and descriptions); engine.py, job_files.py, flink_rest.py,
launcher.py and connectors.py (running applications on Apache Flink); account_snapshots.py and
snapshot_transfer.py (account-level snapshots); discovery.py.
"""
from __future__ import annotations

from nimbus.core.context import RequestContext

from .applications import ApplicationOps
from .common import application_arn
from .config_ops import ConfigOps
from .discovery import DiscoveryOps
from .lifecycle import LifecycleOps
from .snapshot_transfer import SnapshotTransferOps
from .snapshots import SnapshotOps
from .tags import TagOps


class Provider(ApplicationOps, ConfigOps, DiscoveryOps, LifecycleOps, SnapshotOps, SnapshotTransferOps, TagOps):
    def resource_arns(self, ctx: RequestContext, operation: str, params: dict) -> list[str] | None:
        if params.get("ResourceARN") and operation.endswith(("TagResource", "TagsForResource")):
            return [params["ResourceARN"]]
        name = params.get("ApplicationName")
        return [application_arn(ctx, name)] if name else None
