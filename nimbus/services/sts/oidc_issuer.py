"""nimbus's offline OpenID Connect issuers, so tests can mint tokens as a CI system's OIDC provider would.

Each issuer is a name under ``/_nimbus/oidc/<name>`` with its own RSA key (made on first use, kept
sealed in the store, so tokens stay verifiable across restarts). It serves what a real issuer serves:
``.well-known/openid-configuration`` and its JWKS (``jwks``); ``POST token`` with a JSON object of
claims answers ``{"token": <JWT>}`` signed RS256, with ``iss``, ``iat`` and ``exp`` (default: five
minutes) set on the virtual clock. STS verifies tokens from these issuers with their keys; tokens from
any other issuer need its JWKS, which nimbus (offline) cannot fetch.
"""
from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nimbus.core.ids import random_id
from nimbus.core.json_text import read_json
from nimbus.protocol.http import Headers, HttpRequest, HttpResponse
from nimbus.services.sts.documents import OIDC_ISSUER_KEY
from nimbus.services.sts.state import StsState

if TYPE_CHECKING:  # cryptography loads with the first key used, not with STS (issue 19's idle RSS)
    from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER_PATH = "/_nimbus/oidc/"
TOKEN_SECONDS = 300
NAMESPACE = ("sts", "oidc_issuers")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def json_response(status: int, payload) -> HttpResponse:
    return HttpResponse(status, Headers({"content-type": "application/json"}), json.dumps(payload).encode())


def integer_b64url(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


class OidcIssuerOps(StsState):
    def admin(self, request: HttpRequest, path: str) -> HttpResponse | None:
        """``oidc/<name>/...``: an issuer's discovery document, JWKS and token endpoint."""
        prefix, _, rest = path.partition("/")
        name, _, endpoint = rest.partition("/")
        if prefix != "oidc" or not name:
            return None
        issuer = f"{request.scheme}://{request.headers.get('host', 'localhost')}{ISSUER_PATH}{name}"
        if endpoint == ".well-known/openid-configuration" and request.method == "GET":
            return json_response(200, {"issuer": issuer, "jwks_uri": f"{issuer}/jwks",
                                       "token_endpoint": f"{issuer}/token", "response_types_supported": ["id_token"],
                                       "subject_types_supported": ["public"],
                                       "id_token_signing_alg_values_supported": ["RS256"]})
        if endpoint == "jwks" and request.method == "GET":
            return json_response(200, {"keys": [self.issuer_jwk(name)]})
        if endpoint == "token" and request.method == "POST":
            try:
                claims = read_json(request.body or b"{}")
            except ValueError:
                claims = None
            if not isinstance(claims, dict):
                return json_response(400, {"error": "send the token's claims as a JSON object"})
            return json_response(200, {"token": self.mint(name, issuer, claims)})
        return None

    def mint(self, name: str, issuer: str, claims: dict) -> str:
        key_id, key = self._issuer_key(name)
        now = int(self.runtime.clock.time())
        payload = {"iss": issuer, "iat": now, "nbf": now, "exp": now + TOKEN_SECONDS, **claims}
        header = {"alg": "RS256", "typ": "JWT", "kid": key_id}
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64url(signature)}"

    def issuer_jwk(self, name: str) -> dict:
        key_id, key = self._issuer_key(name)
        numbers = key.public_key().public_numbers()
        return {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": key_id, "n": integer_b64url(numbers.n),
                "e": integer_b64url(numbers.e)}

    def verify_issued(self, name: str, key_id: str, signing_input: bytes, signature: bytes) -> bool:
        """Did issuer ``name``'s key (``key_id``) sign this? False for an unknown issuer or key."""
        stored = OIDC_ISSUER_KEY.get(self.store, NAMESPACE, name)
        if stored is None or stored["KeyId"] != key_id:
            return False
        _, key = self._issuer_key(name)
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        try:
            key.public_key().verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True

    def _issuer_key(self, name: str) -> tuple[str, rsa.RSAPrivateKey]:
        from cryptography.hazmat.primitives.asymmetric import rsa
        key_id, key = self.sealed_key(NAMESPACE, name, f"sts/oidc/{name}",
                                      lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))
        assert isinstance(key, rsa.RSAPrivateKey)
        return key_id, key

    def sealed_key(self, namespace: tuple[str, ...], name: str, purpose: str,
                   make: Callable[[], Any]) -> tuple[str, Any]:
        """The signing key kept as ``name``, sealed under the master key for ``purpose``; made on first use."""
        from cryptography.hazmat.primitives import serialization
        with self.store.transaction():
            stored = OIDC_ISSUER_KEY.get(self.store, namespace, name)
            if stored is None:
                pem = make().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption())
                stored = {"KeyId": random_id("nimbus-"), "SealedPrivateKey": self.runtime.vault.seal(
                    pem, purpose)}
                OIDC_ISSUER_KEY.put(self.store, namespace, name, stored)
        pem = self.runtime.vault.unseal(stored["SealedPrivateKey"], purpose)
        return stored["KeyId"], serialization.load_pem_private_key(pem, password=None)
