"""Names, namespaces and errors every Managed Service for Apache Flink module shares."""
from __future__ import annotations

from pathlib import Path

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import Namespace
from nimbus.core.paging import page
from nimbus.core.roles import check_pass_role
from nimbus.protocol.errors import ServiceError

SERVICE = "kinesisanalyticsv2"
SERVICE_PRINCIPAL = "kinesisanalytics.amazonaws.com"
SESSION_NAME = "KinesisAnalyticsV2"
RESOURCE_TYPE = "AWS::KinesisAnalyticsV2::Application"
applications_ns = Namespace(SERVICE, "applications")
versions_ns = Namespace(SERVICE, "versions")  # + application name
snapshots_ns = Namespace(SERVICE, "snapshots")  # + application name
operations_ns = Namespace(SERVICE, "operations")  # + application name
account_snapshots_ns = Namespace(SERVICE, "account-snapshots")
snapshot_operations_ns = Namespace(SERVICE, "snapshot-operations")  # + snapshot name

MAX_VERSIONS = 50  # ListApplicationVersions keeps this many past versions, as AWS does
FLINK_RUN_OPTIONS = "kinesis.analytics.flink.run.options"  # AWS's property group naming a PyFlink main file


def savepoint_path(savepoint: str) -> Path:
    """The local directory of a savepoint kept as a ``file:`` URI."""
    return Path(savepoint.removeprefix("file:").removeprefix("//"))


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidArgumentException", message)


def invalid_request(message: str) -> ServiceError:
    return ServiceError("InvalidRequestException", message)


def bad_configuration(message: str) -> ServiceError:
    return ServiceError("InvalidApplicationConfigurationException", message)


def not_found(name: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"Application {name} is not found.")


def snapshot_not_found(name: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"Snapshot {name} is not found.")


def in_use(name: str, status: str) -> ServiceError:
    return ServiceError("ResourceInUseException", f"Application {name} is in {status} state.")


def is_sql(runtime_environment: str) -> bool:
    return runtime_environment.startswith("SQL")


def check_role(ctx: RequestContext, role_arn: str) -> None:
    """iam:PassRole for the caller, and a role the service can assume (its trust policy decides)."""
    check_pass_role(ctx, role_arn, SERVICE_PRINCIPAL, SESSION_NAME, lambda message: invalid(
        f"Kinesis Analytics service doesn't have sufficient privileges to assume the role {role_arn}. {message}"))


def application_arn(ctx: RequestContext, name: str) -> str:
    """v2 applications share v1's ARN service name, as AWS's do."""
    return ctx.arn(f"application/{name}", service="kinesisanalytics")


def listing(member: str, items: list, key, params: dict, default_limit: int, shown=lambda item: item) -> dict:
    """One page of a List operation's ``member``, after the ``NextToken`` of the page before."""
    chunk, marker = page(items, params.get("NextToken"), params.get("Limit"), key, default_limit,
                         invalid(f"Invalid NextToken {params.get('NextToken')}."))
    result: dict = {member: [shown(item) for item in chunk]}
    if marker:
        result["NextToken"] = marker
    return result
