"""The cryptography behind KMS keys: generating material, public-key operations, MACs and ECDH.

Private keys travel between here and the vault as PKCS#8 DER; HMAC and symmetric keys as raw bytes.
"""
from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

from nimbus.services.kms.post_quantum import ML_DSA, ML_KEM
from nimbus.services.kms.specs import HMAC_SPECS, RSA_SPECS

CURVES = {"ECC_NIST_P256": ec.SECP256R1, "ECC_NIST_P384": ec.SECP384R1,
          "ECC_NIST_P521": ec.SECP521R1, "ECC_SECG_P256K1": ec.SECP256K1}
HMAC_KEY_BYTES = {"HMAC_224": 28, "HMAC_256": 32, "HMAC_384": 48, "HMAC_512": 64}
HASHES = {"SHA_1": hashes.SHA1, "SHA_256": hashes.SHA256, "SHA_384": hashes.SHA384, "SHA_512": hashes.SHA512}
MAC_HASHES = {"HMAC_SHA_224": hashlib.sha224, "HMAC_SHA_256": hashlib.sha256,
              "HMAC_SHA_384": hashlib.sha384, "HMAC_SHA_512": hashlib.sha512}


class CryptoError(Exception):
    """The math refused: wrong key, bad padding, or input the algorithm cannot take."""


def pkcs8(key) -> bytes:
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def generate(spec: str) -> bytes:
    """Fresh key material for a key spec."""
    if spec == "SYMMETRIC_DEFAULT":
        return os.urandom(32)
    if spec in HMAC_SPECS:
        return os.urandom(HMAC_KEY_BYTES[spec])
    if spec in RSA_SPECS:
        return pkcs8(rsa.generate_private_key(65537, RSA_SPECS[spec]))
    if spec in CURVES:
        return pkcs8(ec.generate_private_key(CURVES[spec]()))
    if spec == "ECC_NIST_EDWARDS25519":
        return pkcs8(ed25519.Ed25519PrivateKey.generate())
    if spec in ML_DSA:
        return pkcs8(ML_DSA[spec].generate())
    if spec in ML_KEM:
        return pkcs8(ML_KEM[spec].generate())
    raise CryptoError(f"unsupported key spec {spec}")


def load_private(material: bytes):
    return serialization.load_der_private_key(material, password=None)


def public_der(private_key) -> bytes:
    return private_key.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)


def matches_spec(private_key, spec: str) -> bool:
    """Whether imported key material is a key of the declared spec."""
    if spec in RSA_SPECS:
        return isinstance(private_key, rsa.RSAPrivateKey) and private_key.key_size == RSA_SPECS[spec]
    if spec in CURVES:
        return isinstance(private_key, ec.EllipticCurvePrivateKey) and isinstance(private_key.curve, CURVES[spec])
    if spec == "ECC_NIST_EDWARDS25519":
        return isinstance(private_key, ed25519.Ed25519PrivateKey)
    if spec in ML_DSA:
        return isinstance(private_key, ML_DSA[spec])
    return False


# -- RSA encryption -------------------------------------------------------------------------

def _oaep(algorithm: str) -> padding.OAEP:
    digest = HASHES[algorithm.rsplit("OAEP_", 1)[1]]()
    return padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None)


def rsa_max_plaintext(private_key, algorithm: str) -> int:
    digest_size = HASHES[algorithm.rsplit("OAEP_", 1)[1]].digest_size
    return private_key.key_size // 8 - 2 * digest_size - 2


def rsa_encrypt(private_key, algorithm: str, plaintext: bytes) -> bytes:
    return private_key.public_key().encrypt(plaintext, _oaep(algorithm))


def rsa_decrypt(private_key, algorithm: str, ciphertext: bytes) -> bytes:
    try:
        return private_key.decrypt(ciphertext, _oaep(algorithm))
    except ValueError as exc:
        raise CryptoError(str(exc)) from exc


# -- signatures -----------------------------------------------------------------------------

def _hash_of(algorithm: str):
    return HASHES["SHA_" + algorithm.rsplit("_", 1)[1]]()


def _sign_args(private_key, algorithm: str, message: bytes, digest: bool):
    """(data, extra args) for cryptography's sign/verify of an RSA/ECDSA algorithm."""
    chosen = _hash_of(algorithm)
    hash_arg = utils.Prehashed(chosen) if digest else chosen
    if algorithm.startswith("RSASSA_PSS"):
        # KMS uses a salt as long as the digest.
        return (padding.PSS(mgf=padding.MGF1(chosen), salt_length=chosen.digest_size), hash_arg)
    if algorithm.startswith("RSASSA_PKCS1"):
        return (padding.PKCS1v15(), hash_arg)
    return (ec.ECDSA(hash_arg),)


def digest_size(algorithm: str) -> int:
    return _hash_of(algorithm).digest_size


def sign(private_key, algorithm: str, message: bytes, message_type: str) -> bytes:
    if algorithm == "ED25519_SHA_512":
        return private_key.sign(message)
    if algorithm == "ML_DSA_SHAKE_256":
        return private_key.sign_mu(message) if message_type == "EXTERNAL_MU" else private_key.sign(message)
    return private_key.sign(message, *_sign_args(private_key, algorithm, message, message_type == "DIGEST"))


def verify(private_key, algorithm: str, message: bytes, message_type: str, signature: bytes) -> bool:
    public = private_key.public_key()
    try:
        if algorithm == "ED25519_SHA_512":
            public.verify(signature, message)
        elif algorithm == "ML_DSA_SHAKE_256":
            if message_type == "EXTERNAL_MU":
                public.verify_mu(signature, message)
            else:
                public.verify(signature, message)
        else:
            public.verify(signature, message, *_sign_args(private_key, algorithm, message, message_type == "DIGEST"))
        return True
    except (InvalidSignature, ValueError):
        return False


# -- MACs, key agreement, encapsulation -----------------------------------------------------

def mac(key: bytes, algorithm: str, message: bytes) -> bytes:
    return hmac.new(key, message, MAC_HASHES[algorithm]).digest()


def mac_equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def ecdh(private_key, peer_public_der: bytes) -> bytes:
    try:
        peer = serialization.load_der_public_key(peer_public_der)
    except ValueError as exc:
        raise CryptoError("public key is not a DER SubjectPublicKeyInfo") from exc
    if not isinstance(peer, ec.EllipticCurvePublicKey) or peer.curve.name != private_key.curve.name:
        raise CryptoError("public key is on another curve")
    return private_key.exchange(ec.ECDH(), peer)


def encapsulate(private_key) -> tuple[bytes, bytes]:
    """(shared secret, ciphertext)."""
    return private_key.public_key().encapsulate()


def decapsulate(private_key, ciphertext: bytes) -> bytes:
    try:
        return private_key.decapsulate(ciphertext)
    except ValueError as exc:
        raise CryptoError(str(exc)) from exc
