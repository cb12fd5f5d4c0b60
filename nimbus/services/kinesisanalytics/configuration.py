"""Inputs, outputs, reference data sources and logging options: checked as given, merged with their
``...Update`` structures, and shown in DescribeApplication's ``...Description`` shapes."""
from __future__ import annotations

import copy
from typing import Any

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.services.kinesisanalytics.common import check_role, invalid, roles_in
from nimbus.services.kinesisanalytics.documents import Application

INPUT_SOURCES = ("KinesisStreamsInput", "KinesisFirehoseInput")
OUTPUT_DESTINATIONS = ("KinesisStreamsOutput", "KinesisFirehoseOutput", "LambdaOutput")
# Members whose description is named <member>Description.
DESCRIBED = {"KinesisStreamsInput", "KinesisFirehoseInput", "InputProcessingConfiguration", "InputLambdaProcessor",
             "KinesisStreamsOutput", "KinesisFirehoseOutput", "LambdaOutput", "S3ReferenceDataSource"}
MAX_PARALLELISM = 64


def one_of(config: dict, kinds: tuple[str, ...], what: str) -> str:
    given = [kind for kind in kinds if config.get(kind)]
    if len(given) != 1:
        raise invalid(f"Exactly one of {', '.join(kinds)} must be specified for the {what}.")
    return given[0]


def check_roles(ctx: RequestContext, config) -> None:
    for role in dict.fromkeys(roles_in(config)):
        check_role(ctx, role)


def new_input(ctx: RequestContext, given: dict, input_id: str) -> dict:
    one_of(given, INPUT_SOURCES, "input")
    check_input(given)
    check_roles(ctx, given)
    stored = {"InputId": input_id, **copy.deepcopy(given)}
    stored.setdefault("InputParallelism", {"Count": 1})
    return stored


def check_input(given: dict) -> None:
    count = (given.get("InputParallelism") or {}).get("Count", 1)
    if not 1 <= count <= MAX_PARALLELISM:
        raise invalid(f"InputParallelism Count must be between 1 and {MAX_PARALLELISM}.")
    schema = given.get("InputSchema") or {}
    names = [column["Name"] for column in schema.get("RecordColumns") or []]
    if len(set(map(str.upper, names))) != len(names):
        raise invalid("Column names in the input schema must be unique.")


def new_output(ctx: RequestContext, app: Application, given: dict, output_id: str) -> dict:
    one_of(given, OUTPUT_DESTINATIONS, "output")
    if any(output["Name"].upper() == given["Name"].upper() for output in app["Outputs"]):
        raise invalid(f"Output with name {given['Name']} already exists.")
    check_roles(ctx, given)
    return {"OutputId": output_id, **copy.deepcopy(given)}


def new_reference(ctx: RequestContext, given: dict, reference_id: str) -> dict:
    check_roles(ctx, given)
    return {"ReferenceId": reference_id, **copy.deepcopy(given)}


def new_logging(ctx: RequestContext, app: Application, given: dict, option_id: str) -> dict:
    if any(option["LogStreamARN"] == given["LogStreamARN"] for option in app["CloudWatchLoggingOptions"]):
        raise invalid(f"Logging option with log stream {given['LogStreamARN']} already exists.")
    check_roles(ctx, given)
    return {"CloudWatchLoggingOptionId": option_id, **copy.deepcopy(given)}


def _target_name(key: str) -> str:
    if key.endswith("Updates"):
        return key[:-len("Updates")] + "s"
    return key[:-len("Update")] if key.endswith("Update") else key


def merge_update(target: dict, update: dict, exclusive: tuple[str, ...] = ()) -> None:
    """Apply an ``...Update`` structure: ``FooUpdate`` members set or merge into ``Foo``; a new source or
    destination kind (one of ``exclusive``) replaces the one there was."""
    for key, value in update.items():
        name = _target_name(key)
        if name in exclusive:
            for other in exclusive:
                if other != name:
                    target.pop(other, None)
        if isinstance(value, dict) and isinstance(target.get(name), dict):
            merge_update(target[name], value)
        elif isinstance(value, dict):
            target[name] = {}
            merge_update(target[name], value)
        else:
            target[name] = copy.deepcopy(value)


def _described(value: Any) -> Any:
    if isinstance(value, dict):
        return {(f"{key}Description" if key in DESCRIBED else key): _described(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_described(item) for item in value]
    return copy.deepcopy(value)


def in_app_stream_names(stored_input: dict) -> list[str]:
    count = stored_input["InputParallelism"]["Count"]
    return [f"{stored_input['NamePrefix']}_{n:03d}" for n in range(1, count + 1)]


def describe(app: Application) -> dict:
    inputs = []
    for stored in app["Inputs"]:
        described = _described(stored)
        described["InAppStreamNames"] = in_app_stream_names(stored)
        inputs.append(described)
    detail: dict[str, Any] = {
        "ApplicationName": app["ApplicationName"], "ApplicationARN": app["ApplicationARN"],
        "ApplicationStatus": app["ApplicationStatus"], "CreateTimestamp": timestamp(app["CreateTimestamp"]),
        "LastUpdateTimestamp": timestamp(app["LastUpdateTimestamp"]),
        "InputDescriptions": inputs,
        "OutputDescriptions": _described(app["Outputs"]),
        "ReferenceDataSourceDescriptions": _described(app["ReferenceDataSources"]),
        "CloudWatchLoggingOptionDescriptions": _described(app["CloudWatchLoggingOptions"]),
        "ApplicationVersionId": app["ApplicationVersionId"]}
    if app["ApplicationDescription"] is not None:
        detail["ApplicationDescription"] = app["ApplicationDescription"]
    if app["ApplicationCode"] is not None:
        detail["ApplicationCode"] = app["ApplicationCode"]
    return detail
