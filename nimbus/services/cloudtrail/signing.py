"""CloudTrail's digest signing keys: RSA 2048, one current key per region, rotated on the virtual clock.

Private keys stay in the store (they must survive a restart, or old digests could not be checked
against a key nimbus still lists), sealed by the vault (``core/secrets.py``) as every secret nimbus keeps:
who can read the store alone (a shared PostgreSQL, a copy of ``state.sqlite3``) cannot sign a digest that
``aws cloudtrail validate-logs`` would accept. ListPublicKeys publishes the public halves (PKCS#1 DER)
with their validity ranges, which is what ``validate-logs`` loads.
"""
from __future__ import annotations

import base64
import hashlib
import threading
from datetime import UTC, datetime

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from nimbus.core.secrets import Vault
from nimbus.core.times import epoch
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail.documents import SIGNING_KEY, SigningKey

SIGNATURE_ALGORITHM = "SHA256withRSA"
_lock = threading.Lock()


def keys_ns(region: str) -> tuple[str, ...]:
    return ("cloudtrail", "signing-keys", region)


def _public_der(private) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)


def _binding(region: str, fingerprint: str) -> str:
    """What a sealed private key is bound to: moved to another key's document, it does not open."""
    return f"cloudtrail/signing-key/{region}/{fingerprint}"


def _seal(vault: Vault, region: str, fingerprint: str, private: rsa.RSAPrivateKey) -> str:
    der = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return vault.seal(der, _binding(region, fingerprint))


def _keys(store, vault: Vault, region: str) -> list[SigningKey]:
    """The region's keys, oldest first; one stored in the clear (before version 1) is sealed now."""
    keys = []
    for name, key in SIGNING_KEY.scan(store, keys_ns(region)):
        if clear := key.pop("PrivateKey", None):
            private = serialization.load_pem_private_key(clear.encode(), password=None)
            if not isinstance(private, rsa.RSAPrivateKey):
                raise TypeError(f"CloudTrail signing key {name} is not an RSA key")
            key["SealedPrivateKey"] = _seal(vault, region, key["Fingerprint"], private)
            SIGNING_KEY.put(store, keys_ns(region), name, key)
        keys.append(key)
    return keys


def current_key(store, vault: Vault, region: str, now: float, rotation_seconds: float) -> SigningKey:
    """The key that signs at ``now``, made when the last one has expired; it signs for ``rotation_seconds``
    (``Config.cloudtrail_key_rotation_seconds``)."""
    with _lock:
        live = [k for k in _keys(store, vault, region) if k["ValidityStartTime"] <= now < k["ValidityEndTime"]]
        if live:
            return max(live, key=lambda k: k["ValidityStartTime"])
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        der = _public_der(private)
        fingerprint = hashlib.md5(der).hexdigest()
        doc: SigningKey = {
            "Fingerprint": fingerprint,
            "ValidityStartTime": now,
            "ValidityEndTime": now + rotation_seconds,
            "Value": base64.b64encode(der).decode(),
            "SealedPrivateKey": _seal(vault, region, fingerprint, private),
        }
        SIGNING_KEY.put(store, keys_ns(region), f"{int(now * 1000):016d}", doc)
        return doc


def sign(vault: Vault, region: str, key: SigningKey, message: bytes) -> str:
    der = vault.unseal(key["SealedPrivateKey"], _binding(region, key["Fingerprint"]))
    private = serialization.load_der_private_key(der, password=None)
    if not isinstance(private, rsa.RSAPrivateKey):
        raise TypeError(f"CloudTrail signing key {key['Fingerprint']} is not an RSA key")
    return private.sign(message, padding.PKCS1v15(), hashes.SHA256()).hex()


def string_to_sign(digest: dict, inflated: bytes) -> bytes:
    """AWS's signing string: end time, bucket/key, SHA-256 of the digest file, previous signature."""
    previous = digest.get("previousDigestSignature") or "null"
    return (f"{digest['digestEndTime']}\n{digest['digestS3Bucket']}/{digest['digestS3Object']}\n"
            f"{hashlib.sha256(inflated).hexdigest()}\n{previous}").encode()


def list_public_keys(store, vault: Vault, region: str, params: dict, now: float, rotation_seconds: float) -> dict:
    start, end = epoch(params.get("StartTime")), epoch(params.get("EndTime"))
    if start is not None and end is not None and start > end:
        raise ServiceError("InvalidTimeRangeException", "Start time must be before end time.", status=400)
    if params.get("NextToken"):
        raise ServiceError("InvalidTokenException", "Invalid NextToken.", status=400)
    start = now if start is None else start
    end = now if end is None else end
    if start <= now <= end or start > now:
        current_key(store, vault, region, now, rotation_seconds)  # a key for the present always exists
    with _lock:
        keys = _keys(store, vault, region)
    out = []
    for key in keys:
        if key["ValidityStartTime"] <= end and key["ValidityEndTime"] >= start:
            out.append({
                # DER bytes (base64 on the wire; the CLI reads the wire text and decodes it itself).
                "Value": base64.b64decode(key["Value"]),
                "ValidityStartTime": datetime.fromtimestamp(key["ValidityStartTime"], tz=UTC),
                "ValidityEndTime": datetime.fromtimestamp(key["ValidityEndTime"], tz=UTC),
                "Fingerprint": key["Fingerprint"],
            })
    return {"PublicKeyList": out}
