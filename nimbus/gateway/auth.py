"""Who signed a request, and whether nimbus believes them.

Default mode follows the conventions local tooling relies on: ``test``/``test``
is the default account's root, a 12-digit key id is that account, any other
unknown key is the default account. Every key whose secret nimbus knows must
sign correctly. ``--strict-auth`` also rejects unknown keys and unsigned calls.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from botocore.model import OperationModel

from nimbus.core.arns import DEFAULT_ACCOUNT, DEFAULT_REGION
from nimbus.core.identity import Principal, anonymous_principal, root_principal, session_token_refusal
from nimbus.core.runtime import Runtime
from nimbus.core.traits import ServiceTraits
from nimbus.gateway import sigv2
from nimbus.gateway.sigv4 import SIGNATURE_MISMATCH, AuthError, SignatureInfo, verify_signature
from nimbus.gateway.streaming import ChunkSignatures
from nimbus.protocol.http import HttpRequest

JSON_PROTOCOLS = ("json", "rest-json", "smithy-rpc-v2-cbor")


@dataclass
class Caller:
    principal: Principal
    account_id: str
    region: str


def _error(kind: str, traits: ServiceTraits, protocol: str) -> AuthError:
    """The code each family of services uses for the same auth failure."""
    json_style = protocol in JSON_PROTOCOLS
    s3_words = traits.error_family == "s3"
    if kind == "unknown_key":
        if s3_words:
            return AuthError("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403)
        code = "UnrecognizedClientException" if json_style else "InvalidClientTokenId"
        return AuthError(code, "The security token included in the request is invalid.", 400 if json_style else 403)
    if kind == "expired_token":
        code = "ExpiredTokenException" if json_style else "ExpiredToken"
        return AuthError(code, "The security token included in the request is expired", 400 if json_style else 403)
    if kind == "missing":
        if s3_words:
            return AuthError("AccessDenied", "Access Denied", 403)
        code = "MissingAuthenticationTokenException" if json_style else "MissingAuthenticationToken"
        return AuthError(code, "Request is missing Authentication Token", 403)
    raise ValueError(kind)


# Operations AWS serves unsigned though their models do not say so: SNS's SubscribeURL and
# UnsubscribeURL are plain links that endpoints (and people) open.
UNSIGNED_LINKS = frozenset({("sns", "ConfirmSubscription"), ("sns", "Unsubscribe")})


def allows_anonymous(operation: OperationModel) -> bool:
    auth = operation.auth or []
    if (operation.service_model.service_name, operation.name) in UNSIGNED_LINKS:
        return True
    return operation.auth_type == "none" or "smithy.api#noAuth" in auth


def authenticate(runtime: Runtime, request: HttpRequest, info: SignatureInfo | None,
                 service: str, protocol: str, operation: OperationModel, signed_path: str | None = None) -> Caller:
    """``signed_path``: the path as the client sent and signed it, before routing rewrote it (S3's
    virtual-host addressing moves the bucket from the host into the path)."""
    config = runtime.config
    traits = runtime.services.traits(service)
    if info is None:
        if config.strict_auth and not allows_anonymous(operation) and not traits.anonymous_access:
            raise _error("missing", traits, protocol)
        return Caller(anonymous_principal() if traits.anonymous_access else root_principal(DEFAULT_ACCOUNT),
                      DEFAULT_ACCOUNT, DEFAULT_REGION)

    region = info.region or DEFAULT_REGION
    credential = runtime.credentials.lookup(info.access_key_id)
    if credential is None:
        implied = runtime.credentials.implied_account(info.access_key_id)
        if config.strict_auth:
            raise _error("unknown_key", traits, protocol)
        account = implied or DEFAULT_ACCOUNT
        return Caller(root_principal(account, info.access_key_id), account, region)

    _verify(runtime, request, info, credential.secret_access_key, signed_path)
    if credential.status != "Active":
        raise _error("unknown_key", traits, protocol)
    if credential.session_token is not None:
        if info.session_token != credential.session_token:
            raise _error("unknown_key", traits, protocol)
        if credential.expiration is not None and runtime.clock.time() >= credential.expiration:
            raise _error("expired_token", traits, protocol)
    principal = credential.principal
    refusal = session_token_refusal(principal, service, operation.name)
    if refusal == "iam":  # AWS's own (unhelpful) answer for IAM calls without MFA
        raise _error("unknown_key", traits, protocol)
    if refusal == "sts":
        raise AuthError("AccessDenied", f"Cannot call {operation.name} with session credentials", 403)
    return Caller(principal, principal.account_id, region)


def _verify(runtime: Runtime, request: HttpRequest, info: SignatureInfo, secret: str,
            signed_path: str | None) -> None:
    if info.version == 2:
        _verify_sigv2(runtime, request, info, secret)
        return
    if info.presigned:
        # A presigned URL ages on the virtual clock: view "now" in the signer's frame of time.
        signed_at = info.date.timestamp()
        elapsed = runtime.clock.time() - runtime.clock.virtual_at(signed_at)
        now = datetime.fromtimestamp(signed_at + elapsed, tz=UTC)
    else:
        # Clients stamp requests with real time; skew is a transport check, not a virtual one.
        now = datetime.now(UTC)
    verify_signature(request, info, secret, now, timedelta(seconds=runtime.config.max_clock_skew_seconds),
                     signed_path)
    if (info.payload_hash or "").startswith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"):
        request.chunk_verifier = ChunkSignatures(info, secret)


def _verify_sigv2(runtime: Runtime, request: HttpRequest, info: SignatureInfo, secret: str) -> None:
    matches, string_to_sign = sigv2.signature_matches(request, secret, info.access_key_id)
    if not matches:
        raise AuthError("SignatureDoesNotMatch", SIGNATURE_MISMATCH, AWSAccessKeyId=info.access_key_id,
                        StringToSign=string_to_sign, SignatureProvided=info.signature)
    # A SigV2 presigned URL always carries Expires (read_signature refuses it otherwise).
    if info.expires is None or sigv2.is_expired(info.expires, info.signature, runtime.clock):
        raise AuthError("AccessDenied", "Request has expired", Expires=str(info.expires))
