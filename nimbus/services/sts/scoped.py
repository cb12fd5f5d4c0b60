"""GetScopedCredentials: a session's own identity with fewer permissions and, optionally, a shorter life.

The caller must sign with temporary credentials (a role, federated or GetSessionToken session). The new
credentials keep its principal (ARN, id, tags, source identity) and add the scope-down policy to the
session's list of scoped policies: each one narrows, so scoping again can only narrow further (the
gateway's authorizer requires every scoped policy to allow a call, besides the session's own policy).
"""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from nimbus.core.context import RequestContext
from nimbus.core.identity import Principal, is_session_token_session
from nimbus.protocol.errors import ServiceError
from nimbus.services.sts.state import StsState

TEMPORARY_TYPES = ("AssumedRole", "FederatedUser")


class ScopedCredentialOps(StsState):
    def get_scoped_credentials(self, ctx: RequestContext, params: dict) -> dict:
        caller = ctx.principal
        if caller.type not in TEMPORARY_TYPES and not is_session_token_session(caller):
            raise ServiceError("InvalidSubjectCredentials", "GetScopedCredentials must be called with temporary "
                               "security credentials.", status=400)
        if "Policy" not in params and "DurationSeconds" not in params:
            raise ServiceError("ValidationError", "A request must provide at least one of Policy or "
                               "DurationSeconds.", status=400)
        now = ctx.clock.time()
        signing = ctx.runtime.credentials.lookup(caller.access_key_id or "")
        expires = signing.expiration if signing and signing.expiration else now + params.get("DurationSeconds", 0)
        duration = params.get("DurationSeconds", int(expires - now))
        if now + duration > expires or duration < 1:
            raise ServiceError("InsufficientSessionLifetime", "The requested DurationSeconds exceeds the remaining "
                               "lifetime of the calling session.", status=400)
        session_context = dict(caller.session_context or {})
        scoped = list(session_context.get("scopedPolicies", ()))
        policy = self._session_policy(params)
        if policy:
            scoped.append(policy)
            session_context["scopedPolicies"] = scoped
        principal = Principal(**{**caller.to_dict(), "session_context": session_context})
        credentials = self._issue(ctx, principal, duration)
        if "DurationSeconds" not in params:  # inherits the calling session's expiration to the second
            credentials["Expiration"] = datetime.fromtimestamp(int(expires), tz=UTC)
        output: dict = {"Credentials": credentials,
                        "SessionInfo": {"ScopedSessionId": str(uuid.uuid4()), "Arn": caller.arn},
                        "SessionTokenSize": len(credentials["SessionToken"]), "ScopedPoliciesCount": len(scoped)}
        if session_context.get("sourceIdentity"):
            output["SourceIdentity"] = session_context["sourceIdentity"]
        return output
