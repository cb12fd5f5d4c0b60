"""GetWebIdentityToken: JWTs that prove the caller's AWS identity to services outside AWS (outbound web
identity federation, enabled per account in IAM).

Each account's issuer (``/_nimbus/sts/outbound/<issuer id>``, the URL IAM answers) has an RS256 and an ES384
key of its own, made with the first token and kept sealed in the store. It serves what AWS's issuer serves,
``.well-known/openid-configuration`` and ``.well-known/jwks.json``, so any JWT library verifies the tokens.
"""
from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from nimbus.core.context import RequestContext
from nimbus.core.public_url import public_base
from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import HttpRequest, HttpResponse
from nimbus.services.sts.documents import OIDC_ISSUER_KEY
from nimbus.services.sts.oidc_issuer import OidcIssuerOps, b64url, integer_b64url, json_response

if TYPE_CHECKING:  # cryptography loads with the first key used, not with STS (issue 19's idle RSS)
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

NAMESPACE = ("sts", "outbound_issuers")
ISSUER_PATH = "/_nimbus/sts/outbound/"
ALGORITHMS = ("RS256", "ES384")
DEFAULT_SECONDS = 300
CLAIMS_NAMESPACE = "https://sts.amazonaws.com/"
P384_BYTES = 48


def _validation(message: str) -> ServiceError:
    return ServiceError("ValidationError", message, status=400)


def _new_key(algorithm: str) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP384R1())


def _jwk(algorithm: str, key_id: str, key) -> dict:
    if algorithm == "RS256":
        numbers = key.public_key().public_numbers()
        return {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": key_id, "n": integer_b64url(numbers.n),
                "e": integer_b64url(numbers.e)}
    point = key.public_key().public_numbers()
    return {"kty": "EC", "alg": "ES384", "use": "sig", "kid": key_id, "crv": "P-384",
            "x": b64url(point.x.to_bytes(P384_BYTES, "big")), "y": b64url(point.y.to_bytes(P384_BYTES, "big"))}


def _sign(algorithm: str, key, signing_input: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    if algorithm == "RS256":
        return key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA384())))
    return r.to_bytes(P384_BYTES, "big") + s.to_bytes(P384_BYTES, "big")  # JWS wants r || s, not DER


class OutboundTokenOps(OidcIssuerOps):
    def get_web_identity_token(self, ctx: RequestContext, params: dict) -> dict:
        algorithm = params["SigningAlgorithm"]
        if algorithm not in ALGORITHMS:
            raise _validation(f"1 validation error detected: Value '{algorithm}' at 'signingAlgorithm' failed to "
                              "satisfy constraint: Member must satisfy enum value set: [RS256, ES384]")
        if "SubjectMode" in params and "TokenType" in params:
            raise _validation("SubjectMode and TokenType are mutually exclusive.")
        if params.get("TokenType") == "JWT_SVID":
            raise _validation("TokenType JWT_SVID needs a workload identity (IAM workload identity providers), "
                              "which nimbus does not serve.")
        issuer_id = self._enabled_issuer(ctx)
        issuer = f"{public_base(ctx)}{ISSUER_PATH}{issuer_id}"
        now = int(ctx.clock.time())
        expires = now + params.get("DurationSeconds", DEFAULT_SECONDS)
        audiences = params["Audience"]
        claims: dict = {"iss": issuer, "aud": audiences[0] if len(audiences) == 1 else audiences,
                        "sub": self._subject(ctx, params.get("SubjectMode", "AWSIdentity")),
                        "iat": now, "nbf": now, "exp": expires, "jti": str(uuid.uuid4())}
        if "Scope" in params:
            claims["scope"] = params["Scope"]
        claims[CLAIMS_NAMESPACE] = self._aws_claims(ctx, params)
        key_id, key = self._outbound_key(issuer_id, algorithm)
        header = {"alg": algorithm, "typ": "JWT", "kid": key_id}
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
        token = f"{signing_input}.{b64url(_sign(algorithm, key, signing_input.encode()))}"
        return {"WebIdentityToken": token, "Expiration": expires}

    def admin(self, request: HttpRequest, path: str) -> HttpResponse | None:
        """``outbound/<issuer id>/.well-known/...``: an account's issuer; anything else is the test issuers'."""
        prefix, _, rest = path.partition("/")
        if prefix != "outbound":
            return super().admin(request, path)
        issuer_id, _, endpoint = rest.partition("/")
        keys = [(a, OIDC_ISSUER_KEY.get(self.store, NAMESPACE, f"{issuer_id}/{a}")) for a in ALGORITHMS]
        if request.method != "GET" or not any(stored for _, stored in keys):
            return None
        issuer = f"{request.scheme}://{request.headers.get('host', 'localhost')}{ISSUER_PATH}{issuer_id}"
        if endpoint == ".well-known/openid-configuration":
            return json_response(200, {"issuer": issuer, "jwks_uri": f"{issuer}/.well-known/jwks.json",
                                       "response_types_supported": ["id_token"],
                                       "subject_types_supported": ["public"],
                                       "id_token_signing_alg_values_supported": list(ALGORITHMS)})
        if endpoint == ".well-known/jwks.json":
            return json_response(200, {"keys": [_jwk(a, *self._outbound_key(issuer_id, a))
                                                 for a, stored in keys if stored]})
        return None

    def _enabled_issuer(self, ctx: RequestContext) -> str:
        disabled = ServiceError("OutboundWebIdentityFederationDisabledException", "Outbound web identity "
                                "federation is disabled for this account.", status=403)
        try:
            info = ctx.runtime.client.call("iam", "GetOutboundWebIdentityFederationInfo", {},
                                           account_id=ctx.account_id, region=ctx.region,
                                           invoked_by="sts.amazonaws.com")
        except ServiceError as error:
            if error.code == "FeatureDisabled":
                raise disabled from None
            raise
        if not info.get("JwtVendingEnabled"):
            raise disabled
        return info["IssuerIdentifier"].rstrip("/").rpartition("/")[2]

    @staticmethod
    def _subject(ctx: RequestContext, mode: str) -> str:
        session = ctx.principal.session_context or {}
        if mode == "OriginIdentity" and session.get("sourceIdentity"):
            return str(session["sourceIdentity"])
        issuer = session.get("sessionIssuer") or {}
        return issuer.get("arn") if ctx.principal.type == "AssumedRole" else ctx.principal.arn

    @staticmethod
    def _aws_claims(ctx: RequestContext, params: dict) -> dict:
        principal = ctx.principal
        session = principal.session_context or {}
        claims: dict = {"aws_account": principal.account_id, "source_region": ctx.region,
                        "principal_id": (session.get("sessionIssuer") or {}).get("arn", principal.arn)}
        if session.get("tags"):
            claims["principal_tags"] = dict(session["tags"])
        if params.get("Tags"):
            claims["request_tags"] = {t["Key"]: t["Value"] for t in params["Tags"]}
        return claims

    def _outbound_key(self, issuer_id: str, algorithm: str) -> tuple[str, Any]:
        name = f"{issuer_id}/{algorithm}"
        return self.sealed_key(NAMESPACE, name, f"sts/outbound/{name}", lambda: _new_key(algorithm))
