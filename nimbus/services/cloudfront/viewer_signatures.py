"""Private content: a behaviour with trusted key groups serves only viewers whose signed URL (``Expires`` or
``Policy``, ``Signature``, ``Key-Pair-Id``) or signed cookies (``CloudFront-Expires`` or
``CloudFront-Policy``, ``CloudFront-Signature``, ``CloudFront-Key-Pair-Id``) verify, as CloudFront does it:
RSA (PKCS#1 v1.5) or ECDSA (P-256, DER) over the policy (the canned one rebuilt from the URL and
``Expires``) with SHA-1, or SHA-256 when ``Hash-Algorithm`` (cookie ``CloudFront-Hash-Algorithm``) says
``SHA256``, in CloudFront's URL-safe base64, with times on nimbus's virtual clock. The signing parameters never reach the cache key or the
origin."""
from __future__ import annotations

import base64
import binascii
import ipaddress
import json
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import unquote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from nimbus.core.policy.patterns import glob
from nimbus.protocol.http import Headers, HttpRequest, HttpResponse
from nimbus.store.base import Store

from .trusted import find_key_group, find_public_key, trusted_group_ids

URL_PARAMETERS = frozenset(("Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"))
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"SHA1": hashes.SHA1, "SHA256": hashes.SHA256}
_COOKIE_PREFIX = "CloudFront-"
# CloudFront's URL-safe base64: '-' for '+', '_' for '=', '~' for '/'.
_FROM_URL_SAFE = str.maketrans("-_~", "+=/")


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str

    def response(self) -> HttpResponse:
        body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{self.code}</Code>'
                f'<Message>{self.message}</Message></Error>').encode()
        return HttpResponse(403, Headers({"content-type": "text/xml", "content-length": str(len(body)),
                                          "server": "CloudFront"}), body)


MISSING_KEY = Refusal("MissingKey", "Missing Key-Pair-Id query parameter or cookie value")
UNKNOWN_KEY = Refusal("InvalidKey", "Unknown Key")
MALFORMED_POLICY = Refusal("MalformedPolicy", "Malformed Policy")
ACCESS_DENIED = Refusal("AccessDenied", "Access denied")


def check_viewer_signature(store: Store, account: str, distribution: dict, behaviour: dict, request: HttpRequest,
                           path: str, now: float) -> tuple[HttpResponse | None, str]:
    """The 403 a viewer gets when the behaviour wants a signature it lacks, and the query string without the
    signing parameters (what the cache key and the origin see)."""
    group_ids = trusted_group_ids(behaviour)
    if not group_ids:
        return None, request.query_string
    kept = "&".join(p for p in request.query_string.split("&") if p and unquote(p.partition("=")[0]) not in URL_PARAMETERS)
    refusal = _refusal(store, account, group_ids, _signing_values(request), _resources(request, distribution, path, kept),
                       request.source_ip, now)
    return (refusal.response() if refusal else None), kept


def _signing_values(request: HttpRequest) -> dict[str, str]:
    """The URL's signing parameters, else the signed cookies' (by the same names)."""
    from_url = {k: v for k, v in request.query_items if k in URL_PARAMETERS}
    if from_url:
        return from_url
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(request.headers.get("cookie", ""))
    except Exception:  # noqa: BLE001 - a viewer's malformed cookie header is just no signature
        return {}
    return {name[len(_COOKIE_PREFIX):]: morsel.value for name, morsel in jar.items()
            if name.startswith(_COOKIE_PREFIX) and name[len(_COOKIE_PREFIX):] in URL_PARAMETERS}


def _resources(request: HttpRequest, distribution: dict, path: str, query: str) -> list[str]:
    """The URLs the viewer may have signed: as it asked (its Host and path, http or https), or as the
    distribution's own domain name would be asked on AWS (a URL signed for d....cloudfront.net also opens
    locally)."""
    suffix = f"?{query}" if query else ""
    hosts = [f"{request.headers.get('host', '')}{request.path}", f"{distribution['DomainName']}{path}"]
    return [f"{scheme}://{where}{suffix}" for where in hosts for scheme in ("https", "http")]


def _refusal(store: Store, account: str, group_ids: list[str], values: dict[str, str], resources: list[str],
             source_ip: str, now: float) -> Refusal | None:
    key_id = values.get("Key-Pair-Id")
    if not key_id:
        return MISSING_KEY
    trusted = {k for g in group_ids if (group := find_key_group(store, account, g))
               for k in group["KeyGroupConfig"].get("Items", [])}
    key = find_public_key(store, account, key_id) if key_id in trusted else None
    if key is None:
        return UNKNOWN_KEY
    signature = _decoded(values.get("Signature", ""))
    algorithm = _HASHES.get(values.get("Hash-Algorithm", "SHA1"))
    if not signature or algorithm is None:
        return ACCESS_DENIED
    if "Policy" in values:
        policy = _decoded(values["Policy"])
        statement = _statement(policy)
        if statement is None:
            return MALFORMED_POLICY
        signed = [policy] if _allows(statement, resources, source_ip, now) else []
    else:
        expires = values.get("Expires", "")
        if not expires.isdigit():
            return MALFORMED_POLICY
        signed = [_canned_policy(r, int(expires)).encode() for r in resources] if now < int(expires) else []
    public_key = load_pem_public_key(key["PublicKeyConfig"]["EncodedKey"].encode())
    return None if any(_verifies(public_key, signature, p, algorithm()) for p in signed) else ACCESS_DENIED


def _canned_policy(resource: str, expires: int) -> str:
    """The policy a canned signature covers, byte for byte as signers write it (no spaces, no escaping)."""
    return ('{"Statement":[{"Resource":"' + resource + '","Condition":{"DateLessThan":{"AWS:EpochTime":'
            + str(expires) + '}}}]}')


def _statement(policy: bytes) -> dict | None:
    """The custom policy's one statement, or None when it is not one CloudFront accepts."""
    try:
        document = json.loads(policy)
        statement = document["Statement"][0]
        condition = statement["Condition"]
        int(condition["DateLessThan"]["AWS:EpochTime"])
        if "DateGreaterThan" in condition:
            int(condition["DateGreaterThan"]["AWS:EpochTime"])
        if "IpAddress" in condition:
            ipaddress.ip_network(condition["IpAddress"]["AWS:SourceIp"], strict=False)
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return statement if isinstance(statement, dict) and len(document["Statement"]) == 1 else None


def _allows(statement: dict, resources: list[str], source_ip: str, now: float) -> bool:
    condition = statement["Condition"]
    if now >= int(condition["DateLessThan"]["AWS:EpochTime"]):
        return False
    if "DateGreaterThan" in condition and now <= int(condition["DateGreaterThan"]["AWS:EpochTime"]):
        return False
    if "IpAddress" in condition:
        network = ipaddress.ip_network(condition["IpAddress"]["AWS:SourceIp"], strict=False)
        if ipaddress.ip_address(source_ip) not in network:
            return False
    pattern = statement.get("Resource")
    return pattern is None or any(glob(pattern)(r) for r in resources)


def _decoded(value: str) -> bytes:
    try:
        return base64.b64decode(value.translate(_FROM_URL_SAFE), validate=True)
    except (binascii.Error, ValueError):
        return b""


def _verifies(key: object, signature: bytes, policy: bytes, algorithm: hashes.HashAlgorithm) -> bool:
    """CreatePublicKey admits RSA 2048 and ECDSA P-256 keys only."""
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, policy, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, policy, ec.ECDSA(algorithm))
        else:
            return False
    except InvalidSignature:
        return False
    return True
