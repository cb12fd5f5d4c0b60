"""What each key spec can do: its usages and the algorithms AWS lists for it."""
from __future__ import annotations

from nimbus.services.kms.post_quantum import ML_DSA, ML_KEM

RSA_SPECS = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}
ECC_SPECS = ("ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1")
HMAC_SPECS = {"HMAC_224": "HMAC_SHA_224", "HMAC_256": "HMAC_SHA_256",
              "HMAC_384": "HMAC_SHA_384", "HMAC_512": "HMAC_SHA_512"}
ML_DSA_SPECS = ("ML_DSA_44", "ML_DSA_65", "ML_DSA_87")
ML_KEM_SPECS = ("ML_KEM_512", "ML_KEM_768", "ML_KEM_1024")

RSA_ENCRYPTION = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
RSA_SIGNING = ["RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
               "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"]
ECDSA_BY_SPEC = {"ECC_NIST_P256": "ECDSA_SHA_256", "ECC_NIST_P384": "ECDSA_SHA_384",
                 "ECC_NIST_P521": "ECDSA_SHA_512", "ECC_SECG_P256K1": "ECDSA_SHA_256"}

# Usages each spec may be created with; the first is the default AWS picks when KeyUsage is omitted
# (only SYMMETRIC_DEFAULT may omit it in AWS; the others need an explicit usage).
USAGES = {"SYMMETRIC_DEFAULT": ("ENCRYPT_DECRYPT",)}
USAGES.update({spec: ("ENCRYPT_DECRYPT", "SIGN_VERIFY") for spec in RSA_SPECS})
USAGES.update({spec: ("SIGN_VERIFY", "KEY_AGREEMENT") for spec in ECC_SPECS[:3]})
USAGES["ECC_SECG_P256K1"] = ("SIGN_VERIFY",)
USAGES["ECC_NIST_EDWARDS25519"] = ("SIGN_VERIFY",)
USAGES.update({spec: ("GENERATE_VERIFY_MAC",) for spec in HMAC_SPECS})
USAGES.update({spec: ("SIGN_VERIFY",) for spec in ML_DSA_SPECS})
USAGES.update({spec: ("ENCAPSULATE_DECAPSULATE",) for spec in ML_KEM_SPECS})

# Specs nimbus cannot back with real cryptography (see docs/services/kms.md).
UNSUPPORTED_SPECS = {"SM2", "ML_KEM_512"}


def supported(spec: str) -> bool:
    if spec in ML_DSA_SPECS:
        return spec in ML_DSA
    if spec in ML_KEM_SPECS:
        return spec in ML_KEM
    return spec not in UNSUPPORTED_SPECS


def is_symmetric(spec: str) -> bool:
    return spec == "SYMMETRIC_DEFAULT"


def algorithms(spec: str, usage: str) -> dict[str, list[str]]:
    """The algorithm lists of KeyMetadata/GetPublicKey for a key."""
    if usage == "ENCRYPT_DECRYPT":
        return {"EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"] if is_symmetric(spec) else list(RSA_ENCRYPTION)}
    if usage == "SIGN_VERIFY":
        if spec in RSA_SPECS:
            return {"SigningAlgorithms": list(RSA_SIGNING)}
        if spec in ECDSA_BY_SPEC:
            return {"SigningAlgorithms": [ECDSA_BY_SPEC[spec]]}
        if spec == "ECC_NIST_EDWARDS25519":
            return {"SigningAlgorithms": ["ED25519_SHA_512", "ED25519_PH_SHA_512"]}
        if spec in ML_DSA_SPECS:
            return {"SigningAlgorithms": ["ML_DSA_SHAKE_256"]}
    if usage == "GENERATE_VERIFY_MAC":
        return {"MacAlgorithms": [HMAC_SPECS[spec]]}
    if usage == "KEY_AGREEMENT":
        return {"KeyAgreementAlgorithms": ["ECDH"]}
    if usage == "ENCAPSULATE_DECAPSULATE":
        return {"EncapsulationAlgorithms": ["ML_KEM"]}
    return {}
