"""CloudTrail's digest signing keys: RSA 2048, one current key per region, rotated on the virtual clock.

Private keys stay in the store (they must survive a restart, or old digests could not be checked
against a key nimbus still lists); ListPublicKeys publishes the public halves (PKCS#1 DER) with their
validity ranges, which is what ``aws cloudtrail validate-logs`` loads.
"""
from __future__ import annotations

import base64
import hashlib
import threading
from datetime import UTC, datetime

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from nimbus.core.times import epoch
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail.documents import SIGNING_KEY, SigningKey

SIGNATURE_ALGORITHM = "SHA256withRSA"
_lock = threading.Lock()


def keys_ns(region: str) -> tuple[str, ...]:
    return ("cloudtrail", "signing-keys", region)


def _public_der(private) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)


def current_key(store, region: str, now: float, rotation_seconds: float) -> SigningKey:
    """The key that signs at ``now``, made when the last one has expired; it signs for ``rotation_seconds``
    (``Config.cloudtrail_key_rotation_seconds``)."""
    with _lock:
        keys = [doc for _, doc in SIGNING_KEY.scan(store, keys_ns(region))]
        live = [k for k in keys if k["ValidityStartTime"] <= now < k["ValidityEndTime"]]
        if live:
            return max(live, key=lambda k: k["ValidityStartTime"])
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        der = _public_der(private)
        doc: SigningKey = {
            "Fingerprint": hashlib.md5(der).hexdigest(),
            "ValidityStartTime": now,
            "ValidityEndTime": now + rotation_seconds,
            "Value": base64.b64encode(der).decode(),
            "PrivateKey": private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()).decode(),
        }
        SIGNING_KEY.put(store, keys_ns(region), f"{int(now * 1000):016d}", doc)
        return doc


def sign(key: SigningKey, message: bytes) -> str:
    private = serialization.load_pem_private_key(key["PrivateKey"].encode(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)  # current_key makes nothing else
    return private.sign(message, padding.PKCS1v15(), hashes.SHA256()).hex()


def string_to_sign(digest: dict, inflated: bytes) -> bytes:
    """AWS's signing string: end time, bucket/key, SHA-256 of the digest file, previous signature."""
    previous = digest.get("previousDigestSignature") or "null"
    return (f"{digest['digestEndTime']}\n{digest['digestS3Bucket']}/{digest['digestS3Object']}\n"
            f"{hashlib.sha256(inflated).hexdigest()}\n{previous}").encode()


def list_public_keys(store, region: str, params: dict, now: float, rotation_seconds: float) -> dict:
    start, end = epoch(params.get("StartTime")), epoch(params.get("EndTime"))
    if start is not None and end is not None and start > end:
        raise ServiceError("InvalidTimeRangeException", "Start time must be before end time.", status=400)
    if params.get("NextToken"):
        raise ServiceError("InvalidTokenException", "Invalid NextToken.", status=400)
    start = now if start is None else start
    end = now if end is None else end
    if start <= now <= end or start > now:
        current_key(store, region, now, rotation_seconds)  # a key for the present always exists
    out = []
    for _, key in SIGNING_KEY.scan(store, keys_ns(region)):
        if key["ValidityStartTime"] <= end and key["ValidityEndTime"] >= start:
            out.append({
                # DER bytes (base64 on the wire; the CLI reads the wire text and decodes it itself).
                "Value": base64.b64decode(key["Value"]),
                "ValidityStartTime": datetime.fromtimestamp(key["ValidityStartTime"], tz=UTC),
                "ValidityEndTime": datetime.fromtimestamp(key["ValidityEndTime"], tz=UTC),
                "Fingerprint": key["Fingerprint"],
            })
    return {"PublicKeyList": out}
