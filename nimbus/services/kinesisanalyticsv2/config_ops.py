"""Adding and removing an application's parts one at a time: SQL inputs, their processing configuration,
outputs and reference data sources, VPC configurations and CloudWatch logging options. Each is a new
application version."""
from __future__ import annotations

import copy
from collections.abc import Callable

from nimbus.core.context import RequestContext

from .common import bad_configuration, invalid, is_sql
from .configuration import check_configuration, check_version, detail, give_ids
from .documents import Application
from .state import FlinkState


def _sql(app: Application) -> dict:
    if not is_sql(app["RuntimeEnvironment"]):
        raise bad_configuration("This operation is only supported for SQL applications.")
    return app["ApplicationConfiguration"].setdefault("SqlApplicationConfiguration", {})


def _vpcs(app: Application) -> list[dict]:
    return app["ApplicationConfiguration"].setdefault("VpcConfigurations", [])


def _logging(app: Application) -> list[dict]:
    return app["CloudWatchLoggingOptions"]


def _sql_list(key: str) -> Callable[[Application], list[dict]]:
    return lambda app: _sql(app).setdefault(key, [])


class ConfigOps(FlinkState):
    def _change(self, ctx: RequestContext, params: dict, change: Callable[[Application], None]) -> Application:
        with self.store.transaction():
            app = self.application(ctx, params["ApplicationName"])
            check_version(app, params)
            self.settled(app)
            change(app)
            give_ids(app)
            check_configuration(ctx, app["RuntimeEnvironment"], app["ApplicationConfiguration"])
            self.changed(ctx, app)
        return app

    def _add(self, ctx: RequestContext, params: dict, items: Callable[[Application], list[dict]],
             member: str) -> Application:
        return self._change(ctx, params, lambda app: items(app).append(copy.deepcopy(params[member])))

    def _delete(self, ctx: RequestContext, params: dict, items: Callable[[Application], list[dict]],
                id_key: str) -> Application:
        def remove(app: Application) -> None:
            kept = [item for item in items(app) if item.get(id_key) != params[id_key]]
            if len(kept) == len(items(app)):
                raise invalid(f"{id_key} {params[id_key]} does not exist in the application.")
            items(app)[:] = kept
        return self._change(ctx, params, remove)

    @staticmethod
    def _versioned(app: Application, **more) -> dict:
        return {"ApplicationARN": app["ApplicationARN"], "ApplicationVersionId": app["ApplicationVersionId"], **more}

    def add_application_input(self, ctx: RequestContext, params: dict) -> dict:
        app = self._add(ctx, params, _sql_list("Inputs"), "Input")
        sql = detail(app)["ApplicationConfigurationDescription"]["SqlApplicationConfigurationDescription"]
        return self._versioned(app, InputDescriptions=sql.get("InputDescriptions", []))

    def add_application_output(self, ctx: RequestContext, params: dict) -> dict:
        app = self._add(ctx, params, _sql_list("Outputs"), "Output")
        sql = detail(app)["ApplicationConfigurationDescription"]["SqlApplicationConfigurationDescription"]
        return self._versioned(app, OutputDescriptions=sql.get("OutputDescriptions", []))

    def add_application_reference_data_source(self, ctx: RequestContext, params: dict) -> dict:
        app = self._add(ctx, params, _sql_list("ReferenceDataSources"), "ReferenceDataSource")
        sql = detail(app)["ApplicationConfigurationDescription"]["SqlApplicationConfigurationDescription"]
        return self._versioned(app, ReferenceDataSourceDescriptions=sql.get("ReferenceDataSourceDescriptions", []))

    def add_application_cloud_watch_logging_option(self, ctx: RequestContext, params: dict) -> dict:
        app = self._add(ctx, params, _logging, "CloudWatchLoggingOption")
        return self._versioned(app, CloudWatchLoggingOptionDescriptions=detail(app)["CloudWatchLoggingOptionDescriptions"],
                               OperationId=self.begin_operation(app, "AddApplicationCloudWatchLoggingOption", True))

    def add_application_vpc_configuration(self, ctx: RequestContext, params: dict) -> dict:
        app = self._add(ctx, params, _vpcs, "VpcConfiguration")
        given = params["VpcConfiguration"]
        added = {"VpcConfigurationId": _vpcs(app)[-1]["VpcConfigurationId"], "VpcId": "vpc-" + _vpcs(app)[-1][
            "VpcConfigurationId"].replace(".", ""), "SubnetIds": given["SubnetIds"],
            "SecurityGroupIds": given["SecurityGroupIds"]}
        return self._versioned(app, VpcConfigurationDescription=added,
                               OperationId=self.begin_operation(app, "AddApplicationVpcConfiguration", True))

    def add_application_input_processing_configuration(self, ctx: RequestContext, params: dict) -> dict:
        def add(app: Application) -> None:
            target = self._input(app, params["InputId"])
            if target.get("InputProcessingConfiguration"):
                raise invalid(f"Input {params['InputId']} already has an input processing configuration.")
            target["InputProcessingConfiguration"] = copy.deepcopy(params["InputProcessingConfiguration"])
        app = self._change(ctx, params, add)
        return self._versioned(app, InputId=params["InputId"], InputProcessingConfigurationDescription=
                               params["InputProcessingConfiguration"])

    def delete_application_input_processing_configuration(self, ctx: RequestContext, params: dict) -> dict:
        def remove(app: Application) -> None:
            if self._input(app, params["InputId"]).pop("InputProcessingConfiguration", None) is None:
                raise invalid(f"Input {params['InputId']} has no input processing configuration.")
        return self._versioned(self._change(ctx, params, remove))

    @staticmethod
    def _input(app: Application, input_id: str) -> dict:
        target = next((item for item in _sql(app).get("Inputs") or [] if item.get("InputId") == input_id), None)
        if target is None:
            raise invalid(f"InputId {input_id} does not exist in the application.")
        return target

    def delete_application_output(self, ctx: RequestContext, params: dict) -> dict:
        return self._versioned(self._delete(ctx, params, _sql_list("Outputs"), "OutputId"))

    def delete_application_reference_data_source(self, ctx: RequestContext, params: dict) -> dict:
        return self._versioned(self._delete(ctx, params, _sql_list("ReferenceDataSources"), "ReferenceId"))

    def delete_application_cloud_watch_logging_option(self, ctx: RequestContext, params: dict) -> dict:
        app = self._delete(ctx, params, _logging, "CloudWatchLoggingOptionId")
        return self._versioned(app, CloudWatchLoggingOptionDescriptions=detail(app)["CloudWatchLoggingOptionDescriptions"],
                               OperationId=self.begin_operation(app, "DeleteApplicationCloudWatchLoggingOption", True))

    def delete_application_vpc_configuration(self, ctx: RequestContext, params: dict) -> dict:
        app = self._delete(ctx, params, _vpcs, "VpcConfigurationId")
        return self._versioned(app, OperationId=self.begin_operation(app, "DeleteApplicationVpcConfiguration", True))
