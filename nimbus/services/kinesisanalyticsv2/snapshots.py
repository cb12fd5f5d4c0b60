"""Snapshots: Flink savepoints of a running application, kept in the service's S3 (savepoint_store.py) with
their metadata in the store; StopApplication takes one when snapshots are on, and StartApplication
restores from one (``ApplicationRestoreConfiguration``)."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.times import epoch, timestamp
from nimbus.protocol.errors import ServiceError

from .common import bad_configuration, in_use, invalid, is_sql, listing, snapshots_ns
from .documents import SNAPSHOT, Snapshot
from .state import FlinkState


def _details(snapshot: Snapshot) -> dict:
    return {"SnapshotName": snapshot["SnapshotName"], "SnapshotStatus": snapshot["SnapshotStatus"],
            "ApplicationVersionId": snapshot["ApplicationVersionId"],
            "SnapshotCreationTimestamp": timestamp(snapshot["SnapshotCreationTimestamp"]),
            "RuntimeEnvironment": snapshot["RuntimeEnvironment"]}


class SnapshotOps(FlinkState):
    def create_application_snapshot(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            app = self.application(ctx, params["ApplicationName"])
            if is_sql(app["RuntimeEnvironment"]):
                raise ServiceError("UnsupportedOperationException", "Snapshots are not supported for SQL applications.")
            if not self.snapshots_enabled(app):
                raise bad_configuration(f"Snapshots are not enabled for application {app['ApplicationName']}.")
            if app["ApplicationStatus"] != "RUNNING":
                raise in_use(app["ApplicationName"], app["ApplicationStatus"])
            self.new_snapshot(app, params["SnapshotName"])
        self.engine.snapshot(app, params["SnapshotName"])
        return {}

    def _snapshot(self, ctx: RequestContext, application: str, name: str) -> Snapshot:
        app = self.application(ctx, application)
        snapshot = SNAPSHOT.get(self.store, snapshots_ns(ctx.account_id, ctx.region, app["ApplicationName"]), name)
        if snapshot is None:
            raise ServiceError("ResourceNotFoundException", f"Snapshot {name} is not found.")
        return snapshot

    def describe_application_snapshot(self, ctx: RequestContext, params: dict) -> dict:
        return {"SnapshotDetails": _details(self._snapshot(ctx, params["ApplicationName"], params["SnapshotName"]))}

    def list_application_snapshots(self, ctx: RequestContext, params: dict) -> dict:
        app = self.application(ctx, params["ApplicationName"])
        return listing("SnapshotSummaries", self.snapshots(app), lambda snapshot: snapshot["SnapshotName"], params,
                       50, _details)

    def delete_application_snapshot(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            snapshot = self._snapshot(ctx, params["ApplicationName"], params["SnapshotName"])
            if int(epoch(params["SnapshotCreationTimestamp"]) or 0) != int(snapshot["SnapshotCreationTimestamp"]):
                raise invalid("SnapshotCreationTimestamp does not match the snapshot's creation time.")
            if snapshot["SnapshotStatus"] == "CREATING":
                raise ServiceError("ResourceInUseException", f"Snapshot {params['SnapshotName']} is being created.")
            self.store.delete(snapshots_ns(ctx.account_id, ctx.region, params["ApplicationName"]),
                              params["SnapshotName"])
        if snapshot["Savepoint"]:
            self.savepoints.delete(snapshot["Savepoint"])
        return {}
