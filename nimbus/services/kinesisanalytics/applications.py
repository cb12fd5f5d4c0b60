"""Application lifecycle: create, describe, list, update, delete, start and stop."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.paging import page_after
from nimbus.core.times import epoch
from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesisanalytics import configuration as conf
from nimbus.services.kinesisanalytics.common import (
    MAX_INPUTS,
    MAX_OUTPUTS,
    RESOURCE_TYPE,
    applications_ns,
    in_use,
    invalid,
)
from nimbus.services.kinesisanalytics.documents import APPLICATION, Application
from nimbus.services.kinesisanalytics.runner import build_pipeline, reset_checkpoints
from nimbus.services.kinesisanalytics.state import KinesisAnalyticsState
from nimbus.services.kinesisanalytics.tags import validate_tags


class ApplicationOps(KinesisAnalyticsState):
    def create_application(self, ctx: RequestContext, params: dict) -> dict:
        name = params["ApplicationName"]
        inputs, outputs = params.get("Inputs") or [], params.get("Outputs") or []
        if len(inputs) > MAX_INPUTS:
            raise invalid(f"An application can have at most {MAX_INPUTS} input.")
        if len(outputs) > MAX_OUTPUTS:
            raise invalid(f"An application can have at most {MAX_OUTPUTS} outputs.")
        tags = params.get("Tags") or []
        validate_tags(tags)
        now = self.clock.time()
        app = Application(
            ApplicationName=name, ApplicationARN=ctx.arn(f"application/{name}"),
            ApplicationDescription=params.get("ApplicationDescription"), ApplicationStatus="READY",
            StatusSince=now, CreateTimestamp=now, LastUpdateTimestamp=now, ApplicationVersionId=1,
            ApplicationCode=params.get("ApplicationCode"), Inputs=[], Outputs=[], ReferenceDataSources=[],
            CloudWatchLoggingOptions=[], StartedAt=None, NextId=0, Tags={tag["Key"]: tag.get("Value", "") for tag in tags},
            AccountId=ctx.account_id, Region=ctx.region)
        for given in inputs:
            app["Inputs"].append(conf.new_input(ctx, given, self.next_id(app)))
        for given in outputs:
            app["Outputs"].append(conf.new_output(ctx, app, given, self.next_id(app)))
        for given in params.get("CloudWatchLoggingOptions") or []:
            app["CloudWatchLoggingOptions"].append(conf.new_logging(ctx, app, given, self.next_id(app)))
        if app["Inputs"] and app["ApplicationCode"]:
            build_pipeline(app)
        with self.store.transaction():
            if self.find(ctx, name) is not None:
                raise ServiceError("ResourceInUseException", f"Application {name} already exists.")
            self.save(app)
        ctx.emit_resource_change(RESOURCE_TYPE, app["ApplicationARN"], "created", lambda: {"ApplicationName": name})
        return {"ApplicationSummary": self._summary(app)}

    @staticmethod
    def _summary(app: Application) -> dict:
        return {"ApplicationName": app["ApplicationName"], "ApplicationARN": app["ApplicationARN"],
                "ApplicationStatus": app["ApplicationStatus"]}

    def describe_application(self, ctx: RequestContext, params: dict) -> dict:
        return {"ApplicationDetail": conf.describe(self.application(ctx, params["ApplicationName"]))}

    def list_applications(self, ctx: RequestContext, params: dict) -> dict:
        apps = [app for _, app in APPLICATION.scan(self.store, applications_ns(ctx.account_id, ctx.region))]
        for app in apps:
            self.settle(app)
        listed, more = page_after(apps, lambda app: app["ApplicationName"],
                                  params.get("ExclusiveStartApplicationName"), params.get("Limit") or 50)
        return {"ApplicationSummaries": [self._summary(app) for app in listed], "HasMoreApplications": more}

    def delete_application(self, ctx: RequestContext, params: dict) -> dict:
        name = params["ApplicationName"]
        with self.store.transaction():
            app = self.application(ctx, name)
            if epoch(params["CreateTimestamp"]) != app["CreateTimestamp"] and \
                    int(epoch(params["CreateTimestamp"]) or 0) != int(app["CreateTimestamp"]):
                raise invalid(f"CreateTimestamp does not match the application {name}'s creation time.")
            if app["ApplicationStatus"] == "DELETING":
                raise in_use(name, "DELETING")
            self.store.delete(applications_ns(ctx.account_id, ctx.region), name)
            reset_checkpoints(self.store, app)
        ctx.emit_resource_change(RESOURCE_TYPE, app["ApplicationARN"], "deleted")
        return {}

    def update_application(self, ctx: RequestContext, params: dict) -> dict:
        update = params["ApplicationUpdate"]
        conf.check_roles(ctx, update)
        with self.store.transaction():
            app = self.for_update(ctx, params["ApplicationName"], params["CurrentApplicationVersionId"])
            if "ApplicationCodeUpdate" in update:
                app["ApplicationCode"] = update["ApplicationCodeUpdate"]
            self._apply(app["Inputs"], "InputId", update.get("InputUpdates"), conf.INPUT_SOURCES)
            self._apply(app["Outputs"], "OutputId", update.get("OutputUpdates"), conf.OUTPUT_DESTINATIONS)
            self._apply(app["ReferenceDataSources"], "ReferenceId", update.get("ReferenceDataSourceUpdates"))
            self._apply(app["CloudWatchLoggingOptions"], "CloudWatchLoggingOptionId",
                        update.get("CloudWatchLoggingOptionUpdates"))
            for stored in app["Inputs"]:
                conf.check_input(stored)
            if app["Inputs"] and app["ApplicationCode"]:
                build_pipeline(app)
            if app["ApplicationStatus"] == "RUNNING":
                self.set_status(app, "UPDATING")
            self.changed(ctx, app)
        return {}

    @staticmethod
    def _apply(items: list[dict], id_key: str, updates: list[dict] | None, exclusive: tuple[str, ...] = ()) -> None:
        for update in updates or []:
            target = next((item for item in items if item[id_key] == update[id_key]), None)
            if target is None:
                raise invalid(f"{id_key} {update[id_key]} does not exist in the application.")
            conf.merge_update(target, {k: v for k, v in update.items() if k != id_key}, exclusive)

    def start_application(self, ctx: RequestContext, params: dict) -> dict:
        name = params["ApplicationName"]
        with self.store.transaction():
            app = self.application(ctx, name)
            if app["ApplicationStatus"] != "READY":
                raise in_use(name, app["ApplicationStatus"])
            if not app["Inputs"]:
                raise ServiceError("InvalidApplicationConfigurationException",
                                   f"Application {name} has no input configured.")
            for given in params["InputConfigurations"]:
                target = next((item for item in app["Inputs"] if item["InputId"] == given["Id"]), None)
                if target is None:
                    raise invalid(f"Input id {given['Id']} does not exist in the application {name}.")
                position = given["InputStartingPositionConfiguration"].get("InputStartingPosition", "NOW")
                target["InputStartingPositionConfiguration"] = {"InputStartingPosition": position}
            build_pipeline(app)
            if any(item["InputStartingPositionConfiguration"]["InputStartingPosition"] != "LAST_STOPPED_POINT"
                   for item in app["Inputs"] if item.get("InputStartingPositionConfiguration")):
                reset_checkpoints(self.store, app)
            app["StartedAt"] = self.clock.time()
            self.set_status(app, "STARTING")
            self.save(app)
        return {}

    def stop_application(self, ctx: RequestContext, params: dict) -> dict:
        name = params["ApplicationName"]
        with self.store.transaction():
            app = self.application(ctx, name)
            if app["ApplicationStatus"] == "READY":
                return {}
            if app["ApplicationStatus"] not in ("RUNNING", "UPDATING", "STARTING"):
                raise in_use(name, app["ApplicationStatus"])
            self.set_status(app, "STOPPING")
            self.save(app)
        return {}
