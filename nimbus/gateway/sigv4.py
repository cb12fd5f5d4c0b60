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
from botocore.credentials import Credentials

from nimbus.gateway import sigv4a
from nimbus.gateway.sigv2 import is_sigv2_presigned
from nimbus.gateway.sigv4_root import root_canonical_request, root_string_to_sign, s3_canonical_request
from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import HttpRequest

ALGORITHM = "AWS4-HMAC-SHA256"
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
ISO_SECONDS = "%Y-%m-%dT%H:%M:%SZ"
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
# What x-amz-content-sha256 may say besides the body's SHA-256: S3's list, less the SigV4a (ECDSA) variants.
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
SIGNED_STREAMING = ("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")
S3_PAYLOAD_KINDS = frozenset((UNSIGNED_PAYLOAD, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", *SIGNED_STREAMING))
HEADERS_NOT_SIGNED = "There were headers present in the request which were not signed"
# S3 signs with its own variant of SigV4 (its path as sent, unsigned presigned payloads, its own error
# codes and debugging fields). The scope's signing name decides it, before any service is routed.
S3_SIGNING_NAME = "s3"
# S3 Express One Zone (directory buckets) signs as S3 does under its own name, and carries the session
# token of CreateSession's credentials in its own header.
S3_EXPRESS_SIGNING_NAME = "s3express"
S3_EXPRESS_TOKEN_HEADER = "x-amz-s3session-token"


def s3_variant(signing_name: str) -> bool:
    return signing_name in (S3_SIGNING_NAME, S3_EXPRESS_SIGNING_NAME)


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
    algorithm: str = ALGORITHM  # or SigV4A's (sigv4a.py)


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
    # SigV4A's scope has no region (AKID/date/service/aws4_request): the signed X-Amz-Region-Set names
    # where the request may run. Any other scope with that algorithm is malformed.
    sigv4a_scope = algorithm == sigv4a.ALGORITHM_A and len(scope) == 4
    if sigv4a_scope:
        region_set = query.get("X-Amz-Region-Set") if presigned else request.headers.get("x-amz-region-set")
        scope.insert(2, sigv4a.signing_region(region_set or ""))
    # The scope names the service, which decides the flavour of error (S3 vs the rest).
    service = scope[3] if len(scope) == 5 else ""
    if service == S3_EXPRESS_SIGNING_NAME:
        session_token = (query.get("X-Amz-S3session-Token") if presigned
                         else request.headers.get(S3_EXPRESS_TOKEN_HEADER)) or session_token
    if algorithm != ALGORITHM and not sigv4a_scope:
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
        algorithm=algorithm or ALGORITHM,
    )


def verify_signature(request: HttpRequest, info: SignatureInfo, secret_key: str, now: datetime,
                     max_skew: timedelta = MAX_SKEW, signed_path: str | None = None) -> None:
    """Raise AuthError unless ``request`` was signed with ``secret_key``, is still current, and everything in it
    that changes what it does was signed. ``signed_path``: the path as sent, when routing has rewritten it."""
    s3 = s3_variant(info.service)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    _check_time(info, now, s3, max_skew)
    check_signed_headers(request, info)

    expected = None
    for headers in _header_candidates(request, info.signed_headers):
        signature, canonical_request, string_to_sign = _expected_signature(
            request, info, secret_key, headers, signed_path or request.path)
        if info.algorithm == sigv4a.ALGORITHM_A:
            if sigv4a.verifies(info.signature, string_to_sign, info.access_key_id, secret_key):
                break
        elif hmac.compare_digest(signature.encode(), info.signature.encode()):
            break
        # Report what the first (usual) reading of the request should have been signed as.
        expected = expected or (canonical_request, string_to_sign)
    else:
        fields: dict[str, str] = {}
        if s3 and expected is not None:  # S3 returns these so clients can debug their signer
            fields = dict(AWSAccessKeyId=info.access_key_id, StringToSign=expected[1],
                          SignatureProvided=info.signature, CanonicalRequest=expected[0])
        raise AuthError("SignatureDoesNotMatch", SIGNATURE_MISMATCH, status=403, **fields)
    check_payload(request, info)


def check_signed_headers(request: HttpRequest, info: SignatureInfo) -> None:
    """Every header that can change what the request does must be signed: any ``x-amz-*`` header (an unsigned
    x-amz-copy-source would turn a presigned upload into a copy of another object) and Content-MD5.

    S3 answers 403 AccessDenied with the list in ``<HeadersNotSigned>``. It lets a presigned URL's caller add
    an unsigned x-amz-content-sha256 (the payload of a presigned request is unsigned anyway), and does not ask
    for Content-Type to be signed (browsers set it on presigned uploads). Other services answer a signature
    that leaves out what AWS requires with IncompleteSignature, 400 (their common errors).
    """
    signed = set(info.signed_headers)
    unsigned = sorted(name for name in request.headers if name not in signed and _must_be_signed(name, info))
    if not unsigned:
        return
    if s3_variant(info.service):
        raise AuthError("AccessDenied", HEADERS_NOT_SIGNED, HeadersNotSigned=", ".join(unsigned))
    raise AuthError("IncompleteSignature", f"{HEADERS_NOT_SIGNED}: {', '.join(unsigned)}", status=400)


def _must_be_signed(name: str, info: SignatureInfo) -> bool:
    if name == "x-amz-content-sha256":
        return not info.presigned
    return name.startswith("x-amz-") or name == "content-md5"


def check_payload(request: HttpRequest, info: SignatureInfo) -> None:
    """The body is what the signature says it is.

    A SHA-256 in x-amz-content-sha256 must be the body's. S3 also takes UNSIGNED-PAYLOAD and the aws-chunked
    kinds (each chunk is then checked as it is decoded) and refuses any other value. Other services hash the
    body themselves, so a request signed over anything but its body's hash does not match (AWS answers
    SignatureDoesNotMatch): UNSIGNED-PAYLOAD does not skip their body check.
    """
    s3 = s3_variant(info.service)
    claimed = info.payload_hash
    if claimed is None:
        return  # the verifier signed the body's own hash (or, presigned to S3, UNSIGNED-PAYLOAD)
    if not _SHA256_HEX.fullmatch(claimed):
        if not s3:
            raise AuthError("SignatureDoesNotMatch", SIGNATURE_MISMATCH)
        if claimed not in S3_PAYLOAD_KINDS:
            raise AuthError("InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                            "STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, "
                            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.", status=400)
        return
    computed = request.body_sha256()
    if computed == claimed.lower():
        return
    if s3:
        raise AuthError("XAmzContentSHA256Mismatch",
                        "The provided 'x-amz-content-sha256' header does not match what was computed.",
                        status=400, ClientComputedContentSHA256=claimed, S3ComputedContentSHA256=computed)
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
        if _TIMESTAMP.fullmatch(value):  # sliced rather than strptime'd: strptime was 2.6% of a small call
            return datetime(int(value[0:4]), int(value[4:6]), int(value[6:8]), int(value[9:11]), int(value[11:13]),
                            int(value[13:15]), tzinfo=UTC)
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
    if info.presigned and info.expires is not None:
        _check_presigned_time(info, now, s3, max_skew)
        return
    if abs(now - info.date) <= max_skew:
        return
    stamp = info.date.strftime(TIMESTAMP_FORMAT)  # formatted only for the error: strftime costs on every call
    server_time = now.strftime(TIMESTAMP_FORMAT)
    if s3:
        raise AuthError(
            "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.",
            RequestTime=stamp, ServerTime=server_time,
            MaxAllowedSkewMilliseconds=str(max_skew // timedelta(milliseconds=1)),
        )
    if info.date > now:
        raise _not_yet_current(stamp, now, max_skew)
    minutes = max_skew / timedelta(minutes=1)
    raise AuthError("RequestExpired", f"Signature expired: {stamp} is now earlier than "
                    f"{(now - max_skew).strftime(TIMESTAMP_FORMAT)} ({server_time} - {minutes:g} min.)", status=400)


def _check_presigned_time(info: SignatureInfo, now: datetime, s3: bool, max_skew: timedelta) -> None:
    assert info.expires is not None
    if info.date - now > max_skew:
        # A URL dated ahead would outlive the week X-Amz-Expires allows. S3's words and fields:
        # AccessDenied "Request is not yet valid", X-Amz-Date in epoch milliseconds.
        if s3:
            raise AuthError("AccessDenied", "Request is not yet valid", 403,
                            **{"X-Amz-Date": str(int(info.date.timestamp() * 1000))},
                            Expires=(info.date + timedelta(seconds=info.expires)).strftime(ISO_SECONDS),
                            ServerTime=now.strftime(ISO_SECONDS))
        raise _not_yet_current(info.date.strftime(TIMESTAMP_FORMAT), now, max_skew)
    if info.expires > MAX_PRESIGN_EXPIRES:
        raise _malformed(
            f"X-Amz-Expires must be less than a week (in seconds) that is; {MAX_PRESIGN_EXPIRES}", info.service, True
        )
    if now > info.date + timedelta(seconds=info.expires):
        if s3:
            raise AuthError("AccessDenied", "Request has expired",
                            Expires=(info.date + timedelta(seconds=info.expires)).strftime(TIMESTAMP_FORMAT),
                            ServerTime=now.strftime(TIMESTAMP_FORMAT))
        raise AuthError("RequestExpired", "Request has expired.", status=400)


def _not_yet_current(stamp: str, now: datetime, max_skew: timedelta) -> AuthError:
    minutes = max_skew / timedelta(minutes=1)
    server_time = now.strftime(TIMESTAMP_FORMAT)
    return AuthError("RequestExpired", f"Signature not yet current: {stamp} is still later than "
                     f"{(now + max_skew).strftime(TIMESTAMP_FORMAT)} ({server_time} + {minutes:g} min.)", status=400)


def _header_candidates(request: HttpRequest, names: list[str]):
    """The signed headers as botocore holds them, in each way the request may have carried them.

    HttpRequest joins a repeated header into one value with ", ", but SigV4 joins
    the values of a repeated header with ","; when a signed value contains ", "
    the split reading is tried as well.
    """
    present = [(name, request.headers[name]) for name in names if name in request.headers]
    yield _SignedHeaders(present)
    if any(", " in value for _, value in present):
        yield _SignedHeaders([(name, part) for name, value in present for part in value.split(", ")])


class _SignedHeaders:
    """The signed headers, read by botocore's signer as it reads an ``HTTPHeaders`` (iteration over the names as
    given, repeated ones included; case-insensitive ``get_all``, ``in`` and ``[]``; ``keys``), without
    email.message's scan of every header per lookup: that scan was a third of verifying a signature."""

    def __init__(self, items: list[tuple[str, str]]):
        self._names = [name for name, _ in items]
        self._values: dict[str, list[str]] = {}
        for name, value in items:
            self._values.setdefault(name.lower(), []).append(value)

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def keys(self) -> list[str]:
        return list(self._names)

    def get_all(self, name: str, failobj=None):
        values = self._values.get(name.lower())
        return list(values) if values else failobj

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._values

    def __getitem__(self, name: str) -> str | None:
        values = self._values.get(name.lower())
        return values[0] if values else None

    def canonical(self) -> str:
        """SigV4's canonical headers as botocore writes them: the names as given, sorted, each with its values
        trimmed (runs of whitespace made one space) and joined by commas."""
        return "\n".join(f"{name}:{','.join(' '.join(value.split()) for value in self._values[name.lower()])}"
                         for name in sorted(set(self._names)))


def _expected_signature(request: HttpRequest, info: SignatureInfo, secret_key: str,
                        headers: _SignedHeaders, path: str) -> tuple[str, str, str]:
    signer_class: type[_Exact]
    s3 = s3_variant(info.service)
    if not info.presigned and info.algorithm == ALGORITHM:
        # A call to "/", or an S3 call without a query: its canonical request written directly (sigv4_root.py).
        canonical = (s3_canonical_request if s3 else root_canonical_request)(request, headers, path)
        if canonical is not None:
            stamp = _amz_date(info.date)
            to_sign = root_string_to_sign(stamp, info.region, info.service, canonical)
            key = signing_key(secret_key, stamp[:8], info.region, info.service)
            return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), canonical, to_sign
    if not s3:
        signer_class = _Verifier
    else:
        # S3 signs its path as sent, and presigns with UNSIGNED-PAYLOAD.
        signer_class = _S3QueryVerifier if info.presigned else _S3Verifier
    signer = signer_class(Credentials(info.access_key_id, secret_key), info.service, info.region)
    query = [(key, value) for key, value in request.query_items if key != "X-Amz-Signature"]
    # The URL's host is never read (the Host header comes from the signed headers);
    # a fixed one keeps a hostile Host value from changing how the path is split out.
    aws_request = AWSRequest(method=request.method, url=f"{request.scheme}://localhost{path}",
                             data=request.body, params=query)
    aws_request.headers = headers
    aws_request.context["nimbus_request"] = request
    aws_request.context["timestamp"] = stamp = _amz_date(info.date)
    canonical_request = signer.canonical_request(aws_request)
    if info.algorithm == sigv4a.ALGORITHM_A:  # verified against the ECDSA signature, nothing to compute
        return "", canonical_request, sigv4a.string_to_sign(stamp, info.service, canonical_request)
    string_to_sign = signer.string_to_sign(aws_request, canonical_request)
    return signer.signature(string_to_sign, aws_request), canonical_request, string_to_sign


def _amz_date(date: datetime) -> str:
    """``date.strftime(TIMESTAMP_FORMAT)``, which costs 3% of a small call; strftime pads years before 1000
    its own way (such a date never passes the skew check, but keeps its exact text)."""
    if date.year < 1000:
        return date.strftime(TIMESTAMP_FORMAT)
    return f"{date.year}{date.month:02d}{date.day:02d}T{date.hour:02d}{date.minute:02d}{date.second:02d}Z"


@lru_cache(maxsize=256)
def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
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

    def canonical_headers(self, headers_to_sign):
        # botocore's, on the values _SignedHeaders keeps by name (its generic walk was 3% of a small call).
        return headers_to_sign.canonical()

    def headers_to_sign(self, request):
        # Exactly the headers the client listed: botocore would drop some (user-agent,
        # expect, ...) that other SDKs do sign, and would add a host the client did not sign.
        return request.headers

    def signature(self, string_to_sign, request):
        # botocore derives the key with four HMACs on every call; the key only
        # changes daily per credential, and this runs on every request.
        key = signing_key(self.credentials.secret_key, request.context["timestamp"][:8],
                           self._region_name, self._service_name)
        return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


# Presigning changes nothing botocore's SigV4QueryAuth computes except for S3's payload.
class _Verifier(_Exact, SigV4Auth):
    def payload(self, request):
        # Outside S3 the payload is always the body's SHA-256 (SigV4Auth signs it over http and https alike).
        # botocore's reads the body through a full preparation of the request (URL, headers, body): 2.4% of
        # a small call. A body in a file (a streaming operation) takes botocore's way.
        original: HttpRequest = request.context["nimbus_request"]
        if original.body_file is not None or not isinstance(original.body, bytes):
            return super().payload(request)
        return hashlib.sha256(original.body).hexdigest()


class _S3Verifier(_Exact, S3SigV4Auth):
    pass


class _S3QueryVerifier(_Exact, S3SigV4QueryAuth):
    pass
