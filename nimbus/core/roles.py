"""Services acting for users with the roles users give them (Firehose's RoleARN, CloudTrail's
CloudWatchLogsRoleArn, a Kinesis channel's service execution role, and every service to come).

* When a resource names a role (create and update), ``check_pass_role``: the caller needs ``iam:PassRole``
  on it (evaluated like any action: enforced with ``--enforce-iam``, recorded otherwise), and the
  service must be able to assume it: the role exists and its trust policy lets the service in.
* At run time the service calls as a session of that role (``RoleSessions.principal``): assumed through
  STS's own AssumeRole as the service principal, kept until it expires on the virtual clock and then
  assumed again. Internal calls made as a session are authorized like any caller's (identity policies of
  the role, resource policies, both sides across accounts), and CloudTrail records them as the
  assumed role with ``invokedBy`` set to the service.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from nimbus.core.context import CallSource
from nimbus.core.identity import Principal
from nimbus.protocol.errors import ServiceError

if TYPE_CHECKING:
    from nimbus.core.context import RequestContext
    from nimbus.core.runtime import Runtime

SESSION_SECONDS = 3600  # AWS's default session, as services assume their roles
REFRESH_MARGIN = 60  # assume again this long before the session would expire


def role_account(role_arn: str) -> str | None:
    """The account of ``arn:aws:iam::<account>:role/<name>``; None for anything else."""
    parts = role_arn.split(":")
    if len(parts) == 6 and parts[0] == "arn" and parts[2] == "iam" and parts[5].startswith("role/"):
        return parts[4]
    return None


def check_pass_role(ctx: RequestContext, role_arn: str, service: str, session_name: str,
                    refused: Callable[[str], ServiceError], source: CallSource | None = None) -> None:
    """What a create or update naming ``role_arn`` for ``service`` (e.g. ``firehose.amazonaws.com``) needs.

    The caller needs iam:PassRole on the role (the service's AccessDenied words, as AWS answers);
    ``refused(message)`` is the service's own error for a role it cannot assume: not one of the
    caller's account's roles, missing, or not trusting the service.
    """
    account = role_account(role_arn)
    if account is None:
        raise refused(f"{role_arn} is not a valid role ARN.")
    ctx.authorize("iam:PassRole", role_arn, context={"iam:PassedToService": service})
    if account != ctx.account_id:
        raise refused(f"The role {role_arn} is not in account {ctx.account_id}.")
    try:
        ctx.runtime.client.sessions.principal(role_arn, service, session_name, ctx.region, source)
    except ServiceError as error:
        raise refused(error.message) from None


class RoleSessions:
    """Sessions of roles that services assume, one per (role, service, session name, source)."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self._lock = threading.Lock()
        self._sessions: dict[tuple, tuple[Principal, float]] = {}

    def principal(self, role_arn: str, service: str, session_name: str, region: str,
                  source: CallSource | None = None) -> Principal:
        """The session principal (``invoked_by`` the service); raises STS's error when the service cannot
        assume the role."""
        key = (role_arn, service, session_name, source)
        now = self.runtime.clock.time()
        with self._lock:
            cached = self._sessions.get(key)
        if cached is not None and cached[1] - REFRESH_MARGIN > now:
            return cached[0]
        output = self.runtime.client.call(
            "sts", "AssumeRole", {"RoleArn": role_arn, "RoleSessionName": session_name,
                                  "DurationSeconds": SESSION_SECONDS},
            account_id=role_account(role_arn) or "", region=region, invoked_by=service, source=source)
        credential = self.runtime.credentials.lookup(output["Credentials"]["AccessKeyId"])
        assert credential is not None and credential.expiration is not None  # STS just wrote it
        session = Principal(**{**credential.principal.to_dict(), "invoked_by": service})
        with self._lock:
            self._sessions[key] = (session, credential.expiration)
        return session

    def forget(self, role_arn: str | None = None) -> None:
        """Drop cached sessions (of one role, or all: a reset); the next call assumes the role again."""
        with self._lock:
            for key in [k for k in self._sessions if role_arn is None or k[0] == role_arn]:
                del self._sessions[key]
