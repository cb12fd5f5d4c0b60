"""KMS asymmetric and HMAC keys, checked offline with the `cryptography` library against GetPublicKey."""
from __future__ import annotations

import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, mldsa, mlkem, padding, utils

from tests.support import error_of

HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}


def create(kms, spec, usage):
    return kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]


def public_key(kms, key):
    return serialization.load_der_public_key(kms.get_public_key(KeyId=key["KeyId"])["PublicKey"])


@pytest.mark.parametrize("spec", ["RSA_2048", "RSA_3072"])
def test_rsa_oaep_interoperates_both_ways(kms, spec):
    key = create(kms, spec, "ENCRYPT_DECRYPT")
    assert key["EncryptionAlgorithms"] == ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
    public = public_key(kms, key)
    for algorithm, digest in (("RSAES_OAEP_SHA_1", hashes.SHA1), ("RSAES_OAEP_SHA_256", hashes.SHA256)):
        oaep = padding.OAEP(mgf=padding.MGF1(digest()), algorithm=digest(), label=None)
        offline = public.encrypt(b"made outside KMS", oaep)
        out = kms.decrypt(KeyId=key["Arn"], CiphertextBlob=offline, EncryptionAlgorithm=algorithm)
        assert out["Plaintext"] == b"made outside KMS" and out["EncryptionAlgorithm"] == algorithm
        inside = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"made by KMS", EncryptionAlgorithm=algorithm)
        assert len(inside["CiphertextBlob"]) == public.key_size // 8
        assert kms.decrypt(KeyId=key["KeyId"], CiphertextBlob=inside["CiphertextBlob"],
                           EncryptionAlgorithm=algorithm)["Plaintext"] == b"made by KMS"
    assert error_of(kms.encrypt, KeyId=key["KeyId"], Plaintext=b"x").worded == (
        "InvalidKeyUsageException", f"Algorithm SYMMETRIC_DEFAULT is incompatible with key spec {spec}.")
    wrong = public.encrypt(b"x", padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None))
    assert error_of(kms.decrypt, KeyId=key["KeyId"], CiphertextBlob=wrong,
                    EncryptionAlgorithm="RSAES_OAEP_SHA_256").worded == ("InvalidCiphertextException", "")
    assert error_of(kms.generate_data_key, KeyId=key["KeyId"], KeySpec="AES_256")[0] == "InvalidKeyUsageException"


@pytest.mark.parametrize("algorithm", [
    "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
    "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"])
def test_rsa_signatures_verify_offline(kms, rsa_signing_key, algorithm):
    key = rsa_signing_key
    public = public_key(kms, key)
    digest = HASHES[algorithm[-3:]]
    pad = (padding.PSS(mgf=padding.MGF1(digest()), salt_length=digest.digest_size)
           if "PSS" in algorithm else padding.PKCS1v15())
    signature = kms.sign(KeyId=key["KeyId"], Message=b"message", SigningAlgorithm=algorithm)["Signature"]
    public.verify(signature, b"message", pad, digest())
    hashed = hashlib.new(digest.name, b"message").digest()
    by_digest = kms.sign(KeyId=key["KeyId"], Message=hashed, MessageType="DIGEST",
                         SigningAlgorithm=algorithm)["Signature"]
    public.verify(by_digest, b"message", pad, digest())
    assert kms.verify(KeyId=key["KeyId"], Message=b"message", Signature=signature,
                      SigningAlgorithm=algorithm)["SignatureValid"] is True


@pytest.fixture(scope="module")
def rsa_signing_key(kms):
    return create(kms, "RSA_2048", "SIGN_VERIFY")


@pytest.mark.parametrize("spec,algorithm,curve", [
    ("ECC_NIST_P256", "ECDSA_SHA_256", ec.SECP256R1), ("ECC_NIST_P384", "ECDSA_SHA_384", ec.SECP384R1),
    ("ECC_NIST_P521", "ECDSA_SHA_512", ec.SECP521R1), ("ECC_SECG_P256K1", "ECDSA_SHA_256", ec.SECP256K1)])
def test_ecdsa_raw_and_digest(kms, spec, algorithm, curve):
    key = create(kms, spec, "SIGN_VERIFY")
    assert key["SigningAlgorithms"] == [algorithm]
    public = public_key(kms, key)
    assert isinstance(public.curve, curve)
    digest = HASHES[algorithm[-3:]]()
    raw = kms.sign(KeyId=key["KeyId"], Message=b"data", SigningAlgorithm=algorithm)["Signature"]
    public.verify(raw, b"data", ec.ECDSA(digest))
    hashed = hashlib.new(digest.name, b"data").digest()
    signed = kms.sign(KeyId=key["KeyId"], Message=hashed, MessageType="DIGEST", SigningAlgorithm=algorithm)
    public.verify(signed["Signature"], hashed, ec.ECDSA(utils.Prehashed(digest)))
    assert error_of(kms.sign, KeyId=key["KeyId"], Message=b"short", MessageType="DIGEST",
                    SigningAlgorithm=algorithm).worded == ("ValidationException",
                                                    f"Digest is invalid length for algorithm {algorithm}.")
    assert error_of(kms.verify, KeyId=key["KeyId"], Message=b"other", Signature=raw,
                    SigningAlgorithm=algorithm).worded == ("KMSInvalidSignatureException", "")
    assert error_of(kms.sign, KeyId=key["KeyId"], Message=b"data", SigningAlgorithm="RSASSA_PSS_SHA_256").worded == (
        "InvalidKeyUsageException", f"Algorithm RSASSA_PSS_SHA_256 is incompatible with key spec {spec}.")
    assert error_of(kms.encrypt, KeyId=key["KeyId"], Plaintext=b"x").worded == (
        "InvalidKeyUsageException", f"{key['Arn']} key usage is SIGN_VERIFY which is not valid for Encrypt.")


def test_ed25519(kms):
    key = create(kms, "ECC_NIST_EDWARDS25519", "SIGN_VERIFY")
    assert "ED25519_SHA_512" in key["SigningAlgorithms"]
    signature = kms.sign(KeyId=key["KeyId"], Message=b"edwards", SigningAlgorithm="ED25519_SHA_512")["Signature"]
    public_key(kms, key).verify(signature, b"edwards")
    assert error_of(kms.sign, KeyId=key["KeyId"], Message=b"d" * 64, MessageType="DIGEST",
                    SigningAlgorithm="ED25519_SHA_512").worded == (
        "ValidationException", "Message type DIGEST is incompatible with algorithm ED25519_SHA_512.")


def test_ml_dsa(kms):
    key = create(kms, "ML_DSA_65", "SIGN_VERIFY")
    public = public_key(kms, key)
    assert isinstance(public, mldsa.MLDSA65PublicKey)
    signature = kms.sign(KeyId=key["KeyId"], Message=b"pq", SigningAlgorithm="ML_DSA_SHAKE_256")["Signature"]
    public.verify(signature, b"pq")
    mu = mldsa.MLDSAMuHasher(public)
    mu.update(b"pq")
    external = kms.sign(KeyId=key["KeyId"], Message=mu.finalize(), MessageType="EXTERNAL_MU",
                        SigningAlgorithm="ML_DSA_SHAKE_256")["Signature"]
    public.verify(external, b"pq")
    assert error_of(kms.sign, KeyId=key["KeyId"], Message=b"d" * 32, MessageType="DIGEST",
                    SigningAlgorithm="ML_DSA_SHAKE_256").worded == (
        "ValidationException", "Message type DIGEST is incompatible with key spec ML_DSA_65.")


def test_hmac(kms):
    for spec, algorithm, digest in (("HMAC_224", "HMAC_SHA_224", "sha224"), ("HMAC_512", "HMAC_SHA_512", "sha512")):
        key = create(kms, spec, "GENERATE_VERIFY_MAC")
        assert key["MacAlgorithms"] == [algorithm]
        mac = kms.generate_mac(KeyId=key["KeyId"], Message=b"m", MacAlgorithm=algorithm)["Mac"]
        assert len(mac) == hashlib.new(digest).digest_size
        assert kms.verify_mac(KeyId=key["KeyId"], Message=b"m", Mac=mac, MacAlgorithm=algorithm)["MacValid"]
        assert error_of(kms.verify_mac, KeyId=key["KeyId"], Message=b"n", Mac=mac, MacAlgorithm=algorithm).worded == \
            ("KMSInvalidMacException", "")
        assert not hmac.compare_digest(mac, b"")
    assert error_of(kms.generate_mac, KeyId=key["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_256").worded == (
        "InvalidKeyUsageException", "Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_512.")
    assert error_of(kms.get_public_key, KeyId=key["KeyId"])[0] == "UnsupportedOperationException"


def test_key_agreement(kms):
    key = create(kms, "ECC_NIST_P256", "KEY_AGREEMENT")
    assert key["KeyAgreementAlgorithms"] == ["ECDH"]
    peer = ec.generate_private_key(ec.SECP256R1())
    peer_der = peer.public_key().public_bytes(serialization.Encoding.DER,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)
    secret = kms.derive_shared_secret(KeyId=key["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=peer_der)
    assert secret["SharedSecret"] == peer.exchange(ec.ECDH(), public_key(kms, key))
    other = ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert error_of(kms.derive_shared_secret, KeyId=key["KeyId"], KeyAgreementAlgorithm="ECDH",
                    PublicKey=other)[0] == "ValidationException"


def test_data_key_pairs(kms):
    wrapping = kms.create_key()["KeyMetadata"]
    pair = kms.generate_data_key_pair(KeyId=wrapping["KeyId"], KeyPairSpec="ECC_NIST_P256",
                                      EncryptionContext={"p": "1"})
    private = serialization.load_der_private_key(pair["PrivateKeyPlaintext"], None)
    assert private.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo) == pair["PublicKey"]
    assert kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"],
                       EncryptionContext={"p": "1"})["Plaintext"] == pair["PrivateKeyPlaintext"]
    bare = kms.generate_data_key_pair_without_plaintext(KeyId=wrapping["KeyId"], KeyPairSpec="RSA_2048")
    assert "PrivateKeyPlaintext" not in bare and bare["KeyPairSpec"] == "RSA_2048"
    signer = create(kms, "ECC_NIST_P256", "SIGN_VERIFY")
    assert error_of(kms.generate_data_key_pair, KeyId=signer["KeyId"], KeyPairSpec="RSA_2048")[0] == \
        "InvalidKeyUsageException"


def test_create_key_bad_combinations(kms):
    assert error_of(kms.create_key, KeySpec="ECC_NIST_P256").worded == (
        "ValidationException", "KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec ECC_NIST_P256")
    assert error_of(kms.create_key, KeySpec="HMAC_256", KeyUsage="SIGN_VERIFY")[0] == "ValidationException"


def test_ml_kem_encapsulation(kms):
    key = create(kms, "ML_KEM_768", "ENCAPSULATE_DECAPSULATE")
    public = public_key(kms, key)
    assert isinstance(public, mlkem.MLKEM768PublicKey)
    secret, blob = public.encapsulate()
    assert kms.decapsulate(KeyId=key["KeyId"], SharedSecretCiphertextBlob=blob,
                           EncapsulationAlgorithm="ML_KEM")["SharedSecret"] == secret
    made = kms.encapsulate(KeyId=key["KeyId"], EncapsulationAlgorithm="ML_KEM")
    assert kms.decapsulate(KeyId=key["KeyId"], SharedSecretCiphertextBlob=made["SharedSecretCiphertextBlob"],
                           EncapsulationAlgorithm="ML_KEM")["SharedSecret"] == made["SharedSecret"]
