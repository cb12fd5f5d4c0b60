"""What every Managed Service for Apache Flink operation module shares: lookups, saving with versions,
operations and the Flink engine."""
from __future__ import annotations

import uuid

from nimbus.core.context import RequestContext
from nimbus.core.metrics import publish_metric
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider

from .common import (
    MAX_VERSIONS,
    RESOURCE_TYPE,
    SERVICE,
    account_snapshots_ns,
    application_arn,
    applications_ns,
    in_use,
    invalid,
    not_found,
    operations_ns,
    snapshot_operations_ns,
    snapshots_ns,
    versions_ns,
)
from .describe import flink_settings
from .documents import (
    ACCOUNT_SNAPSHOT,
    APPLICATION,
    APPLICATION_VERSION,
    OPERATION,
    SNAPSHOT,
    SNAPSHOT_OPERATION,
    Application,
    Job,
    Operation,
    Snapshot,
)
from .engine import FlinkEngine, StopRequest
from .resume import kill_leftovers, latest_checkpoint
from .savepoint_store import SavepointStore


class FlinkState(BaseProvider):
    engine: FlinkEngine

    def __init__(self, runtime):
        super().__init__(runtime)
        self.savepoints = SavepointStore(runtime)
        self.engine = FlinkEngine(runtime, self)
        self.resume_runs()

    def resume_runs(self) -> None:
        """Applications whose run a previous nimbus left (stopped or killed): running ones start again from
        their run's last checkpoint; stopping ones are stopped."""
        for ns in self.store.namespaces((SERVICE,)):
            if len(ns) != 4 or ns[3] != "applications":
                continue
            for _, app in APPLICATION.scan(self.store, ns):
                if app["Job"] is not None:
                    self._resume(app, app["Job"])

    def _resume(self, app: Application, job: Job) -> None:
        workdir = self.engine.workdir(app, job["RunId"])
        kill_leftovers(workdir)
        if app["ApplicationStatus"] in ("STOPPING", "FORCE_STOPPING"):
            self.settle(app, job["RunId"], "READY", None, True, None, job["OperationId"])
            return
        checkpoint = latest_checkpoint(workdir)
        with self.store.transaction():
            run, app["Job"] = self.engine.prepare(app, job["OperationId"])
            self.save(app)
        allow = bool((app["RunConfiguration"].get("FlinkRunConfiguration") or {}).get("AllowNonRestoredState"))
        self.engine.launch(run, app, checkpoint or self.restore_point(app, app["RunConfiguration"].get(
            "ApplicationRestoreConfiguration") or {}), allow)

    def close(self) -> None:
        super().close()
        self.engine.close()

    def find(self, account: str, region: str, name: str) -> Application | None:
        return APPLICATION.get(self.store, applications_ns(account, region), name)

    def application(self, ctx: RequestContext, name: str) -> Application:
        app = self.find(ctx.account_id, ctx.region, name)
        if app is None:
            raise not_found(name)
        return app

    def save(self, app: Application) -> None:
        APPLICATION.put(self.store, applications_ns(app["AccountId"], app["Region"]), app["ApplicationName"], app)

    def keep_version(self, app: Application) -> None:
        """The application as it is now, kept as its version (DescribeApplicationVersion, rollbacks)."""
        ns = versions_ns(app["AccountId"], app["Region"], app["ApplicationName"])
        APPLICATION_VERSION.put(self.store, ns, f"{app['ApplicationVersionId']:020d}", {**app, "Job": None})
        kept = [key for key, _ in self.store.scan(ns)]
        for key in kept[:-MAX_VERSIONS]:
            self.store.delete(ns, key)

    def version(self, app: Application, version: int) -> Application | None:
        ns = versions_ns(app["AccountId"], app["Region"], app["ApplicationName"])
        return APPLICATION_VERSION.get(self.store, ns, f"{version:020d}")

    def changed(self, ctx: RequestContext, app: Application) -> None:
        """A configuration change: the previous version kept, a new version stored, an event."""
        app["ApplicationVersionUpdatedFrom"] = app["ApplicationVersionId"]
        app["ApplicationVersionId"] += 1
        app["LastUpdateTimestamp"] = self.clock.time()
        self.save(app)
        self.keep_version(app)
        ctx.emit_resource_change(RESOURCE_TYPE, app["ApplicationARN"], "updated",
                                 lambda: {"ApplicationName": app["ApplicationName"]})

    def settled(self, app: Application, allowed: tuple[str, ...] = ("READY", "RUNNING")) -> None:
        if app["ApplicationStatus"] not in allowed:
            raise in_use(app["ApplicationName"], app["ApplicationStatus"])

    def begin_operation(self, app: Application, operation: str, done: bool = False) -> str:
        """An operation record (ListApplicationOperations); done ones are SUCCESSFUL at once."""
        now = self.clock.time()
        record = Operation(OperationId=uuid.uuid4().hex[:16], Operation=operation, StartTime=now,
                           EndTime=now if done else None, OperationStatus="SUCCESSFUL" if done else "IN_PROGRESS",
                           FromVersion=app["ApplicationVersionId"], ToVersion=app["ApplicationVersionId"], Failure=None)
        ns = operations_ns(app["AccountId"], app["Region"], app["ApplicationName"])
        OPERATION.put(self.store, ns, f"{now:020.6f}-{record['OperationId']}", record)
        return record["OperationId"]

    def end_operation(self, app: Application, operation_id: str, failure: str | None = None) -> None:
        ns = operations_ns(app["AccountId"], app["Region"], app["ApplicationName"])
        for key, record in OPERATION.scan(self.store, ns):
            if record["OperationId"] == operation_id and record["OperationStatus"] == "IN_PROGRESS":
                record["EndTime"], record["Failure"] = self.clock.time(), failure
                record["OperationStatus"] = "FAILED" if failure else "SUCCESSFUL"
                record["ToVersion"] = app["ApplicationVersionId"]
                OPERATION.put(self.store, ns, key, record)

    @staticmethod
    def application_name_of(ctx: RequestContext, arn: str) -> str:
        prefix = application_arn(ctx, "")
        if not arn.startswith(prefix):
            raise invalid(f"{arn} is not an application ARN of this account and region.")
        return arn[len(prefix):]

    # ---- runs and snapshots, shared by the lifecycle, snapshot and update operations and the engine

    @staticmethod
    def snapshots_enabled(app: Application) -> bool:
        return bool((app["ApplicationConfiguration"].get("ApplicationSnapshotConfiguration") or {}).get(
            "SnapshotsEnabled"))

    def snapshots(self, app: Application) -> list[Snapshot]:
        ns = snapshots_ns(app["AccountId"], app["Region"], app["ApplicationName"])
        found = [snapshot for _, snapshot in SNAPSHOT.scan(self.store, ns)]
        return sorted(found, key=lambda snapshot: snapshot["SnapshotCreationTimestamp"])

    def new_snapshot(self, app: Application, name: str) -> Snapshot:
        ns = snapshots_ns(app["AccountId"], app["Region"], app["ApplicationName"])
        if SNAPSHOT.get(self.store, ns, name) is not None:
            raise ServiceError("ResourceInUseException", f"Snapshot {name} already exists.")
        snapshot = Snapshot(SnapshotName=name, SnapshotStatus="CREATING",
                            ApplicationVersionId=app["ApplicationVersionId"],
                            SnapshotCreationTimestamp=self.clock.time(),
                            RuntimeEnvironment=app["RuntimeEnvironment"], Savepoint=None)
        SNAPSHOT.put(self.store, ns, name, snapshot)
        return snapshot

    def record_snapshot(self, app: Application, name: str, savepoint: str | None) -> None:
        """A snapshot's savepoint written (READY), or not (FAILED)."""
        ns = snapshots_ns(app["AccountId"], app["Region"], app["ApplicationName"])
        with self.store.transaction():
            snapshot = SNAPSHOT.get(self.store, ns, name)
            if snapshot is not None:
                snapshot["SnapshotStatus"], snapshot["Savepoint"] = "READY" if savepoint else "FAILED", savepoint
                SNAPSHOT.put(self.store, ns, name, snapshot)
            self.record_account_snapshot(app, name, savepoint)

    def record_account_snapshot(self, app: Application, name: str, savepoint: str | None) -> None:
        """A CreateSnapshot's savepoint is taken as the application snapshot of its name (account_snapshots.py)."""
        ns = account_snapshots_ns(app["AccountId"], app["Region"])
        snapshot = ACCOUNT_SNAPSHOT.get(self.store, ns, name)
        source = snapshot and snapshot["Source"].get("SourceApplicationDescription")
        if snapshot is not None and source and source["ApplicationName"] == app["ApplicationName"]:
            snapshot["SnapshotStatus"], snapshot["Savepoint"] = "READY" if savepoint else "FAILED", savepoint
            ACCOUNT_SNAPSHOT.put(self.store, ns, name, snapshot)
            operations = snapshot_operations_ns(app["AccountId"], app["Region"], name)
            for key, record in SNAPSHOT_OPERATION.scan(self.store, operations):
                if record["SnapshotOperationStatus"] == "IN_PROGRESS":
                    record["SnapshotOperationStatus"] = "SUCCESSFUL" if savepoint else "FAILED"
                    record["EndTime"] = self.clock.time()
                    record["Failure"] = None if savepoint else "Flink could not write the savepoint."
                    SNAPSHOT_OPERATION.put(self.store, operations, key, record)

    def restore_point(self, app: Application, restore: dict) -> str | None:
        """The savepoint a start restores from, as its ApplicationRestoreConfiguration says."""
        kind = restore.get("ApplicationRestoreType", "SKIP_RESTORE_FROM_SNAPSHOT")
        ready = [snapshot for snapshot in self.snapshots(app) if snapshot["SnapshotStatus"] == "READY"]
        if kind == "RESTORE_FROM_LATEST_SNAPSHOT":
            return ready[-1]["Savepoint"] if ready else None
        if kind == "RESTORE_FROM_CUSTOM_SNAPSHOT":
            name = restore.get("SnapshotName")
            if not name:
                raise invalid("SnapshotName is required for RESTORE_FROM_CUSTOM_SNAPSHOT.")
            chosen = next((snapshot["Savepoint"] for snapshot in ready if snapshot["SnapshotName"] == name),
                          None) or self.account_savepoint(app, name)
            if chosen is None:
                raise ServiceError("ResourceNotFoundException", f"Snapshot {name} is not found.")
            return chosen
        return None

    def account_savepoint(self, app: Application, name: str) -> str | None:
        """The savepoint of a READY account-level snapshot (account_snapshots.py), which any application restores."""
        snapshot = ACCOUNT_SNAPSHOT.get(self.store, account_snapshots_ns(app["AccountId"], app["Region"]), name)
        return snapshot["Savepoint"] if snapshot is not None and snapshot["SnapshotStatus"] == "READY" else None

    def settle(self, app: Application, run_id: str | None, status: str, job_id: str | None, ended: bool,
               failure: str | None, operation_id: str) -> None:
        """What a run reports: its application's status (if that run is still the application's)."""
        with self.store.transaction():
            current = self.find(app["AccountId"], app["Region"], app["ApplicationName"])
            if current is None or run_id_of(current) != run_id:
                return
            current["ApplicationStatus"] = status
            if job_id is not None and current["Job"] is not None:
                current["Job"]["JobId"] = job_id
            if ended:
                current["Job"] = None
            self.save(current)
            if ended or status == "RUNNING":
                self.end_operation(current, operation_id, failure)
        if status == "RUNNING":
            self.publish_kpus(current)

    def publish_kpus(self, app: Application) -> None:
        """AWS/KinesisAnalytics KPUs: the processing units a running application uses (parallelism / per KPU)."""
        settings = flink_settings(app["ApplicationConfiguration"].get("FlinkApplicationConfiguration") or {})
        parallelism = settings["ParallelismConfiguration"]
        kpus = -(-parallelism["Parallelism"] // max(parallelism["ParallelismPerKPU"], 1))
        publish_metric(self.runtime.events, self.clock.now(), app["AccountId"], app["Region"], "AWS/KinesisAnalytics",
                       "KPUs", {"Application": app["ApplicationName"]}, kpus, "Count")

    def start_again(self, app: Application, run_id: str, operation_id: str, savepoint: str | None) -> None:
        """An update or rollback of a running application: the new version started from the savepoint its
        old version stopped with."""
        with self.store.transaction():
            current = self.find(app["AccountId"], app["Region"], app["ApplicationName"])
            if current is None or run_id_of(current) != run_id:
                return
            run, current["Job"] = self.engine.prepare(current, operation_id)
            self.save(current)
        allow = bool((current["RunConfiguration"].get("FlinkRunConfiguration") or {}).get("AllowNonRestoredState"))
        self.engine.launch(run, current, savepoint, allow)

    def restart(self, app: Application, operation_id: str) -> None:
        """Stop a running application (with a snapshot when they are on) and start its new version."""
        snapshot = None
        if self.snapshots_enabled(app):
            snapshot = f"{app['ApplicationName']}-update-{int(self.clock.time() * 1000)}"
            with self.store.transaction():
                self.new_snapshot(app, snapshot)
        if not self.engine.stop(app, StopRequest(operation_id, snapshot, then_start=True)):
            self.settle(app, run_id_of(app), "READY", None, True, None, operation_id)


def run_id_of(app: Application) -> str | None:
    return app["Job"]["RunId"] if app["Job"] is not None else None
