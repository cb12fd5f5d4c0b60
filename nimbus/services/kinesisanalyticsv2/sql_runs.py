"""Running a ``SQL-1_0`` application: v2's SQL applications are AWS's v1 SQL applications under another API
(they share the ARN ``arn:aws:kinesisanalytics:...:application/<name>``), so nimbus runs one as the v1
application of its name (``kinesisanalytics``, through the internal client, as the caller who started it):
made from the v2 configuration at each start (afresh, or the last start's reconfigured when the start is at
``LAST_STOPPED_POINT``), with the ``ServiceExecutionRole`` as every role v1 asks for, and stopped and
deleted with it. The v1 application carries the tag ``RUN_TAG``, so a v1
application of the same name that nimbus did not make is never touched."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .common import bad_configuration
from .documents import Application

RUN_TAG = "nimbus:kinesisanalyticsv2"
# v1's errors StartApplication of v2 also answers; any other (CodeValidationException: the SQL does not
# compile) is v2's InvalidApplicationConfigurationException with v1's message.
START_ERRORS = {"ResourceNotFoundException", "ResourceInUseException", "InvalidArgumentException",
                "InvalidApplicationConfigurationException", "InvalidRequestException",
                "UnsupportedOperationException"}
_IDS = ("InputId", "OutputId", "ReferenceId", "CloudWatchLoggingOptionId")


def _with_role(part: dict, role: str) -> dict:
    """A v2 configuration part in v1's shape: no ids, the role in each destination and source."""
    shaped = {}
    for key, value in part.items():
        if key in _IDS:
            continue
        if key in ("KinesisStreamsInput", "KinesisFirehoseInput", "KinesisStreamsOutput", "KinesisFirehoseOutput",
                   "LambdaOutput"):
            value = {**value, "RoleARN": role}
        elif key == "S3ReferenceDataSource":
            value = {**value, "ReferenceRoleARN": role}
        elif key == "InputProcessingConfiguration":
            value = {"InputLambdaProcessor": {**value["InputLambdaProcessor"], "RoleARN": role}}
        shaped[key] = value
    return shaped


def _v1(ctx: RequestContext, operation: str, params: dict) -> dict:
    try:
        return ctx.runtime.client.call("kinesisanalytics", operation, params, account_id=ctx.account_id,
                                       region=ctx.region, principal=ctx.principal)
    except ServiceError as error:
        if error.code in START_ERRORS:
            raise
        raise bad_configuration(error.message) from None


def _ours(ctx: RequestContext, name: str) -> dict | None:
    """The v1 application nimbus runs for ``name``, or None; one nimbus did not make is an error."""
    try:
        detail = _v1(ctx, "DescribeApplication", {"ApplicationName": name})["ApplicationDetail"]
    except ServiceError as error:
        if error.code == "ResourceNotFoundException":
            return None
        raise
    tags = _v1(ctx, "ListTagsForResource", {"ResourceARN": detail["ApplicationARN"]})["Tags"]
    if not any(tag["Key"] == RUN_TAG for tag in tags):
        raise bad_configuration(f"A Kinesis Analytics (v1) application named {name} exists already.")
    return detail


def stop_sql_run(ctx: RequestContext, app: Application, delete: bool = False) -> None:
    detail = _ours(ctx, app["ApplicationName"])
    if detail is None:
        return
    if delete:
        _v1(ctx, "DeleteApplication", {"ApplicationName": detail["ApplicationName"],
                                       "CreateTimestamp": detail["CreateTimestamp"]})
    elif detail["ApplicationStatus"] in ("RUNNING", "STARTING"):
        _v1(ctx, "StopApplication", {"ApplicationName": detail["ApplicationName"]})


def _v1_configuration(app: Application) -> dict:
    """The v2 configuration in v1's CreateApplication shape (its reference data sources apart: v1 adds them)."""
    role, configuration = app["ServiceExecutionRole"] or "", app["ApplicationConfiguration"]
    sql = configuration.get("SqlApplicationConfiguration") or {}
    return {
        "ApplicationCode": ((configuration.get("ApplicationCodeConfiguration") or {}).get("CodeContent") or {}).get(
            "TextContent") or "",
        "Inputs": [_with_role(part, role) for part in sql.get("Inputs") or []],
        "Outputs": [_with_role(part, role) for part in sql.get("Outputs") or []],
        "CloudWatchLoggingOptions": [_with_role(part, role) | {"RoleARN": role}
                                     for part in app["CloudWatchLoggingOptions"]],
        "ReferenceDataSources": [_with_role(source, role) for source in sql.get("ReferenceDataSources") or []]}


def _input_update(input_id: str, given: dict) -> dict:
    """v1's InputUpdate making its input ``given`` (an input in v1's create shape)."""
    schema = given["InputSchema"]
    update: dict = {"InputId": input_id, "NamePrefixUpdate": given["NamePrefix"],
                    "InputSchemaUpdate": {"RecordFormatUpdate": schema["RecordFormat"],
                                          "RecordColumnUpdates": schema["RecordColumns"]},
                    "InputParallelismUpdate": {"CountUpdate": (given.get("InputParallelism") or {}).get("Count", 1)}}
    if schema.get("RecordEncoding"):
        update["InputSchemaUpdate"]["RecordEncodingUpdate"] = schema["RecordEncoding"]
    for kind in ("KinesisStreamsInput", "KinesisFirehoseInput"):
        if kind in given:
            update[f"{kind}Update"] = {"ResourceARNUpdate": given[kind]["ResourceARN"],
                                       "RoleARNUpdate": given[kind]["RoleARN"]}
    return update


def _reconfigure(ctx: RequestContext, detail: dict, wanted: dict) -> int:
    """Make the stopped v1 application of an earlier start the v2 configuration's, in place: v1 keeps its
    input checkpoints across changes, where a new application would start without them. Its version after."""
    name, version = detail["ApplicationName"], detail["ApplicationVersionId"]

    def change(operation: str, **params) -> None:
        nonlocal version
        _v1(ctx, operation, {"ApplicationName": name, "CurrentApplicationVersionId": version, **params})
        version += 1

    for output in detail.get("OutputDescriptions") or []:
        change("DeleteApplicationOutput", OutputId=output["OutputId"])
    for source in detail.get("ReferenceDataSourceDescriptions") or []:
        change("DeleteApplicationReferenceDataSource", ReferenceId=source["ReferenceId"])
    for option in detail.get("CloudWatchLoggingOptionDescriptions") or []:
        change("DeleteApplicationCloudWatchLoggingOption", CloudWatchLoggingOptionId=option["CloudWatchLoggingOptionId"])
    change("UpdateApplication", ApplicationUpdate={
        "ApplicationCodeUpdate": wanted["ApplicationCode"],
        "InputUpdates": [_input_update(current["InputId"], given)
                         for current, given in zip(detail["InputDescriptions"], wanted["Inputs"], strict=False)]})
    for output in wanted["Outputs"]:
        change("AddApplicationOutput", Output=output)
    for option in wanted["CloudWatchLoggingOptions"]:
        change("AddApplicationCloudWatchLoggingOption", CloudWatchLoggingOption=option)
    return version


def start_sql_run(ctx: RequestContext, app: Application, run_configuration: dict) -> None:
    """Start the v1 application of the v2 configuration; its errors are the start's. A start at
    ``LAST_STOPPED_POINT`` reconfigures the v1 application of the last start (so it reads on from where that
    stopped, across nimbus restarts too: v1's checkpoints are durable); any other makes it anew."""
    name, wanted = app["ApplicationName"], _v1_configuration(app)
    positions = [given.get("InputStartingPositionConfiguration") or {}
                 for given in run_configuration.get("SqlRunConfigurations") or []]
    resume = any(position.get("InputStartingPosition") == "LAST_STOPPED_POINT" for position in positions)
    previous = _ours(ctx, name) if resume else None
    if previous is not None and previous["ApplicationStatus"] == "STOPPING":
        raise ServiceError("ResourceInUseException", f"Application {name} is still stopping from its last run; "
                                                     "start it at LAST_STOPPED_POINT once it stopped.")
    if previous is not None and previous["ApplicationStatus"] == "READY":
        version = _reconfigure(ctx, previous, wanted)
    else:
        stop_sql_run(ctx, app, delete=True)
        _v1(ctx, "CreateApplication", {
            "ApplicationName": name, "Tags": [{"Key": RUN_TAG, "Value": "true"}],
            **{key: wanted[key] for key in ("ApplicationCode", "Inputs", "Outputs", "CloudWatchLoggingOptions")}})
        version = 1
    for number, source in enumerate(wanted["ReferenceDataSources"], start=version):
        _v1(ctx, "AddApplicationReferenceDataSource", {
            "ApplicationName": name, "CurrentApplicationVersionId": number, "ReferenceDataSource": source})
    inputs = _v1(ctx, "DescribeApplication", {"ApplicationName": name})["ApplicationDetail"]["InputDescriptions"]
    _v1(ctx, "StartApplication", {"ApplicationName": name, "InputConfigurations": [
        {"Id": described["InputId"], "InputStartingPositionConfiguration":
            positions[index] if index < len(positions) and positions[index] else {"InputStartingPosition": "NOW"}}
        for index, described in enumerate(inputs)]})
