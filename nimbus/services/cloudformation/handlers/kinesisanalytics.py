"""AWS::KinesisAnalytics::Application, ::ApplicationOutput and ::ApplicationReferenceDataSource, through
Kinesis Data Analytics' own API. The template's properties are the API's members. An application's code
and its input change in place (UpdateApplication, at the application's current version); so do an output and
a reference data source (``OutputUpdates``, ``ReferenceDataSourceUpdates``). Ref: the application's name, the output's or the
reference data source's id."""
from __future__ import annotations

from .base import Api, Created, Handler
from .shapes import conform

SERVICE = "kinesisanalytics"
# Members whose own members are updated one by one (``ResourceARNUpdate``...); others are replaced whole.
_NESTED = {"KinesisStreamsOutput", "KinesisFirehoseOutput", "LambdaOutput", "S3ReferenceDataSource"}


def _detail(api: Api, name: str) -> dict:
    return api.call(SERVICE, "DescribeApplication", {"ApplicationName": name})["ApplicationDetail"]


def _input_update(input_id: str, given: dict) -> dict:
    """An Inputs entry in UpdateApplication's words."""
    update: dict = {"InputId": input_id, "NamePrefixUpdate": given["NamePrefix"]}
    schema = given.get("InputSchema") or {}
    update["InputSchemaUpdate"] = {"RecordFormatUpdate": schema.get("RecordFormat"),
                                   "RecordEncodingUpdate": schema.get("RecordEncoding"),
                                   "RecordColumnUpdates": schema.get("RecordColumns")}
    update["InputSchemaUpdate"] = {k: v for k, v in update["InputSchemaUpdate"].items() if v is not None}
    if given.get("InputParallelism"):
        update["InputParallelismUpdate"] = {"CountUpdate": given["InputParallelism"]["Count"]}
    for kind in ("KinesisStreamsInput", "KinesisFirehoseInput"):
        if given.get(kind):
            update[f"{kind}Update"] = {"ResourceARNUpdate": given[kind]["ResourceARN"],
                                       "RoleARNUpdate": given[kind]["RoleARN"]}
    return update


class Application(Handler):
    type_name = "AWS::KinesisAnalytics::Application"

    def create(self, api: Api, properties: dict) -> Created:
        name = properties.get("ApplicationName") or api.physical_name(128)
        api.call(SERVICE, "CreateApplication", conform(SERVICE, "CreateApplication", {**properties,
                                                                                      "ApplicationName": name}))
        return Created(name, {})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        detail = _detail(api, physical_id)
        update: dict = {}
        if old.get("ApplicationCode") != new.get("ApplicationCode"):
            update["ApplicationCodeUpdate"] = new.get("ApplicationCode") or ""
        inputs = [(stored["InputId"], given) for stored, given in zip(
            detail["InputDescriptions"], new.get("Inputs") or [], strict=False)]
        if old.get("Inputs") != new.get("Inputs") and inputs:
            update["InputUpdates"] = [_input_update(input_id, given) for input_id, given in inputs]
        if update:
            api.call(SERVICE, "UpdateApplication", conform(SERVICE, "UpdateApplication", {
                "ApplicationName": physical_id, "CurrentApplicationVersionId": detail["ApplicationVersionId"],
                "ApplicationUpdate": update}))
        return {}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        detail = _detail(api, physical_id)
        api.call(SERVICE, "DeleteApplication", {"ApplicationName": physical_id,
                                                "CreateTimestamp": detail["CreateTimestamp"]})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        detail = _detail(api, physical_id)
        live: dict = {"ApplicationName": physical_id}
        if "ApplicationCode" in detail:
            live["ApplicationCode"] = detail["ApplicationCode"]
        if "ApplicationDescription" in detail:
            live["ApplicationDescription"] = detail["ApplicationDescription"]
        return live


class _Part(Handler):
    """A part added to an application at its current version: ``member`` of the template (``Output``),
    its ``...Description`` list and id member in DescribeApplication."""
    member = ""
    described = ""
    id_member = ""

    def create(self, api: Api, properties: dict) -> Created:
        name = properties["ApplicationName"]
        detail = _detail(api, name)
        before = {part[self.id_member] for part in detail[self.described]}
        api.call(SERVICE, f"AddApplication{self.member}", conform(SERVICE, f"AddApplication{self.member}", {
            "ApplicationName": name, "CurrentApplicationVersionId": detail["ApplicationVersionId"],
            self.member: properties[self.member]}))
        added = [part[self.id_member] for part in _detail(api, name)[self.described] if part[self.id_member]
                 not in before]
        return Created(added[0], {})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        name = new["ApplicationName"]
        words = {f"{key}Update": ({f"{k}Update": v for k, v in value.items()} if key in _NESTED else value)
                 for key, value in new[self.member].items()}
        api.call(SERVICE, "UpdateApplication", conform(SERVICE, "UpdateApplication", {
            "ApplicationName": name, "CurrentApplicationVersionId": _detail(api, name)["ApplicationVersionId"],
            "ApplicationUpdate": {f"{self.member}Updates": [{self.id_member: physical_id, **words}]}}))
        return {}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        name = properties["ApplicationName"]
        api.call(SERVICE, f"DeleteApplication{self.member}", {
            "ApplicationName": name, "CurrentApplicationVersionId": _detail(api, name)["ApplicationVersionId"],
            self.id_member: physical_id})


class ApplicationOutput(_Part):
    type_name = "AWS::KinesisAnalytics::ApplicationOutput"
    member, described, id_member = "Output", "OutputDescriptions", "OutputId"


class ApplicationReferenceDataSource(_Part):
    type_name = "AWS::KinesisAnalytics::ApplicationReferenceDataSource"
    member, described, id_member = "ReferenceDataSource", "ReferenceDataSourceDescriptions", "ReferenceId"
