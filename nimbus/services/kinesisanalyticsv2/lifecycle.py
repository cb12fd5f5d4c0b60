"""Starting and stopping applications (as Flink runs, engine.py), and the operations that record them."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError

from .common import bad_configuration, in_use, is_sql, listing, operations_ns
from .documents import OPERATION, Application, Operation
from .engine import StopRequest
from .sql_runs import start_sql_run, stop_sql_run
from .state import FlinkState, run_id_of


def _operation_info(record: Operation) -> dict:
    info = {"Operation": record["Operation"], "OperationId": record["OperationId"],
            "StartTime": timestamp(record["StartTime"]), "OperationStatus": record["OperationStatus"]}
    if record["EndTime"] is not None:
        info["EndTime"] = timestamp(record["EndTime"])
    return info


class LifecycleOps(FlinkState):
    def start_application(self, ctx: RequestContext, params: dict) -> dict:
        run_configuration = params.get("RunConfiguration") or {}
        with self.store.transaction():
            app = self.application(ctx, params["ApplicationName"])
            if app["ApplicationStatus"] != "READY":
                raise in_use(app["ApplicationName"], app["ApplicationStatus"])
            if is_sql(app["RuntimeEnvironment"]):
                return self._start_sql(ctx, app, run_configuration)
            if not app["ApplicationConfiguration"].get("ApplicationCodeConfiguration"):
                raise bad_configuration(f"Application {app['ApplicationName']} has no application code configured.")
            restore = run_configuration.get("ApplicationRestoreConfiguration") or {
                "ApplicationRestoreType": "RESTORE_FROM_LATEST_SNAPSHOT" if self.snapshots_enabled(app)
                else "SKIP_RESTORE_FROM_SNAPSHOT"}
            savepoint = self.restore_point(app, restore)
            flink_run = run_configuration.get("FlinkRunConfiguration") or {"AllowNonRestoredState": False}
            app["RunConfiguration"] = {"ApplicationRestoreConfiguration": restore, "FlinkRunConfiguration": flink_run}
            operation = self.begin_operation(app, "StartApplication")
            run, app["Job"] = self.engine.prepare(app, operation)
            app["ApplicationStatus"] = "STARTING"
            self.save(app)
        self.engine.launch(run, app, savepoint, bool(flink_run.get("AllowNonRestoredState")))
        return {"OperationId": operation}

    def _start_sql(self, ctx: RequestContext, app: Application, run_configuration: dict) -> dict:
        sql = app["ApplicationConfiguration"].get("SqlApplicationConfiguration") or {}
        if not sql.get("Inputs"):
            raise bad_configuration(f"Application {app['ApplicationName']} has no input configured.")
        start_sql_run(ctx, app, run_configuration)
        app["ApplicationStatus"] = "RUNNING"
        operation = self.begin_operation(app, "StartApplication", done=True)
        self.save(app)
        return {"OperationId": operation}

    def stop_application(self, ctx: RequestContext, params: dict) -> dict:
        force = bool(params.get("Force"))
        with self.store.transaction():
            app = self.application(ctx, params["ApplicationName"])
            allowed = ("RUNNING", "STARTING", "UPDATING", "AUTOSCALING", "STOPPING") if force else ("RUNNING",)
            if app["ApplicationStatus"] not in allowed:
                raise in_use(app["ApplicationName"], app["ApplicationStatus"])
            operation = self.begin_operation(app, "StopApplication")
            snapshot = None
            if not force and self.snapshots_enabled(app) and not is_sql(app["RuntimeEnvironment"]):
                snapshot = f"{app['ApplicationName']}-stop-{int(self.clock.time() * 1000)}"
                self.new_snapshot(app, snapshot)
            app["ApplicationStatus"] = "FORCE_STOPPING" if force else "STOPPING"
            self.save(app)
            if is_sql(app["RuntimeEnvironment"]):
                stop_sql_run(ctx, app)
        if not self.engine.stop(app, StopRequest(operation, snapshot)):
            self.settle(app, run_id_of(app), "READY", None, True, None, operation)
            if snapshot is not None:
                self.record_snapshot(app, snapshot, None)
        return {"OperationId": operation}

    def list_application_operations(self, ctx: RequestContext, params: dict) -> dict:
        app = self.application(ctx, params["ApplicationName"])
        records = [record for _, record in OPERATION.scan(
            self.store, operations_ns(ctx.account_id, ctx.region, app["ApplicationName"]))
            if params.get("Operation") in (None, record["Operation"])
            and params.get("OperationStatus") in (None, record["OperationStatus"])]
        records.reverse()
        return listing("ApplicationOperationInfoList", records, lambda record: record["OperationId"], params, 10,
                       _operation_info)

    def describe_application_operation(self, ctx: RequestContext, params: dict) -> dict:
        app = self.application(ctx, params["ApplicationName"])
        record = next((record for _, record in OPERATION.scan(
            self.store, operations_ns(ctx.account_id, ctx.region, app["ApplicationName"]))
            if record["OperationId"] == params["OperationId"]), None)
        if record is None:
            raise ServiceError("ResourceNotFoundException", f"Operation {params['OperationId']} is not found.")
        details = _operation_info(record)
        del details["OperationId"]
        details["ApplicationVersionChangeDetails"] = {"ApplicationVersionUpdatedFrom": record["FromVersion"],
                                                      "ApplicationVersionUpdatedTo": record["ToVersion"]}
        if record["Failure"]:
            details["OperationFailureDetails"] = {"ErrorInfo": {"ErrorString": record["Failure"][:4000]}}
        return {"ApplicationOperationInfoDetails": details}
