"""SigV4A (``AWS4-ECDSA-P256-SHA256``): the multi-region signature botocore uses for some services
(``cloudfront-keyvaluestore``, multi-region access points). The canonical request is SigV4's; the scope
has no region (``X-Amz-Region-Set`` names the regions, signed as a header), and the signature is ECDSA
P-256 over SHA-256 of the string to sign, with a key pair derived from the secret access key as the SigV4A
spec does it: HMAC-SHA256 in counter mode (NIST SP 800-108) keyed with ``"AWS4A" + secret``, over the label
``AWS4-ECDSA-P256-SHA256`` and the access key id with a one-byte counter, until the candidate falls below
the curve order less one; the private key is that candidate plus one."""
from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # cryptography loads with the first SigV4A request, not at start-up (issue 19's idle RSS)
    from cryptography.hazmat.primitives.asymmetric import ec

ALGORITHM_A = "AWS4-ECDSA-P256-SHA256"
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@lru_cache(maxsize=256)
def derived_public_key(access_key_id: str, secret_key: str) -> ec.EllipticCurvePublicKey:
    """The public half of the P-256 key pair a SigV4A signer derives from these credentials."""
    key = ("AWS4A" + secret_key).encode()
    for counter in range(1, 255):
        fixed_input = (1).to_bytes(4, "big") + ALGORITHM_A.encode() + b"\x00" + access_key_id.encode() \
            + bytes([counter]) + (256).to_bytes(4, "big")
        candidate = int.from_bytes(hmac.new(key, fixed_input, hashlib.sha256).digest(), "big")
        if candidate <= _P256_ORDER - 2:
            from cryptography.hazmat.primitives.asymmetric import ec
            return ec.derive_private_key(candidate + 1, ec.SECP256R1()).public_key()
    raise ValueError("no SigV4A key can be derived from these credentials")  # odds about 2^-8000


def string_to_sign(timestamp: str, service: str, canonical_request: str) -> str:
    scope = f"{timestamp[:8]}/{service}/aws4_request"
    return "\n".join((ALGORITHM_A, timestamp, scope, hashlib.sha256(canonical_request.encode()).hexdigest()))


def verifies(signature_hex: str, text: str, access_key_id: str, secret_key: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    try:
        derived_public_key(access_key_id, secret_key).verify(bytes.fromhex(signature_hex), text.encode(),
                                                             ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def signing_region(region_set: str) -> str:
    """The region a request signed for a region set is served in: the first named, us-east-1 for ``*``."""
    first = region_set.split(",")[0].strip()
    return "us-east-1" if first in ("", "*") else first
