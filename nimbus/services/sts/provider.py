"""AWS STS: who am I, and temporary credentials that really sign later calls."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from nimbus.core.context import RequestContext
from nimbus.core.identity import Credential, Principal
from nimbus.core.ids import random_id, secret_access_key, session_token, stable_id
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider

ROLE_ARN = re.compile(r"^arn:aws[a-z\-]*:iam::(?P<account>\d{12}):role/(?:[^/]+/)*(?P<name>[\w+=,.@\-]+)$")
# Default lifetimes; the model's min/max on DurationSeconds are checked by validation.
SESSION_SECONDS = 43200
ROLE_SECONDS = 3600


class Provider(BaseProvider):
    def get_caller_identity(self, ctx: RequestContext, params: dict) -> dict:
        principal = ctx.principal
        return {"UserId": principal.principal_id, "Account": principal.account_id, "Arn": principal.arn}

    def get_session_token(self, ctx: RequestContext, params: dict) -> dict:
        if ctx.principal.type == "AssumedRole":
            raise ServiceError("AccessDenied", "Cannot call GetSessionToken with session credentials", status=403)
        duration = params.get("DurationSeconds", SESSION_SECONDS)
        return {"Credentials": self._issue(ctx, ctx.principal, duration)}

    def assume_role(self, ctx: RequestContext, params: dict) -> dict:
        match = ROLE_ARN.match(params["RoleArn"])
        if match is None:
            raise ServiceError("ValidationError", f"{params['RoleArn']} is invalid", status=400)
        duration = params.get("DurationSeconds", ROLE_SECONDS)
        account, role_name, session = match["account"], match["name"], params["RoleSessionName"]
        role_id = stable_id("AROA", params["RoleArn"])
        assumed_arn = f"arn:aws:sts::{account}:assumed-role/{role_name}/{session}"
        principal = Principal(
            type="AssumedRole",
            account_id=account,
            arn=assumed_arn,
            principal_id=f"{role_id}:{session}",
            session_context={
                "sessionIssuer": {"type": "Role", "principalId": role_id, "arn": params["RoleArn"],
                                  "accountId": account, "userName": role_name},
                "attributes": {"creationDate": ctx.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                               "mfaAuthenticated": "false"},
            },
        )
        output = {
            "Credentials": self._issue(ctx, principal, duration),
            "AssumedRoleUser": {"AssumedRoleId": principal.principal_id, "Arn": assumed_arn},
        }
        if params.get("Policy"):
            # AWS reports the packed (compressed) session policy as a share of its limit.
            output["PackedPolicySize"] = min(100, max(1, len(params["Policy"]) * 100 // 2048))
        if params.get("SourceIdentity"):
            output["SourceIdentity"] = params["SourceIdentity"]
        return output

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
            "Expiration": datetime.fromtimestamp(int(expiration), tz=timezone.utc),
        }
