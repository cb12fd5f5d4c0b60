"""AWS::KinesisAnalyticsV2::Application, ::ApplicationOutput, ::ApplicationReferenceDataSource and
::ApplicationCloudWatchLoggingOption, through Managed Service for Apache Flink's own API. The template's
properties are the API's members. An application's code, Flink settings, environment properties and
snapshot setting change in place (UpdateApplication at its current version, each member named with
``Update`` appended); an output, a reference data source and a logging option are added and removed at
the application's current version. The application is created READY (the stack does not start it).
Ref: the application's name, or the part's id."""
from __future__ import annotations

from typing import Any

from .base import Api, Created, Handler, tag_list
from .shapes import conform

SERVICE = "kinesisanalyticsv2"
# The ApplicationConfiguration members UpdateApplication changes in place, with their update names
_UPDATABLE = {"ApplicationCodeConfiguration": "ApplicationCodeConfigurationUpdate",
              "FlinkApplicationConfiguration": "FlinkApplicationConfigurationUpdate",
              "ApplicationSnapshotConfiguration": "ApplicationSnapshotConfigurationUpdate",
              "ApplicationSystemRollbackConfiguration": "ApplicationSystemRollbackConfigurationUpdate"}


def _detail(api: Api, name: str) -> dict:
    return api.call(SERVICE, "DescribeApplication", {"ApplicationName": name})["ApplicationDetail"]


def _as_update(value: Any) -> Any:
    """A configuration section in UpdateApplication's words: every member with ``Update`` appended."""
    if isinstance(value, dict):
        return {f"{key}Update": _as_update(item) for key, item in value.items()}
    return value


def _code(configuration: dict) -> dict:
    """Template code content as the API takes it (a template's ZipFileContent is text)."""
    content = (configuration.get("ApplicationCodeConfiguration") or {}).get("CodeContent") or {}
    if isinstance(content.get("ZipFileContent"), str):
        content["ZipFileContent"] = content["ZipFileContent"].encode()
    return configuration


class Application(Handler):
    type_name = "AWS::KinesisAnalyticsV2::Application"

    def create(self, api: Api, properties: dict) -> Created:
        name = properties.get("ApplicationName") or api.physical_name(128)
        params = {key: value for key, value in properties.items()
                  if key not in ("RunConfiguration", "ApplicationMaintenanceConfiguration", "Tags")}
        params = conform(SERVICE, "CreateApplication", {**params, "ApplicationName": name})
        _code(params.get("ApplicationConfiguration") or {})
        if properties.get("Tags"):
            params["Tags"] = tag_list(properties["Tags"])
        api.call(SERVICE, "CreateApplication", params)
        window = (properties.get("ApplicationMaintenanceConfiguration") or {}).get("ApplicationMaintenanceWindowStartTime")
        if window:
            api.call(SERVICE, "UpdateApplicationMaintenanceConfiguration", {
                "ApplicationName": name, "ApplicationMaintenanceConfigurationUpdate": {
                    "ApplicationMaintenanceWindowStartTimeUpdate": window}})
        return Created(name, {})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        old_conf = old.get("ApplicationConfiguration") or {}
        new_conf = _code(conform(SERVICE, "CreateApplication", {
            "ApplicationName": physical_id, "RuntimeEnvironment": "x", "ServiceExecutionRole": "x",
            "ApplicationConfiguration": new.get("ApplicationConfiguration") or {}})["ApplicationConfiguration"])
        update: dict = {name: _as_update(new_conf[key]) for key, name in _UPDATABLE.items()
                        if key in new_conf and new_conf[key] != old_conf.get(key)}
        if new_conf.get("EnvironmentProperties") != old_conf.get("EnvironmentProperties"):
            update["EnvironmentPropertyUpdates"] = new_conf.get("EnvironmentProperties") or {"PropertyGroups": []}
        params: dict = {}
        if update:
            params["ApplicationConfigurationUpdate"] = update
        if new.get("ServiceExecutionRole") != old.get("ServiceExecutionRole"):
            params["ServiceExecutionRoleUpdate"] = new["ServiceExecutionRole"]
        if new.get("RuntimeEnvironment") != old.get("RuntimeEnvironment"):
            params["RuntimeEnvironmentUpdate"] = new["RuntimeEnvironment"]
        if params:
            api.call(SERVICE, "UpdateApplication", {
                "ApplicationName": physical_id,
                "CurrentApplicationVersionId": _detail(api, physical_id)["ApplicationVersionId"], **params})
        return {}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call(SERVICE, "DeleteApplication", {"ApplicationName": physical_id,
                                                "CreateTimestamp": _detail(api, physical_id)["CreateTimestamp"]})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        detail = _detail(api, physical_id)
        live = {"ApplicationName": physical_id, "RuntimeEnvironment": detail["RuntimeEnvironment"],
                "ServiceExecutionRole": detail.get("ServiceExecutionRole")}
        if "ApplicationDescription" in detail:
            live["ApplicationDescription"] = detail["ApplicationDescription"]
        return live


class _Part(Handler):
    """A part of an application added at its current version: ``member`` of the template, where its
    DescribeApplication description lists it (``path``), and its id member."""
    member = ""
    operation = ""
    path: tuple[str, ...] = ()
    id_member = ""

    def _ids(self, api: Api, name: str) -> set[str]:
        found: Any = _detail(api, name)
        for key in self.path:
            found = found.get(key) or {}
        return {part[self.id_member] for part in found or []}

    def create(self, api: Api, properties: dict) -> Created:
        name = properties["ApplicationName"]
        before = self._ids(api, name)
        api.call(SERVICE, f"AddApplication{self.operation}", conform(SERVICE, f"AddApplication{self.operation}", {
            "ApplicationName": name, "CurrentApplicationVersionId": _detail(api, name)["ApplicationVersionId"],
            self.member: properties[self.member]}))
        (added,) = self._ids(api, name) - before
        return Created(added, {})

    def change(self, api: Api, physical_id: str, old: dict, new: dict) -> Created:
        """A changed part is a new part: the new one added, then the old one removed."""
        created = self.create(api, new)
        self.delete(api, physical_id, old)
        return created

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        name = properties["ApplicationName"]
        api.call(SERVICE, f"DeleteApplication{self.operation}", {
            "ApplicationName": name, "CurrentApplicationVersionId": _detail(api, name)["ApplicationVersionId"],
            self.id_member: physical_id})


_SQL = ("ApplicationConfigurationDescription", "SqlApplicationConfigurationDescription")


class ApplicationOutput(_Part):
    type_name = "AWS::KinesisAnalyticsV2::ApplicationOutput"
    member, operation, path, id_member = "Output", "Output", (*_SQL, "OutputDescriptions"), "OutputId"


class ApplicationReferenceDataSource(_Part):
    type_name = "AWS::KinesisAnalyticsV2::ApplicationReferenceDataSource"
    member, operation, id_member = "ReferenceDataSource", "ReferenceDataSource", "ReferenceId"
    path = (*_SQL, "ReferenceDataSourceDescriptions")


class ApplicationCloudWatchLoggingOption(_Part):
    type_name = "AWS::KinesisAnalyticsV2::ApplicationCloudWatchLoggingOption"
    member, operation, id_member = "CloudWatchLoggingOption", "CloudWatchLoggingOption", "CloudWatchLoggingOptionId"
    path = ("CloudWatchLoggingOptionDescriptions",)
