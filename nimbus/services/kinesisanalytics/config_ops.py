"""Adding and removing inputs, input processing, outputs, reference data sources and logging options,
each against the application's current version."""
from __future__ import annotations

from collections.abc import Callable

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesisanalytics import configuration as conf
from nimbus.services.kinesisanalytics.common import MAX_INPUTS, MAX_OUTPUTS, MAX_REFERENCE_DATA_SOURCES, invalid
from nimbus.services.kinesisanalytics.documents import Application
from nimbus.services.kinesisanalytics.state import KinesisAnalyticsState


def _find(items: list[dict], id_key: str, wanted: str, what: str) -> dict:
    found = next((item for item in items if item[id_key] == wanted), None)
    if found is None:
        raise ServiceError("ResourceNotFoundException", f"{what} with id {wanted} not found.")
    return found


class ConfigOps(KinesisAnalyticsState):
    def _change(self, ctx: RequestContext, params: dict, change: Callable[[Application], None]) -> dict:
        with self.store.transaction():
            app = self.for_update(ctx, params["ApplicationName"], params["CurrentApplicationVersionId"])
            change(app)
            self.changed(ctx, app)
        return {}

    def add_application_input(self, ctx: RequestContext, params: dict) -> dict:
        def add(app: Application) -> None:
            if len(app["Inputs"]) >= MAX_INPUTS:
                raise invalid(f"An application can have at most {MAX_INPUTS} input.")
            app["Inputs"].append(conf.new_input(ctx, params["Input"], self.next_id(app)))
        return self._change(ctx, params, add)

    def add_application_input_processing_configuration(self, ctx: RequestContext, params: dict) -> dict:
        conf.check_roles(ctx, params["InputProcessingConfiguration"])

        def add(app: Application) -> None:
            target = _find(app["Inputs"], "InputId", params["InputId"], "Input")
            if target.get("InputProcessingConfiguration"):
                raise invalid(f"Input {params['InputId']} already has an input processing configuration.")
            target["InputProcessingConfiguration"] = params["InputProcessingConfiguration"]
        return self._change(ctx, params, add)

    def delete_application_input_processing_configuration(self, ctx: RequestContext, params: dict) -> dict:
        def delete(app: Application) -> None:
            target = _find(app["Inputs"], "InputId", params["InputId"], "Input")
            if target.pop("InputProcessingConfiguration", None) is None:
                raise ServiceError("ResourceNotFoundException",
                                   f"Input {params['InputId']} has no input processing configuration.")
        return self._change(ctx, params, delete)

    def add_application_output(self, ctx: RequestContext, params: dict) -> dict:
        def add(app: Application) -> None:
            if len(app["Outputs"]) >= MAX_OUTPUTS:
                raise invalid(f"An application can have at most {MAX_OUTPUTS} outputs.")
            app["Outputs"].append(conf.new_output(ctx, app, params["Output"], self.next_id(app)))
        return self._change(ctx, params, add)

    def delete_application_output(self, ctx: RequestContext, params: dict) -> dict:
        def delete(app: Application) -> None:
            app["Outputs"].remove(_find(app["Outputs"], "OutputId", params["OutputId"], "Output"))
        return self._change(ctx, params, delete)

    def add_application_reference_data_source(self, ctx: RequestContext, params: dict) -> dict:
        def add(app: Application) -> None:
            if len(app["ReferenceDataSources"]) >= MAX_REFERENCE_DATA_SOURCES:
                raise invalid(f"An application can have at most {MAX_REFERENCE_DATA_SOURCES} reference data source.")
            app["ReferenceDataSources"].append(
                conf.new_reference(ctx, params["ReferenceDataSource"], self.next_id(app)))
        return self._change(ctx, params, add)

    def delete_application_reference_data_source(self, ctx: RequestContext, params: dict) -> dict:
        def delete(app: Application) -> None:
            app["ReferenceDataSources"].remove(
                _find(app["ReferenceDataSources"], "ReferenceId", params["ReferenceId"], "Reference data source"))
        return self._change(ctx, params, delete)

    def add_application_cloud_watch_logging_option(self, ctx: RequestContext, params: dict) -> dict:
        def add(app: Application) -> None:
            app["CloudWatchLoggingOptions"].append(
                conf.new_logging(ctx, app, params["CloudWatchLoggingOption"], self.next_id(app)))
        return self._change(ctx, params, add)

    def delete_application_cloud_watch_logging_option(self, ctx: RequestContext, params: dict) -> dict:
        def delete(app: Application) -> None:
            options = app["CloudWatchLoggingOptions"]
            options.remove(_find(options, "CloudWatchLoggingOptionId", params["CloudWatchLoggingOptionId"],
                                 "CloudWatch logging option"))
        return self._change(ctx, params, delete)
