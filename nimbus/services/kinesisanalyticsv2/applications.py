"""Application lifecycle: create, describe, list, update, delete, versions and rollback."""
from __future__ import annotations

import copy

from nimbus.core.context import RequestContext
from nimbus.core.tags import check_tags
from nimbus.core.times import epoch
from nimbus.protocol.errors import ServiceError

from .common import (
    RESOURCE_TYPE,
    application_arn,
    applications_ns,
    bad_configuration,
    check_role,
    in_use,
    invalid,
    is_sql,
    listing,
    snapshots_ns,
    versions_ns,
)
from .configuration import check_configuration, check_version, detail, give_ids, keep_code
from .describe import merge_update
from .documents import APPLICATION, Application
from .sql_runs import start_sql_run, stop_sql_run
from .state import FlinkState
from .tags import tag_map


class ApplicationOps(FlinkState):
    def create_application(self, ctx: RequestContext, params: dict) -> dict:
        name, runtime_environment = params["ApplicationName"], params["RuntimeEnvironment"]
        mode = params.get("ApplicationMode") or "STREAMING"
        if mode == "INTERACTIVE" and not runtime_environment.startswith("ZEPPELIN"):
            raise invalid("ApplicationMode INTERACTIVE is only supported for Zeppelin runtimes.")
        role = params.get("ServiceExecutionRole")
        if role is None and not is_sql(runtime_environment):
            raise invalid("ServiceExecutionRole is required for Flink applications.")
        configuration = copy.deepcopy(params.get("ApplicationConfiguration") or {})
        check_configuration(ctx, runtime_environment, configuration)
        if role:
            check_role(ctx, role)
        check_tags(tag_map(params.get("Tags") or []), invalid)
        keep_code(self.runtime, configuration.get("ApplicationCodeConfiguration") or {})
        now = self.clock.time()
        app = Application(
            ApplicationName=name, ApplicationARN=application_arn(ctx, name),
            ApplicationDescription=params.get("ApplicationDescription"), RuntimeEnvironment=runtime_environment,
            ServiceExecutionRole=role, ApplicationMode=mode, ApplicationStatus="READY", ApplicationVersionId=1,
            ApplicationVersionUpdatedFrom=None, ApplicationVersionRolledBackFrom=None,
            ApplicationVersionRolledBackTo=None, CreateTimestamp=now, LastUpdateTimestamp=now,
            ApplicationConfiguration=configuration,
            CloudWatchLoggingOptions=copy.deepcopy(params.get("CloudWatchLoggingOptions") or []),
            RunConfiguration={}, MaintenanceWindowStartTime="06:00", NextId=0,
            Tags=tag_map(params.get("Tags") or []), Job=None,
            AccountId=ctx.account_id, Region=ctx.region)
        give_ids(app)
        with self.store.transaction():
            if self.find(ctx.account_id, ctx.region, name) is not None:
                raise ServiceError("ResourceInUseException", f"Application {name} already exists.")
            self.save(app)
            self.keep_version(app)
        ctx.emit_resource_change(RESOURCE_TYPE, app["ApplicationARN"], "created", lambda: {"ApplicationName": name})
        return {"ApplicationDetail": detail(app)}

    def describe_application(self, ctx: RequestContext, params: dict) -> dict:
        app = self.application(ctx, params["ApplicationName"])
        return {"ApplicationDetail": detail(app, bool(params.get("IncludeAdditionalDetails")))}

    def list_applications(self, ctx: RequestContext, params: dict) -> dict:
        apps = [app for _, app in APPLICATION.scan(self.store, applications_ns(ctx.account_id, ctx.region))]
        return listing("ApplicationSummaries", apps, lambda app: app["ApplicationName"], params, 50, _summary)

    def delete_application(self, ctx: RequestContext, params: dict) -> dict:
        name = params["ApplicationName"]
        with self.store.transaction():
            app = self.application(ctx, name)
            if int(epoch(params["CreateTimestamp"]) or 0) != int(app["CreateTimestamp"]):
                raise invalid(f"CreateTimestamp does not match the application {name}'s creation time.")
            self.settled(app, ("READY", "RUNNING", "STARTING", "UPDATING", "AUTOSCALING"))
            # its snapshots' savepoints go with it, but those an account-level snapshot keeps beyond it
            savepoints = [snapshot["Savepoint"] for snapshot in self.snapshots(app) if snapshot["Savepoint"]
                          and snapshot["Savepoint"] != self.account_savepoint(app, snapshot["SnapshotName"])]
            for namespace in (versions_ns, snapshots_ns):
                self.store.delete_namespace(namespace(ctx.account_id, ctx.region, name))
            if is_sql(app["RuntimeEnvironment"]):
                stop_sql_run(ctx, app, delete=True)
            self.store.delete(applications_ns(ctx.account_id, ctx.region), name)
        self.engine.forget(app)
        for savepoint in savepoints:
            self.savepoints.delete(savepoint)
        ctx.emit_resource_change(RESOURCE_TYPE, app["ApplicationARN"], "deleted")
        return {}

    def update_application(self, ctx: RequestContext, params: dict) -> dict:
        update = copy.deepcopy(params.get("ApplicationConfigurationUpdate") or {})
        role = params.get("ServiceExecutionRoleUpdate")
        if role:
            check_role(ctx, role)
        code = update.get("ApplicationCodeConfigurationUpdate") or {}
        content = code.get("CodeContentUpdate") or {}
        if "ZipFileContentUpdate" in content:
            zipped = {"CodeContent": {"ZipFileContent": content.pop("ZipFileContentUpdate")}}
            keep_code(self.runtime, zipped)
            content.update(zipped["CodeContent"])
        with self.store.transaction():
            app = self.application(ctx, params["ApplicationName"])
            check_version(app, params)
            self.settled(app)
            if params.get("RuntimeEnvironmentUpdate"):
                if is_sql(params["RuntimeEnvironmentUpdate"]) != is_sql(app["RuntimeEnvironment"]):
                    raise bad_configuration("The runtime environment cannot change between SQL and Flink.")
                app["RuntimeEnvironment"] = params["RuntimeEnvironmentUpdate"]
            merge_update(app["ApplicationConfiguration"], update)
            check_configuration(ctx, app["RuntimeEnvironment"], app["ApplicationConfiguration"])
            if params.get("CloudWatchLoggingOptionUpdates"):
                merge_update({"CloudWatchLoggingOptions": app["CloudWatchLoggingOptions"]},
                             {"CloudWatchLoggingOptionUpdates": params["CloudWatchLoggingOptionUpdates"]})
            if role:
                app["ServiceExecutionRole"] = role
            if params.get("RunConfigurationUpdate"):
                merge_update(app["RunConfiguration"], params["RunConfigurationUpdate"])
            running = app["ApplicationStatus"] == "RUNNING"
            operation = self.begin_operation(app, "UpdateApplication", done=not running)
            if running:
                app["ApplicationStatus"] = "UPDATING"
            self.changed(ctx, app)
        if running:
            self._restart(ctx, app, operation)
        return {"ApplicationDetail": detail(app), "OperationId": operation}

    def update_application_maintenance_configuration(self, ctx: RequestContext, params: dict) -> dict:
        start = params["ApplicationMaintenanceConfigurationUpdate"]["ApplicationMaintenanceWindowStartTimeUpdate"]
        with self.store.transaction():
            app = self.application(ctx, params["ApplicationName"])
            app["MaintenanceWindowStartTime"] = start
            self.save(app)
        return {"ApplicationARN": app["ApplicationARN"],
                "ApplicationMaintenanceConfigurationDescription": detail(app)[
                    "ApplicationMaintenanceConfigurationDescription"]}

    def list_application_versions(self, ctx: RequestContext, params: dict) -> dict:
        app = self.application(ctx, params["ApplicationName"])
        ns = versions_ns(ctx.account_id, ctx.region, app["ApplicationName"])
        versions = [APPLICATION.load(raw) for _, raw in self.store.scan(ns)]
        versions.reverse()
        return listing("ApplicationVersionSummaries", versions, lambda v: str(v["ApplicationVersionId"]), params, 50,
                       lambda v: {"ApplicationVersionId": v["ApplicationVersionId"],
                                  "ApplicationStatus": v["ApplicationStatus"]})

    def describe_application_version(self, ctx: RequestContext, params: dict) -> dict:
        app = self.application(ctx, params["ApplicationName"])
        version = self.version(app, params["ApplicationVersionId"])
        if version is None:
            raise ServiceError("ResourceNotFoundException",
                               f"Application version {params['ApplicationVersionId']} is not found.")
        return {"ApplicationVersionDetail": detail(version)}

    def rollback_application(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            app = self.application(ctx, params["ApplicationName"])
            check_version(app, params)
            if app["ApplicationStatus"] not in ("RUNNING", "UPDATING", "AUTOSCALING", "READY"):
                raise in_use(app["ApplicationName"], app["ApplicationStatus"])
            previous = self.version(app, app["ApplicationVersionId"] - 1)
            if previous is None:
                raise invalid(f"Application {app['ApplicationName']} has no previous version to roll back to.")
            current = app["ApplicationVersionId"]
            for key in ("ApplicationConfiguration", "CloudWatchLoggingOptions", "RuntimeEnvironment",
                        "ServiceExecutionRole", "RunConfiguration"):
                app[key] = copy.deepcopy(previous[key])  # type: ignore[literal-required]
            running = app["ApplicationStatus"] != "READY"
            operation = self.begin_operation(app, "RollbackApplication", done=not running)
            if running:
                app["ApplicationStatus"] = "ROLLING_BACK"
            self.changed(ctx, app)
            app["ApplicationVersionRolledBackFrom"], app["ApplicationVersionRolledBackTo"] = \
                current, previous["ApplicationVersionId"]
            self.save(app)
        if running:
            self._restart(ctx, app, operation)
        return {"ApplicationDetail": detail(app), "OperationId": operation}

    def _restart(self, ctx: RequestContext, app: Application, operation: str) -> None:
        """A running application's new version replaces the running one (a SQL application's v1 run at once)."""
        if not is_sql(app["RuntimeEnvironment"]):
            self.restart(app, operation)
            return
        try:
            start_sql_run(ctx, app, app["RunConfiguration"])
            self.settle(app, None, "RUNNING", None, False, None, operation)
        except ServiceError as error:  # the new version does not run: stopped, the failure in its operation
            self.settle(app, None, "READY", None, True, error.message, operation)

    def create_application_presigned_url(self, ctx: RequestContext, params: dict) -> dict:
        app = self.application(ctx, params["ApplicationName"])
        if app["ApplicationStatus"] != "RUNNING":
            raise in_use(app["ApplicationName"], app["ApplicationStatus"])
        seconds = params.get("SessionExpirationDurationInSeconds") or 1800
        if not 1800 <= seconds <= 43200:
            raise invalid("SessionExpirationDurationInSeconds must be between 1800 and 43200.")
        url = self.engine.dashboard_url(app)
        if url is None:
            raise in_use(app["ApplicationName"], app["ApplicationStatus"])
        return {"AuthorizedUrl": url}


def _summary(app: Application) -> dict:
    return {"ApplicationName": app["ApplicationName"], "ApplicationARN": app["ApplicationARN"],
            "ApplicationStatus": app["ApplicationStatus"], "ApplicationVersionId": app["ApplicationVersionId"],
            "RuntimeEnvironment": app["RuntimeEnvironment"], "ApplicationMode": app["ApplicationMode"]}
