"""AES-GCM cipher objects are made once per key and shared (core/aead.py)."""
from __future__ import annotations

import os

from nimbus.core.aead import aes_gcm


def test_one_cipher_per_key_sealing_as_a_fresh_one_would():
    key, other = os.urandom(32), os.urandom(32)
    assert aes_gcm(key) is aes_gcm(bytes(key))
    assert aes_gcm(other) is not aes_gcm(key)
    nonce = os.urandom(12)
    sealed = aes_gcm(key).encrypt(nonce, b"plaintext", b"header")
    assert aes_gcm(key).decrypt(nonce, sealed, b"header") == b"plaintext"
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    assert AESGCM(key).decrypt(nonce, sealed, b"header") == b"plaintext"
