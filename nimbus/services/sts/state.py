"""What STS's operations share: issuing credentials that really sign later calls, and a session's
CloudTrail attributes."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from nimbus.core.context import RequestContext
from nimbus.core.identity import Credential, Principal
from nimbus.core.ids import random_id, secret_access_key, session_token
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
    def _attributes(ctx: RequestContext, params: dict) -> dict:
        """A session's CloudTrail attributes. nimbus has no MFA devices: a well-formed serial number and
        code (the model's patterns) count as MFA, so policies on aws:MultiFactorAuthPresent can be tested."""
        mfa = bool(params.get("SerialNumber") and params.get("TokenCode"))
        return {"creationDate": ctx.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                "mfaAuthenticated": "true" if mfa else "false"}

    @staticmethod
    def _check_duration(duration: int, role: dict) -> None:
        if duration > role["MaxSessionDuration"]:
            raise ServiceError("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration "
                               "set for this role.", status=400)

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
