"""AWS Signature Version 4, checked on the server side.

The expected signature is computed by botocore's own signer, so nimbus accepts
exactly what the SDKs produce; this module only rebuilds the request the client
signed and judges the result.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from nimbus.gateway.sigv2 import is_sigv2_presigned
from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import HttpRequest

ALGORITHM = "AWS4-HMAC-SHA256"
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_SKEW = timedelta(minutes=15)  # AWS's; a server's own is Config.max_clock_skew_seconds
MAX_PRESIGN_EXPIRES = 604800  # a week: the longest a SigV4 presigned URL may live
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
# Any of these in the query string means the client meant to presign.
_PRESIGN_MARKERS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature")
_TIMESTAMP = re.compile(r"\d{8}T\d{6}Z")
_SCOPE_DATE = re.compile(r"\d{8}")
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
# S3 signs with its own variant of SigV4 (its path as sent, unsigned presigned payloads, its own error
# codes and debugging fields). The scope's signing name decides it, before any service is routed.
S3_SIGNING_NAME = "s3"


def s3_variant(signing_name: str) -> bool:
    return signing_name == S3_SIGNING_NAME


class AuthError(ServiceError):
    def __init__(self, code: str, message: str, status: int = 403, **fields):
        super().__init__(code, message, status=status, sender_fault=True, **fields)


@dataclass
class SignatureInfo:
    access_key_id: str
    date: datetime
    region: str
    service: str
    signed_headers: list[str]
    signature: str
    session_token: str | None
    presigned: bool
    expires: int | None
    payload_hash: str | None
    version: int = 4  # 2: an S3 SigV2 presigned URL (see sigv2.py)


def read_signature(request: HttpRequest) -> SignatureInfo | None:
    """The SigV4 signature of ``request``, or None when it is unsigned."""
    authorization = request.headers.get("authorization")
    query = request.query
    if authorization is None and is_sigv2_presigned(request):
        v2_expires = query["Expires"]
        if not v2_expires.isdigit():
            raise AuthError("AccessDenied", "Invalid date (should be seconds since epoch): " + v2_expires)
        return SignatureInfo(access_key_id=query["AWSAccessKeyId"], date=datetime.now(UTC),
                             region="us-east-1", service=S3_SIGNING_NAME, signed_headers=[], signature=query["Signature"],
                             session_token=query.get("x-amz-security-token"), presigned=True,
                             expires=int(v2_expires), payload_hash=None, version=2)
    presigned = any(name in query for name in _PRESIGN_MARKERS)
    if authorization is None and not presigned:
        return None
    if authorization is not None and presigned:
        raise AuthError(
            "InvalidArgument",
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter "
            "or the Authorization header should be specified",
            status=400,
        )

    if presigned:
        algorithm: str | None = query.get("X-Amz-Algorithm")
        credential = query.get("X-Amz-Credential", "")
        signed_headers: str | None = query.get("X-Amz-SignedHeaders")
        signature: str | None = query.get("X-Amz-Signature")
        session_token = query.get("X-Amz-Security-Token")
    else:
        algorithm, params = _split_authorization(authorization)
        credential = params.get("Credential", "")
        signed_headers = params.get("SignedHeaders")
        signature = params.get("Signature")
        session_token = request.headers.get("x-amz-security-token")

    scope = credential.split("/")
    # The scope names the service, which decides the flavour of error (S3 vs the rest).
    service = scope[3] if len(scope) == 5 else ""
    if algorithm != ALGORITHM:
        raise _malformed(f"Unsupported signing algorithm {algorithm!r}; expected {ALGORITHM}.", service, presigned)
    if not (credential and signed_headers and signature):
        raise _malformed("The signature requires Credential, SignedHeaders and Signature.", service, presigned)
    if len(scope) != 5 or not all(scope) or scope[4] != "aws4_request" or not _SCOPE_DATE.fullmatch(scope[1]):
        raise _malformed(
            f"The Credential is malformed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\": {credential}",
            service, presigned,
        )

    expires: int | None = None
    if presigned:
        date = _parse_timestamp(query.get("X-Amz-Date", ""), service, presigned)
        expires_text = query.get("X-Amz-Expires", "")
        if not expires_text.isdigit():
            raise _malformed("X-Amz-Expires should be a non-negative number of seconds.", service, presigned)
        expires = int(expires_text)
    elif "x-amz-date" in request.headers:
        date = _parse_timestamp(request.headers["x-amz-date"], service, presigned)
    elif "date" in request.headers:
        date = _parse_http_date(request.headers["date"], service)
    else:
        raise _malformed("The signature requires either an X-Amz-Date or a Date header.", service, presigned)

    return SignatureInfo(
        access_key_id=scope[0],
        date=date,
        region=scope[2],
        service=service,
        signed_headers=signed_headers.split(";"),
        signature=signature,
        session_token=session_token,
        presigned=presigned,
        expires=expires,
        payload_hash=request.headers.get("x-amz-content-sha256"),
    )


def verify_signature(request: HttpRequest, info: SignatureInfo, secret_key: str, now: datetime,
                     max_skew: timedelta = MAX_SKEW) -> None:
    """Raise AuthError unless ``request`` was signed with ``secret_key`` and is still current."""
    s3 = s3_variant(info.service)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    _check_time(info, now, s3, max_skew)

    expected = None
    for headers in _header_candidates(request, info.signed_headers):
        signature, canonical_request, string_to_sign = _expected_signature(request, info, secret_key, headers)
        if hmac.compare_digest(signature.encode(), info.signature.encode()):
            break
        # Report what the first (usual) reading of the request should have been signed as.
        expected = expected or (canonical_request, string_to_sign)
    else:
        fields: dict[str, str] = {}
        if s3 and expected is not None:  # S3 returns these so clients can debug their signer
            fields = dict(AWSAccessKeyId=info.access_key_id, StringToSign=expected[1],
                          SignatureProvided=info.signature, CanonicalRequest=expected[0])
        raise AuthError("SignatureDoesNotMatch", SIGNATURE_MISMATCH, status=403, **fields)

    # The signature covers only the claimed hash, so the body itself must be checked against it.
    claimed = info.payload_hash
    if claimed and _SHA256_HEX.fullmatch(claimed):
        computed = request.body_sha256()
        if computed != claimed.lower():
            if s3:
                raise AuthError(
                    "XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                    status=400, ClientComputedContentSHA256=claimed, S3ComputedContentSHA256=computed,
                )
            raise AuthError("SignatureDoesNotMatch", SIGNATURE_MISMATCH)


def _split_authorization(authorization: str) -> tuple[str, dict[str, str]]:
    algorithm, _, rest = authorization.strip().partition(" ")
    params = {}
    for part in rest.split(","):
        key, _, value = part.strip().partition("=")
        params[key] = value
    return algorithm, params


def _malformed(message: str, service: str, presigned: bool) -> AuthError:
    if not s3_variant(service):
        code = "IncompleteSignature"
    elif presigned:
        code = "AuthorizationQueryParametersError"
    else:
        code = "AuthorizationHeaderMalformed"
    return AuthError(code, message, status=400)


def _parse_timestamp(value: str, service: str, presigned: bool) -> datetime:
    # Exact format required: the string is signed as sent, so a lenient parse would only hide the mismatch.
    try:
        if _TIMESTAMP.fullmatch(value):
            return datetime.strptime(value, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        pass
    raise _malformed(f"X-Amz-Date must be in the ISO8601 basic format YYYYMMDD'T'HHMMSS'Z': {value!r}",
                     service, presigned)


def _parse_http_date(value: str, service: str) -> datetime:
    try:
        date = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        raise _malformed(f"The Date header is not a valid HTTP date: {value!r}", service, False) from None
    return date.astimezone(UTC) if date.tzinfo else date.replace(tzinfo=UTC)


def _check_time(info: SignatureInfo, now: datetime, s3: bool, max_skew: timedelta) -> None:
    stamp = info.date.strftime(TIMESTAMP_FORMAT)
    server_time = now.strftime(TIMESTAMP_FORMAT)
    if info.presigned and info.expires is not None:
        if info.expires > MAX_PRESIGN_EXPIRES:
            raise _malformed(
                f"X-Amz-Expires must be less than a week (in seconds) that is; {MAX_PRESIGN_EXPIRES}", info.service, True
            )
        if now > info.date + timedelta(seconds=info.expires):
            if s3:
                raise AuthError("AccessDenied", "Request has expired",
                                Expires=(info.date + timedelta(seconds=info.expires)).strftime(TIMESTAMP_FORMAT),
                                ServerTime=server_time)
            raise AuthError("RequestExpired", "Request has expired.", status=400)
        return
    if abs(now - info.date) <= max_skew:
        return
    if s3:
        raise AuthError(
            "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.",
            RequestTime=stamp, ServerTime=server_time,
            MaxAllowedSkewMilliseconds=str(max_skew // timedelta(milliseconds=1)),
        )
    minutes = max_skew / timedelta(minutes=1)
    if info.date < now:
        message = (f"Signature expired: {stamp} is now earlier than "
                   f"{(now - max_skew).strftime(TIMESTAMP_FORMAT)} ({server_time} - {minutes:g} min.)")
    else:
        message = (f"Signature not yet current: {stamp} is still later than "
                   f"{(now + max_skew).strftime(TIMESTAMP_FORMAT)} ({server_time} + {minutes:g} min.)")
    raise AuthError("RequestExpired", message, status=400)


def _header_candidates(request: HttpRequest, names: list[str]):
    """The signed headers as botocore holds them, in each way the request may have carried them.

    HttpRequest joins a repeated header into one value with ", ", but SigV4 joins
    the values of a repeated header with ","; when a signed value contains ", "
    the split reading is tried as well.
    """
    present = [(name, request.headers[name]) for name in names if name in request.headers]
    yield _http_headers(present)
    if any(", " in value for _, value in present):
        yield _http_headers([(name, part) for name, value in present for part in value.split(", ")])


def _http_headers(items: list[tuple[str, str]]) -> HTTPHeaders:
    headers = HTTPHeaders()
    for name, value in items:
        headers[name] = value  # appends: HTTPHeaders keeps repeated names
    return headers


def _expected_signature(request: HttpRequest, info: SignatureInfo, secret_key: str,
                        headers: HTTPHeaders) -> tuple[str, str, str]:
    signer_class: type[_Exact]
    if not s3_variant(info.service):
        signer_class = _Verifier
    else:
        # S3 signs its path as sent, and presigns with UNSIGNED-PAYLOAD.
        signer_class = _S3QueryVerifier if info.presigned else _S3Verifier
    signer = signer_class(Credentials(info.access_key_id, secret_key), info.service, info.region)
    query = [(key, value) for key, value in request.query_items if key != "X-Amz-Signature"]
    # The URL's host is never read (the Host header comes from the signed headers);
    # a fixed one keeps a hostile Host value from changing how the path is split out.
    aws_request = AWSRequest(method=request.method, url=f"{request.scheme}://localhost{request.path}",
                             data=request.body, params=query)
    aws_request.headers = headers
    aws_request.context["timestamp"] = info.date.strftime(TIMESTAMP_FORMAT)
    canonical_request = signer.canonical_request(aws_request)
    string_to_sign = signer.string_to_sign(aws_request, canonical_request)
    return signer.signature(string_to_sign, aws_request), canonical_request, string_to_sign


@lru_cache(maxsize=256)
def _signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret_key).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


class _Exact:
    """What a server needs changed in botocore's client-side signers (mixed into SigV4Auth)."""

    # Set by botocore's SigV4Auth, which every signer below derives from.
    credentials: Credentials
    _region_name: str
    _service_name: str

    def headers_to_sign(self, request):
        # Exactly the headers the client listed: botocore would drop some (user-agent,
        # expect, ...) that other SDKs do sign, and would add a host the client did not sign.
        return request.headers

    def signature(self, string_to_sign, request):
        # botocore derives the key with four HMACs on every call; the key only
        # changes daily per credential, and this runs on every request.
        key = _signing_key(self.credentials.secret_key, request.context["timestamp"][:8],
                           self._region_name, self._service_name)
        return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


# Presigning changes nothing botocore's SigV4QueryAuth computes except for S3's payload.
class _Verifier(_Exact, SigV4Auth):
    pass


class _S3Verifier(_Exact, S3SigV4Auth):
    pass


class _S3QueryVerifier(_Exact, S3SigV4QueryAuth):
    pass


_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def chunk_verifier(info: SignatureInfo, secret_key: str):
    """Checks the signature chain of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body, chunk by chunk.

    Each chunk signs ``AWS4-HMAC-SHA256-PAYLOAD``, the request time, the scope, the
    previous signature (the seed is the request's own) and the hashes of "" and the chunk.
    """
    stamp = info.date.strftime(TIMESTAMP_FORMAT)
    scope = f"{stamp[:8]}/{info.region}/{info.service}/aws4_request"
    key = _signing_key(secret_key, stamp[:8], info.region, info.service)
    state = {"previous": info.signature}

    def verify(data: bytes, signature: str | None) -> None:
        string_to_sign = "\n".join(("AWS4-HMAC-SHA256-PAYLOAD", stamp, scope, state["previous"], _EMPTY_SHA256,
                                    hashlib.sha256(data).hexdigest()))
        expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        if signature is None or not hmac.compare_digest(expected, signature):
            raise AuthError("SignatureDoesNotMatch", SIGNATURE_MISMATCH)
        state["previous"] = signature

    return verify
