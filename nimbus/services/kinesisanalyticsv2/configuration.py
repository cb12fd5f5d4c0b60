"""An application's configuration: checked when given, its code kept, and the ApplicationDetail built."""
from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError

from .common import SERVICE, bad_configuration, check_role, invalid, is_sql
from .describe import describe, flink_settings, shape
from .documents import Application

MAX_INPUTS, MAX_OUTPUTS, MAX_REFERENCE_DATA_SOURCES = 1, 3, 1


def code_dir(ctx_or_runtime) -> Path:
    runtime = getattr(ctx_or_runtime, "runtime", ctx_or_runtime)
    return Path(runtime.config.data_dir) / SERVICE / "code"


def keep_code(runtime, code: dict) -> None:
    """Zip content sent inline lives in the data dir under its digest (documents hold no bytes); the
    stored CodeContent keeps the digest, its MD5 and size, as DescribeApplication reports them."""
    content = code.get("CodeContent") or {}
    zipped = content.pop("ZipFileContent", None)
    if zipped is not None:
        data = bytes(zipped) if not isinstance(zipped, str) else base64.b64decode(zipped)
        digest = hashlib.sha256(data).hexdigest()
        target = code_dir(runtime) / digest
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(".partial")
            partial.write_bytes(data)
            partial.replace(target)
        content.update(ZipFileDigest=digest, CodeMD5=hashlib.md5(data).hexdigest(), CodeSize=len(data))
    elif "TextContent" in content:
        data = content["TextContent"].encode()
        content.update(CodeMD5=hashlib.md5(data).hexdigest(), CodeSize=len(data))


def check_configuration(ctx: RequestContext, runtime_environment: str, configuration: dict) -> None:
    """What CreateApplication and UpdateApplication refuse, in AWS's words."""
    sql = configuration.get("SqlApplicationConfiguration") or {}
    if sql and not is_sql(runtime_environment):
        raise bad_configuration("SqlApplicationConfiguration is only supported for SQL applications.")
    if configuration.get("FlinkApplicationConfiguration") and is_sql(runtime_environment):
        raise bad_configuration("FlinkApplicationConfiguration is not supported for SQL applications.")
    for key, limit in (("Inputs", MAX_INPUTS), ("Outputs", MAX_OUTPUTS),
                       ("ReferenceDataSources", MAX_REFERENCE_DATA_SOURCES)):
        if len(sql.get(key) or []) > limit:
            raise invalid(f"An application can have at most {limit} {key[0].lower() + key[1:]}.")
    code = configuration.get("ApplicationCodeConfiguration") or {}
    content, kind = code.get("CodeContent") or {}, code.get("CodeContentType")
    if len([k for k in ("TextContent", "ZipFileContent", "S3ContentLocation", "ZipFileDigest") if k in content]) > 1:
        raise invalid("Only one of TextContent, ZipFileContent or S3ContentLocation may be given.")
    if kind == "PLAINTEXT" and ("ZipFileContent" in content or "S3ContentLocation" in content):
        raise bad_configuration("CodeContentType PLAINTEXT requires TextContent.")
    if kind == "ZIPFILE" and "TextContent" in content:
        raise bad_configuration("CodeContentType ZIPFILE requires ZipFileContent or S3ContentLocation.")
    if not is_sql(runtime_environment) and "TextContent" in content:
        raise bad_configuration(f"TextContent is not supported for runtime environment {runtime_environment}.")
    flink = configuration.get("FlinkApplicationConfiguration") or {}
    checkpoint = flink.get("CheckpointConfiguration") or {}
    if checkpoint.get("ConfigurationType") == "CUSTOM" and checkpoint.get("CheckpointInterval", 1) < 1:
        raise invalid("CheckpointInterval must be at least 1.")
    parallelism = flink.get("ParallelismConfiguration") or {}
    if (parallelism.get("Parallelism") or 1) < 1:
        raise invalid("Parallelism must be at least 1.")
    for group in (configuration.get("EnvironmentProperties") or {}).get("PropertyGroups", []):
        if not group.get("PropertyMap"):
            raise invalid(f"Property group {group['PropertyGroupId']} has no properties.")
    for role in _roles_in(sql):
        check_role(ctx, role)


def _roles_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [v for k, v in value.items() if k in ("RoleARN", "RoleARNUpdate") and v] + \
            [r for k, v in value.items() if k not in ("RoleARN", "RoleARNUpdate") for r in _roles_in(v)]
    if isinstance(value, list):
        return [r for item in value for r in _roles_in(item)]
    return []


def give_ids(app: Application) -> None:
    """Ids for the SQL inputs, outputs and reference data sources, VPC configurations and logging
    options that have none yet (``<version>.<n>``, as AWS numbers them)."""
    configuration = app["ApplicationConfiguration"]
    sql = configuration.get("SqlApplicationConfiguration") or {}
    groups = [(sql.get("Inputs") or [], "InputId"), (sql.get("Outputs") or [], "OutputId"),
              (sql.get("ReferenceDataSources") or [], "ReferenceId"),
              (configuration.get("VpcConfigurations") or [], "VpcConfigurationId"),
              (app["CloudWatchLoggingOptions"], "CloudWatchLoggingOptionId")]
    for items, key in groups:
        for item in items:
            if not item.get(key):
                app["NextId"] += 1
                item[key] = f"{app['ApplicationVersionId']}.{app['NextId']}"


def _sql_description(sql: dict) -> dict:
    described = describe(sql, shape("SqlApplicationConfigurationDescription"))
    for given, shown in zip(sql.get("Inputs") or [], described.get("InputDescriptions") or []):
        count = (given.get("InputParallelism") or {}).get("Count", 1)
        shown["InAppStreamNames"] = [f"{given['NamePrefix']}_{n:03d}" for n in range(1, count + 1)]
        shown.setdefault("InputParallelism", {"Count": count})
    return described


def detail(app: Application, include_job_plan: bool = False) -> dict:
    """DescribeApplication's ApplicationDetail."""
    configuration = app["ApplicationConfiguration"]
    description = describe(configuration, shape("ApplicationConfigurationDescription"))
    if not is_sql(app["RuntimeEnvironment"]):
        flink = flink_settings(configuration.get("FlinkApplicationConfiguration") or {})
        parallelism = flink["ParallelismConfiguration"]
        parallelism["CurrentParallelism"] = parallelism["Parallelism"]
        description["FlinkApplicationConfigurationDescription"] = {
            f"{section}Description": values for section, values in flink.items()}
        if include_job_plan and app["Job"]:
            description["FlinkApplicationConfigurationDescription"]["JobPlanDescription"] = app["Job"].get("JobId") or ""
        description.setdefault("ApplicationSnapshotConfigurationDescription", {"SnapshotsEnabled": False})
        description.setdefault("ApplicationSystemRollbackConfigurationDescription", {"RollbackEnabled": False})
        description["RunConfigurationDescription"] = {
            "ApplicationRestoreConfigurationDescription": app["RunConfiguration"].get(
                "ApplicationRestoreConfiguration") or {"ApplicationRestoreType": "SKIP_RESTORE_FROM_SNAPSHOT"},
            "FlinkRunConfigurationDescription": app["RunConfiguration"].get(
                "FlinkRunConfiguration") or {"AllowNonRestoredState": False}}
    else:
        description["SqlApplicationConfigurationDescription"] = _sql_description(
            configuration.get("SqlApplicationConfiguration") or {})
    result: dict[str, Any] = {
        "ApplicationARN": app["ApplicationARN"], "ApplicationName": app["ApplicationName"],
        "RuntimeEnvironment": app["RuntimeEnvironment"], "ApplicationStatus": app["ApplicationStatus"],
        "ApplicationVersionId": app["ApplicationVersionId"], "ApplicationMode": app["ApplicationMode"],
        "CreateTimestamp": timestamp(app["CreateTimestamp"]), "LastUpdateTimestamp": timestamp(app["LastUpdateTimestamp"]),
        "ApplicationConfigurationDescription": description,
        "CloudWatchLoggingOptionDescriptions": describe(app["CloudWatchLoggingOptions"],
                                                        shape("CloudWatchLoggingOptionDescriptions")),
        "ApplicationMaintenanceConfigurationDescription": {
            "ApplicationMaintenanceWindowStartTime": app["MaintenanceWindowStartTime"],
            "ApplicationMaintenanceWindowEndTime": _plus_eight_hours(app["MaintenanceWindowStartTime"])},
        "ConditionalToken": conditional_token(app)}
    for key in ("ApplicationDescription", "ServiceExecutionRole", "ApplicationVersionUpdatedFrom",
                "ApplicationVersionRolledBackFrom", "ApplicationVersionRolledBackTo"):
        if app[key] is not None:  # type: ignore[literal-required]
            result[key] = app[key]  # type: ignore[literal-required]
    return result


def _plus_eight_hours(start: str) -> str:
    hours, minutes = (int(part) for part in start.split(":"))
    return f"{(hours + 8) % 24:02d}:{minutes:02d}"


def conditional_token(app: Application) -> str:
    """Changes with every version: UpdateApplication's optimistic check without the version id."""
    return hashlib.md5(f"{app['ApplicationARN']}:{app['ApplicationVersionId']}".encode()).hexdigest()


def check_version(app: Application, params: dict) -> None:
    """A change naming the version it applies to (``CurrentApplicationVersionId`` or ``ConditionalToken``)."""
    version, token = params.get("CurrentApplicationVersionId"), params.get("ConditionalToken")
    if version is None and token is None:
        raise invalid("Either CurrentApplicationVersionId or ConditionalToken must be provided.")
    if version is not None and version != app["ApplicationVersionId"]:
        raise ServiceError("ConcurrentModificationException",
                           f"Current application version id {app['ApplicationVersionId']} does not match the "
                           f"provided version id {version}.")
    if token is not None and token != conditional_token(app):
        raise ServiceError("ConcurrentModificationException", "The ConditionalToken does not match the application's.")
