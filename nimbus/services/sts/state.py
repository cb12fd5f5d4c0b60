"""What STS's operations share: issuing credentials that really sign later calls, and a session's
CloudTrail attributes."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import unquote

from nimbus.core.arns import partition_for
from nimbus.core.context import RequestContext
from nimbus.core.identity import Credential, Principal
from nimbus.core.ids import random_id, secret_access_key, session_token
from nimbus.core.policy import PolicyError, compile_policy
from nimbus.core.policy.evaluate import Request, evaluate_resource
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider

ROLE_ARN = re.compile(r"^arn:aws[a-z\-]*:iam::(?P<account>\d{12}):role/(?:[^/]+/)*(?P<name>[\w+=,.@\-]+)$")
ROLE_SECONDS = 3600  # a role session's default lifetime


class StsState(BaseProvider):
    @staticmethod
    def _role(ctx: RequestContext, role_arn: str, account: str, name: str,
              denied: Callable[[], ServiceError]) -> dict:
        """The role the ARN names, read through IAM (``denied()`` if there is none, or it has another path)."""
        try:
            role = ctx.runtime.client.call("iam", "GetRole", {"RoleName": name}, account_id=account,
                                           region=ctx.region, invoked_by="sts.amazonaws.com")["Role"]
        except ServiceError as error:
            if error.code == "NoSuchEntity":
                raise denied() from None
            raise
        if role["Arn"] != role_arn:  # same name, other path: not this role
            raise denied()
        return role

    @staticmethod
    def _check_mfa(ctx: RequestContext, params: dict) -> None:
        """A ``SerialNumber`` and ``TokenCode`` given must be the caller's MFA device and its current code."""
        serial, given = params.get("SerialNumber"), params.get("TokenCode")
        if not (serial or given):
            return
        principal = ctx.principal
        holder = principal.user_name if principal.type == "IAMUser" else None
        iam = ctx.runtime.services.get("iam").provider  # the device's seed never leaves IAM
        if not (serial and given and principal.type in ("IAMUser", "Root")
                and iam.check_mfa_code(principal.account_id, holder, serial, given, ctx.clock.time())):
            raise ServiceError("AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass "
                               "code. ", status=403)

    @staticmethod
    def _attributes(ctx: RequestContext, params: dict) -> dict:
        """A session's CloudTrail attributes: MFA authenticated when the session was made with a device's
        code (``_check_mfa`` verified it)."""
        mfa = bool(params.get("SerialNumber") and params.get("TokenCode"))
        return {"creationDate": ctx.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                "mfaAuthenticated": "true" if mfa else "false"}

    @staticmethod
    def _check_duration(duration: int, role: dict) -> None:
        if duration > role["MaxSessionDuration"]:
            raise ServiceError("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration "
                               "set for this role.", status=400)

    @staticmethod
    def _check_federated_trust(role: dict, action: str, provider_arn: str, account: str, context: dict,
                               denied: Callable[[], ServiceError]) -> None:
        """The role's trust policy must name the identity provider (``Federated``) for ``action``."""
        trust = compile_policy(unquote(role["AssumeRolePolicyDocument"]), "trust")
        request = Request(action, role["Arn"], "FederatedUser", provider_arn, account,
                          context={k.lower(): v for k, v in context.items()})
        deny, grant, _ = evaluate_resource(trust, request)
        if deny or grant != "direct":
            raise denied()

    def _role_session(self, ctx: RequestContext, role: dict, account: str, session: str, params: dict,
                      **session_context) -> dict:
        """Credentials for a session of ``role`` (``DurationSeconds`` within its MaxSessionDuration), and
        its AssumedRoleUser."""
        duration = params.get("DurationSeconds", ROLE_SECONDS)
        self._check_duration(duration, role)
        assumed_arn = f"arn:{partition_for(ctx.region)}:sts::{account}:assumed-role/{role['RoleName']}/{session}"
        session_context.update(sessionIssuer={"type": "Role", "principalId": role["RoleId"], "arn": role["Arn"],
                                              "accountId": account, "userName": role["RoleName"]},
                               attributes=self._attributes(ctx, params))
        policy = self._session_policy(params)
        if policy:
            session_context["policy"] = policy
        principal = Principal(type="AssumedRole", account_id=account, arn=assumed_arn,
                              principal_id=f"{role['RoleId']}:{session}", session_context=session_context)
        return {"Credentials": self._issue(ctx, principal, duration),
                "AssumedRoleUser": {"AssumedRoleId": principal.principal_id, "Arn": assumed_arn}}

    @staticmethod
    def _session_policy(params: dict) -> str | None:
        """The session ``Policy``, validated (MalformedPolicyDocument): the session may do only what both
        its issuer's policies and this one allow."""
        if not params.get("Policy"):
            return None
        try:
            compile_policy(params["Policy"])
        except PolicyError as error:
            raise ServiceError("MalformedPolicyDocument", str(error), status=400) from None
        return params["Policy"]

    def _issue(self, ctx: RequestContext, principal: Principal, duration: int) -> dict:
        access_key_id = random_id("ASIA")
        expiration = ctx.clock.time() + duration
        credential = Credential(
            access_key_id=access_key_id,
            secret_access_key=secret_access_key(),
            principal=Principal(**{**principal.to_dict(), "access_key_id": access_key_id}),
            session_token=session_token(),
            expiration=expiration,
        )
        ctx.runtime.credentials.put(credential)
        return {
            "AccessKeyId": credential.access_key_id,
            "SecretAccessKey": credential.secret_access_key,
            "SessionToken": credential.session_token,
            "Expiration": datetime.fromtimestamp(int(expiration), tz=UTC),
        }
