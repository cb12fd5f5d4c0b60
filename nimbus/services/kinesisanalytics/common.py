"""Names, namespaces, errors and the status rules every Kinesis Data Analytics module shares."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import Namespace
from nimbus.core.roles import check_pass_role
from nimbus.protocol.errors import ServiceError

SERVICE_PRINCIPAL = "kinesisanalytics.amazonaws.com"
SESSION_NAME = "KinesisAnalytics"
RESOURCE_TYPE = "AWS::KinesisAnalytics::Application"
applications_ns = Namespace("kinesisanalytics", "applications")

# A transitional status (STARTING, STOPPING, UPDATING) settles after this many seconds of the virtual clock.
TRANSITION_SECONDS = 1.0
SETTLES_TO = {"STARTING": "RUNNING", "STOPPING": "READY", "UPDATING": "RUNNING"}
MAX_INPUTS = 1  # AWS: an application has at most one streaming input
MAX_OUTPUTS = 3
MAX_REFERENCE_DATA_SOURCES = 1


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidArgumentException", message)


def not_found(name: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"Application {name} is not found.")


def in_use(name: str, status: str) -> ServiceError:
    return ServiceError("ResourceInUseException", f"Application {name} is in {status} state.")


def check_role(ctx: RequestContext, role_arn: str) -> None:
    """iam:PassRole for the caller, and a role Kinesis Analytics can assume (its trust policy decides)."""
    check_pass_role(ctx, role_arn, SERVICE_PRINCIPAL, SESSION_NAME, lambda message: invalid(
        f"Kinesis Analytics service doesn't have sufficient privileges to assume the role {role_arn}. {message}"))


def roles_in(value) -> list[str]:
    """Every role ARN a configuration names (``RoleARN``, ``ReferenceRoleARN``, their ``...Update``s)."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("RoleARN", "ReferenceRoleARN", "RoleARNUpdate", "ReferenceRoleARNUpdate") and item:
                found.append(item)
            else:
                found += roles_in(item)
    elif isinstance(value, list):
        for item in value:
            found += roles_in(item)
    return found
