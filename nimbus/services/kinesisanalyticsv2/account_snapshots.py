"""Account-level ("enhanced") snapshots: CreateSnapshot takes a Flink savepoint of a running application
through the application snapshot machinery (snapshots.py; the application snapshot of the same name is its
record), ImportSnapshot and ExportSnapshot (snapshot_transfer.py) move savepoints from and to S3. Any
application restores one with ``RESTORE_FROM_CUSTOM_SNAPSHOT``. Each call is a snapshot operation
(DescribeSnapshotOperation, ListSnapshotOperations); nimbus finishes imports and exports within the call."""
from __future__ import annotations

import uuid

from nimbus.core.context import RequestContext
from nimbus.core.tags import check_tags
from nimbus.core.times import epoch, timestamp
from nimbus.protocol.errors import ServiceError

from .common import (
    account_snapshots_ns,
    bad_configuration,
    in_use,
    invalid,
    is_sql,
    listing,
    snapshot_not_found,
    snapshot_operations_ns,
    snapshots_ns,
)
from .documents import ACCOUNT_SNAPSHOT, SNAPSHOT_OPERATION, AccountSnapshot, SnapshotOperation
from .state import FlinkState
from .tags import tag_map

ENHANCED = "ENHANCED_SNAPSHOTS"


def new_operation_id() -> str:
    return uuid.uuid4().hex[:16]


def _info(snapshot: AccountSnapshot) -> dict:
    source = snapshot["Source"].get("SourceApplicationDescription")
    info = {"SnapshotName": snapshot["SnapshotName"], "SnapshotArn": snapshot["SnapshotArn"],
            "SnapshotStatus": snapshot["SnapshotStatus"],
            "SnapshotCreationTimestamp": timestamp(snapshot["SnapshotCreationTimestamp"]),
            "SnapshotInitiator": "USER", "SnapshotInitiatorOperation": snapshot["SnapshotInitiatorOperation"],
            "SnapshotFormat": "CANONICAL"}
    return info | ({"SourceApplicationName": source["ApplicationName"]} if source else {})


def _details(snapshot: AccountSnapshot, size: int | None) -> dict:
    details = {key: value for key, value in _info(snapshot).items() if key != "SourceApplicationName"}
    source = dict(snapshot["Source"])
    if "SourceApplicationDescription" in source:
        application = source["SourceApplicationDescription"]
        source["SourceApplicationDescription"] = application | {
            "ApplicationCreationTimestamp": timestamp(application["ApplicationCreationTimestamp"])}
    details["SnapshotSourceDescription"] = source
    if snapshot["SnapshotDescription"]:
        details["SnapshotDescription"] = snapshot["SnapshotDescription"]
    if snapshot["RuntimeEnvironment"]:
        details["RuntimeEnvironment"] = snapshot["RuntimeEnvironment"]
    if size is not None:
        details["SnapshotSizeInBytes"] = size
    return details


def _operation_info(record: SnapshotOperation) -> dict:
    info = {"SnapshotOperationId": record["SnapshotOperationId"], "SnapshotOperation": record["SnapshotOperation"],
            "SnapshotOperationStatus": record["SnapshotOperationStatus"], "StartTime": timestamp(record["StartTime"])}
    return info | ({"EndTime": timestamp(record["EndTime"])} if record["EndTime"] is not None else {})


class AccountSnapshotOps(FlinkState):
    # ---- records, shared with snapshot_transfer.py

    def account_snapshot(self, ctx: RequestContext, name: str) -> AccountSnapshot:
        snapshot = ACCOUNT_SNAPSHOT.get(self.store, account_snapshots_ns(ctx.account_id, ctx.region), name)
        if snapshot is None:
            raise snapshot_not_found(name)
        return snapshot

    def new_account_snapshot(self, ctx: RequestContext, params: dict, operation: str, source: dict,
                             runtime_environment: str | None) -> AccountSnapshot:
        ns, name = account_snapshots_ns(ctx.account_id, ctx.region), params["SnapshotName"]
        if not name.strip("."):  # the model's pattern lets "." and ".." through, which name directories
            raise invalid(f"Invalid SnapshotName {name}.")
        if ACCOUNT_SNAPSHOT.get(self.store, ns, name) is not None:
            raise ServiceError("ResourceInUseException", f"Snapshot {name} already exists.")
        tags = tag_map(params.get("Tags") or [])
        check_tags(tags, invalid)
        snapshot = AccountSnapshot(
            SnapshotName=name, SnapshotArn=ctx.arn(f"snapshot/{name}", service="kinesisanalytics"),
            SnapshotDescription=params.get("SnapshotDescription"), SnapshotStatus="CREATING",
            SnapshotCreationTimestamp=self.clock.time(), RuntimeEnvironment=runtime_environment,
            SnapshotInitiatorOperation=operation, Source=source, Savepoint=None, Tags=tags)
        ACCOUNT_SNAPSHOT.put(self.store, ns, name, snapshot)
        return snapshot

    def save_account_snapshot(self, ctx: RequestContext, snapshot: AccountSnapshot) -> None:
        ACCOUNT_SNAPSHOT.put(self.store, account_snapshots_ns(ctx.account_id, ctx.region), snapshot["SnapshotName"],
                             snapshot)

    def snapshot_operation(self, ctx: RequestContext, snapshot_name: str, operation: str, details: dict,
                           failure: str | None = None, done: bool = True,
                           operation_id: str | None = None) -> SnapshotOperation:
        """An operation record; a done one is SUCCESSFUL (FAILED with ``failure``) at once."""
        now = self.clock.time()
        record = SnapshotOperation(
            SnapshotOperationId=operation_id or new_operation_id(), SnapshotOperation=operation,
            SnapshotOperationStatus=("FAILED" if failure else "SUCCESSFUL") if done else "IN_PROGRESS",
            StartTime=now, EndTime=now if done else None, Details=details, Failure=failure)
        SNAPSHOT_OPERATION.put(self.store, snapshot_operations_ns(ctx.account_id, ctx.region, snapshot_name),
                               f"{now:020.6f}-{record['SnapshotOperationId']}", record)
        return record

    @staticmethod
    def started(snapshot: AccountSnapshot, record: SnapshotOperation) -> dict:
        return {"SnapshotArn": snapshot["SnapshotArn"], "SnapshotStatus": snapshot["SnapshotStatus"],
                "SnapshotOperationId": record["SnapshotOperationId"],
                "SnapshotOperationStatus": record["SnapshotOperationStatus"]}

    def _operations(self, ctx: RequestContext, snapshot_name: str) -> list[SnapshotOperation]:
        ns = snapshot_operations_ns(ctx.account_id, ctx.region, snapshot_name)
        return [record for _, record in SNAPSHOT_OPERATION.scan(self.store, ns)]

    # ---- the operations

    def create_snapshot(self, ctx: RequestContext, params: dict) -> dict:
        name = params["SnapshotName"]
        with self.store.transaction():
            app = self.application(ctx, params["ApplicationName"])
            if is_sql(app["RuntimeEnvironment"]):
                raise ServiceError("UnsupportedOperationException", "Snapshots are not supported for SQL applications.")
            mode = (app["ApplicationConfiguration"].get("ApplicationSnapshotConfiguration") or {}).get("SnapshotMode")
            if mode != ENHANCED:
                raise bad_configuration(f"Application {app['ApplicationName']} does not use the {ENHANCED} "
                                        "snapshot mode.")
            if app["ApplicationStatus"] != "RUNNING":
                raise in_use(app["ApplicationName"], app["ApplicationStatus"])
            source = {"SourceApplicationDescription": {
                "ApplicationName": app["ApplicationName"], "ApplicationCreationTimestamp": app["CreateTimestamp"],
                "ApplicationVersionId": app["ApplicationVersionId"]}}
            snapshot = self.new_account_snapshot(ctx, params, "CreateSnapshot", source, app["RuntimeEnvironment"])
            self.new_snapshot(app, name)
            record = self.snapshot_operation(ctx, name, "CreateSnapshot", {"ApplicationOperationDescription": {
                "ApplicationName": app["ApplicationName"]}}, done=False)
        self.engine.snapshot(app, name)
        return self.started(snapshot, record)

    def describe_snapshot(self, ctx: RequestContext, params: dict) -> dict:
        snapshot = self.account_snapshot(ctx, params["SnapshotName"])
        size = self.savepoints.size(snapshot["Savepoint"]) if snapshot["Savepoint"] else None
        return {"SnapshotInfoDetails": _details(snapshot, size)}

    def list_snapshots(self, ctx: RequestContext, params: dict) -> dict:
        wanted = {key: params[key] for key in ("SourceApplicationName", "SnapshotInitiator",
                                               "SnapshotInitiatorOperation", "SnapshotStatus") if params.get(key)}
        found = sorted((_info(snapshot) for _, snapshot in
                        ACCOUNT_SNAPSHOT.scan(self.store, account_snapshots_ns(ctx.account_id, ctx.region))),
                       key=lambda info: info["SnapshotCreationTimestamp"])
        chosen = [info for info in found if all(info.get(key) == value for key, value in wanted.items())]
        return listing("SnapshotInfoList", chosen, lambda info: info["SnapshotName"], params, 50)

    def delete_snapshot(self, ctx: RequestContext, params: dict) -> dict:
        name = params["SnapshotName"]
        with self.store.transaction():
            snapshot = self.account_snapshot(ctx, name)
            if int(epoch(params["SnapshotCreationTimestamp"]) or 0) != int(snapshot["SnapshotCreationTimestamp"]):
                raise invalid("SnapshotCreationTimestamp does not match the snapshot's creation time.")
            if snapshot["SnapshotStatus"] == "CREATING":
                raise ServiceError("ResourceInUseException", f"Snapshot {name} is being created.")
            self.store.delete(account_snapshots_ns(ctx.account_id, ctx.region), name)
            source = snapshot["Source"].get("SourceApplicationDescription")
            if source:  # its savepoint's record as an application snapshot goes with it
                self.store.delete(snapshots_ns(ctx.account_id, ctx.region, source["ApplicationName"]), name)
            record = self.snapshot_operation(ctx, name, "DeleteSnapshot", {})
        if snapshot["Savepoint"]:
            self.savepoints.delete(snapshot["Savepoint"])
        return self.started(snapshot | {"SnapshotStatus": "DELETING"}, record)

    def describe_snapshot_operation(self, ctx: RequestContext, params: dict) -> dict:
        name, wanted = params["SnapshotName"], params["SnapshotOperationId"]
        record = next((record for record in self._operations(ctx, name) if record["SnapshotOperationId"] == wanted),
                      None)
        if record is None:
            raise ServiceError("ResourceNotFoundException", f"Snapshot operation {wanted} is not found.")
        details = _operation_info(record) | record["Details"] | {
            "SnapshotArn": ctx.arn(f"snapshot/{name}", service="kinesisanalytics")}
        if record["Failure"]:
            details["SnapshotOperationFailureDetails"] = {"ErrorInfo": {"ErrorString": record["Failure"]}}
        return {"SnapshotOperationInfoDetails": details}

    def list_snapshot_operations(self, ctx: RequestContext, params: dict) -> dict:
        name = params["SnapshotName"]
        records = self._operations(ctx, name)
        if not records and ACCOUNT_SNAPSHOT.get(self.store, account_snapshots_ns(ctx.account_id, ctx.region),
                                                name) is None:
            raise snapshot_not_found(name)
        chosen = [record for record in records
                  if params.get("SnapshotOperation") in (None, record["SnapshotOperation"])
                  and params.get("SnapshotOperationStatus") in (None, record["SnapshotOperationStatus"])]
        return listing("SnapshotOperationInfoList", chosen, lambda record: record["SnapshotOperationId"], params, 50,
                       _operation_info)
