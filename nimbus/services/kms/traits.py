"""KMS's place in the shared request path: its cryptographic operations read a key and write nothing, so any front
worker (``--workers N``) answers them; the symmetric ones take microseconds, so they run on the event loop
(gateway/on_loop.py) rather than waiting for a worker thread."""
from __future__ import annotations

from nimbus.core.traits import ServiceTraits

TRAITS = ServiceTraits(answers_in_any_worker=frozenset({
    "Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
    "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "GenerateRandom", "DescribeKey",
}),
    runs_on_event_loop=frozenset({"Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey",
                                  "GenerateDataKeyWithoutPlaintext", "GenerateRandom", "DescribeKey"}))
