"""Running a ``SQL-1_0`` application: v2's SQL applications are AWS's v1 SQL applications under another API
(they share the ARN ``arn:aws:kinesisanalytics:...:application/<name>``), so nimbus runs one as the v1
application of its name (``kinesisanalytics``, through the internal client, as the caller who started it):
made afresh from the v2 configuration at each start, with the ``ServiceExecutionRole`` as every role v1
asks for, and stopped and deleted with it. The v1 application carries the tag ``RUN_TAG``, so a v1
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


def start_sql_run(ctx: RequestContext, app: Application, run_configuration: dict) -> None:
    """Make the v1 application anew from the v2 configuration and start it; its errors are the start's."""
    name, role = app["ApplicationName"], app["ServiceExecutionRole"] or ""
    configuration = app["ApplicationConfiguration"]
    sql = configuration.get("SqlApplicationConfiguration") or {}
    stop_sql_run(ctx, app, delete=True)
    _v1(ctx, "CreateApplication", {
        "ApplicationName": name, "Tags": [{"Key": RUN_TAG, "Value": "true"}],
        "ApplicationCode": ((configuration.get("ApplicationCodeConfiguration") or {}).get("CodeContent") or {}).get(
            "TextContent") or "",
        "Inputs": [_with_role(part, role) for part in sql.get("Inputs") or []],
        "Outputs": [_with_role(part, role) for part in sql.get("Outputs") or []],
        "CloudWatchLoggingOptions": [_with_role(part, role) | {"RoleARN": role}
                                     for part in app["CloudWatchLoggingOptions"]]})
    for number, source in enumerate(sql.get("ReferenceDataSources") or [], start=1):
        _v1(ctx, "AddApplicationReferenceDataSource", {
            "ApplicationName": name, "CurrentApplicationVersionId": number,
            "ReferenceDataSource": _with_role(source, role)})
    inputs = _v1(ctx, "DescribeApplication", {"ApplicationName": name})["ApplicationDetail"]["InputDescriptions"]
    positions = [given.get("InputStartingPositionConfiguration") or {}
                 for given in run_configuration.get("SqlRunConfigurations") or []]
    _v1(ctx, "StartApplication", {"ApplicationName": name, "InputConfigurations": [
        {"Id": described["InputId"], "InputStartingPositionConfiguration":
            positions[index] if index < len(positions) and positions[index] else {"InputStartingPosition": "NOW"}}
        for index, described in enumerate(inputs)]})
