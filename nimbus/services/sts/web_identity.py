"""AssumeRoleWithWebIdentity: a role session for whoever holds an OIDC token the role's trust policy accepts.

The token is a JWT. Its issuer (``iss``) must be an IAM OIDC provider of the role's account, its
signature must verify with the issuer's key (nimbus's own test issuers, ``/_nimbus/oidc/<name>``;
nimbus is offline, so another issuer's JWKS cannot be fetched), it must not have expired on the
virtual clock, and its audience must be one of the provider's client ids. The trust policy must then
allow the provider (``Federated``) ``sts:AssumeRoleWithWebIdentity``, its conditions seeing
``<provider>:aud``, ``<provider>:sub`` and ``<provider>:amr``.
"""
from __future__ import annotations

import json
from urllib.parse import urlsplit

from nimbus.core.arns import partition_for
from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.sts.chaining import check_session_name
from nimbus.services.sts.oidc_issuer import ISSUER_PATH, OidcIssuerOps, b64url_decode
from nimbus.services.sts.state import ROLE_ARN


def invalid_token(message: str) -> ServiceError:
    return ServiceError("InvalidIdentityToken", message, status=400)


def _parts(token: str) -> tuple[dict, dict, bytes, bytes]:
    """Header, claims, signing input and signature of a compact JWT (InvalidIdentityToken if it is none)."""
    try:
        header_b64, payload_b64, signature_b64 = token.split(".")
        header, claims = json.loads(b64url_decode(header_b64)), json.loads(b64url_decode(payload_b64))
        signature = b64url_decode(signature_b64)
    except ValueError:
        raise invalid_token("The ID Token provided is not a valid JWT. (You may see this error if you sent an "
                            "Access Token)") from None
    if not isinstance(header, dict) or not isinstance(claims, dict) or not isinstance(claims.get("iss"), str):
        raise invalid_token("The ID Token provided is not a valid JWT. (You may see this error if you sent an "
                            "Access Token)")
    return header, claims, f"{header_b64}.{payload_b64}".encode(), signature


class WebIdentityOps(OidcIssuerOps):
    def assume_role_with_web_identity(self, ctx: RequestContext, params: dict) -> dict:
        role_arn = params["RoleArn"]
        match = ROLE_ARN.match(role_arn)
        if match is None:
            raise ServiceError("ValidationError", f"{role_arn} is invalid", status=400)
        account, session = match["account"], check_session_name(params["RoleSessionName"])
        header, claims, signing_input, signature = _parts(params["WebIdentityToken"])
        issuer = urlsplit(claims["iss"] if "://" in claims["iss"] else f"https://{claims['iss']}")
        provider_url = (issuer.netloc + issuer.path).rstrip("/")
        provider_arn = f"arn:{partition_for(ctx.region)}:iam::{account}:oidc-provider/{provider_url}"
        try:
            provider = ctx.runtime.client.call("iam", "GetOpenIDConnectProvider",
                                               {"OpenIDConnectProviderArn": provider_arn}, account_id=account,
                                               region=ctx.region, invoked_by="sts.amazonaws.com")
        except ServiceError as error:
            if error.code == "NoSuchEntity":
                raise invalid_token(f"No OpenIDConnect provider found in your account for {claims['iss']}") \
                    from None
            raise
        self._verify_signature(issuer.path, header, signing_input, signature)
        self._check_times(ctx, claims)
        audiences = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud")]
        audience = next((a for a in audiences if a in provider["ClientIDList"]), None)
        if audience is None:
            raise invalid_token("Incorrect token audience")

        def denied() -> ServiceError:
            return ServiceError("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", status=403)
        role = self._role(ctx, role_arn, account, match["name"], denied)
        amr = claims.get("amr")
        context = {f"{provider_url}:aud": audience, f"{provider_url}:sub": str(claims.get("sub", "")),
                   "sts:rolesessionname": session, "aws:federatedprovider": provider_arn}
        if amr is not None:
            context[f"{provider_url}:amr"] = amr if isinstance(amr, list) else [amr]
        self._check_federated_trust(role, "sts:AssumeRoleWithWebIdentity", provider_arn, account, context, denied)
        output = self._role_session(ctx, role, account, session, params,
                                    webIdFederationData={"federatedProvider": provider_arn})
        return {**output, "SubjectFromWebIdentityToken": str(claims.get("sub", "")),
                "Provider": provider_url, "Audience": audience}

    def _verify_signature(self, issuer_path: str, header: dict, signing_input: bytes, signature: bytes) -> None:
        if not issuer_path.startswith(ISSUER_PATH):
            raise ServiceError("IDPCommunicationError", "Couldn't retrieve verification key from your identity "
                               "provider,  please reference AssumeRoleWithWebIdentity documentation for "
                               "requirements", status=400)
        name = issuer_path[len(ISSUER_PATH):].strip("/")
        if header.get("alg") != "RS256" or not self.verify_issued(name, str(header.get("kid")), signing_input,
                                                                  signature):
            raise invalid_token("The web identity token that was passed could not be validated by AWS. Get a new "
                                "identity token from the identity provider and then retry the request.")

    @staticmethod
    def _check_times(ctx: RequestContext, claims: dict) -> None:
        now = ctx.clock.time()
        expires = claims.get("exp")
        if not isinstance(expires, (int, float)):
            raise invalid_token("The ID Token provided is not a valid JWT. (You may see this error if you sent an "
                                "Access Token)")
        if now >= expires:
            raise ServiceError("ExpiredTokenException", "Token expired: current date/time "
                               f"{int(now)} must be before the expiration date/time {int(expires)}", status=400)
