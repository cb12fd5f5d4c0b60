"""KMS's place in the shared request path: its cryptographic operations read a key and write nothing, so any front
worker (``--workers N``) answers them."""
from __future__ import annotations

from nimbus.core.traits import ServiceTraits

TRAITS = ServiceTraits(answers_in_any_worker=frozenset({
    "Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
    "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "GenerateRandom", "DescribeKey",
}))
