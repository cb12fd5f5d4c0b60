"""AWS STS: who am I, and temporary credentials that really sign later calls."""
from __future__ import annotations

from urllib.parse import unquote

from nimbus.core.context import RequestContext
from nimbus.core.identity import SESSION_TOKEN_SESSION, Principal, is_session_token_session
from nimbus.core.policy import compile_policy
from nimbus.protocol.errors import ServiceError
from nimbus.services.sts.chaining import check_session_name, session_carry
from nimbus.services.sts.federation import FederationOps
from nimbus.services.sts.outbound import OutboundTokenOps
from nimbus.services.sts.saml import SamlOps
from nimbus.services.sts.scoped import ScopedCredentialOps
from nimbus.services.sts.state import ROLE_ARN, ROLE_SECONDS, StsState
from nimbus.services.sts.web_identity import WebIdentityOps

# Default lifetimes; the model's min/max on DurationSeconds are checked by validation.
SESSION_SECONDS = 43200
# AWS caps a session assumed with another role's session (role chaining) at one hour, and a root
# user's GetSessionToken session too (asking for longer gives one hour, not an error).
CHAINED_ROLE_SECONDS = 3600
ROOT_SESSION_SECONDS = 3600


class Provider(OutboundTokenOps, ScopedCredentialOps, WebIdentityOps, SamlOps, FederationOps, StsState):
    # AssumeRole checks the caller against the role's trust policy itself (and always, as AWS does).
    self_authorized = frozenset({"AssumeRole", "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"})

    def get_caller_identity(self, ctx: RequestContext, params: dict) -> dict:
        principal = ctx.principal
        # A root key signs in every partition; its ARN is the one of the region it signed for.
        arn = ctx.arn("root", "iam") if principal.type == "Root" else principal.arn
        return {"UserId": principal.principal_id, "Account": principal.account_id, "Arn": arn}

    def get_session_token(self, ctx: RequestContext, params: dict) -> dict:
        if ctx.principal.type == "AssumedRole" or is_session_token_session(ctx.principal):
            raise ServiceError("AccessDenied", "Cannot call GetSessionToken with session credentials", status=403)
        self._check_mfa(ctx, params)
        duration = params.get("DurationSeconds", SESSION_SECONDS)
        if ctx.principal.type == "Root":
            duration = min(duration, ROOT_SESSION_SECONDS)
        # What GetSessionToken's credentials may not do (IAM without MFA, most of STS) is the gateway's
        # check: it reads the session type and the MFA attribute from the principal.
        principal = Principal(**{**ctx.principal.to_dict(), "session_context": {
            "sessionType": SESSION_TOKEN_SESSION, "attributes": self._attributes(ctx, params)}})
        return {"Credentials": self._issue(ctx, principal, duration)}

    def assume_role(self, ctx: RequestContext, params: dict) -> dict:
        role_arn = params["RoleArn"]
        match = ROLE_ARN.match(role_arn)
        if match is None:
            raise ServiceError("ValidationError", f"{role_arn} is invalid", status=400)
        account, session = match["account"], check_session_name(params["RoleSessionName"])
        role = self._trusting_role(ctx, role_arn, account, match["name"], params)
        self._check_mfa(ctx, params)
        duration = params.get("DurationSeconds", ROLE_SECONDS)
        self._check_duration(duration, role)
        if ctx.principal.type == "AssumedRole" and duration > CHAINED_ROLE_SECONDS:
            raise ServiceError("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit "
                               "for roles assumed by role chaining.", status=400)
        carry = session_carry(ctx.principal, params)
        output = self._role_session(ctx, role, account, session, params, **carry)
        if params.get("Policy"):
            # AWS reports the packed (compressed) session policy as a share of its limit.
            output["PackedPolicySize"] = min(100, max(1, len(params["Policy"]) * 100 // 2048))
        if carry.get("sourceIdentity"):
            output["SourceIdentity"] = carry["sourceIdentity"]
        return output

    def _trusting_role(self, ctx: RequestContext, role_arn: str, account: str, name: str, params: dict) -> dict:
        """The role, once its trust policy lets the caller in (AccessDenied, as STS answers, if not)."""
        def denied(_decision=None) -> ServiceError:
            return ServiceError("AccessDenied", f"User: {ctx.principal.arn} is not authorized to perform: "
                                f"sts:AssumeRole on resource: {role_arn}", status=403)
        role = self._role(ctx, role_arn, account, name, denied)
        condition_keys = {"sts:RoleSessionName": params["RoleSessionName"]}
        for key, param in (("sts:ExternalId", "ExternalId"), ("sts:SourceIdentity", "SourceIdentity")):
            if params.get(param):
                condition_keys[key] = params[param]
        if params.get("Tags"):
            condition_keys["aws:TagKeys"] = [t["Key"] for t in params["Tags"]]
            for tag in params["Tags"]:
                condition_keys[f"aws:RequestTag/{tag['Key']}"] = tag["Value"]
        trust = compile_policy(unquote(role["AssumeRolePolicyDocument"]), "trust")
        # Passing session tags also needs sts:TagSession from the trust policy, as in AWS.
        for action in ("sts:AssumeRole", "sts:TagSession") if params.get("Tags") else ("sts:AssumeRole",):
            ctx.authorize(action, role_arn, resource_policy=trust, resource_account=account,
                          context=condition_keys, mode="always", must_grant=True, error=denied)
        return role
