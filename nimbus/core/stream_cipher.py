"""AES-256-CTR for bytes at rest, and AES key wrap (RFC 3394) for the keys that encrypt them.

CTR keeps range reads cheap: decryption can start at any 16-byte block. Each stream has its own random 16-byte
initial counter (its nonce). A stream encrypted under a fresh key of its own before anyone knew which key it
belongs under (an upload, as it arrives) keeps that key wrapped under the right one, so the bytes never have to
be encrypted again.
"""
from __future__ import annotations

import os

# cryptography (and its own OpenSSL, ~10 MiB) loads with the first stream, not with the gateway that imports this.

BLOCK = 16
KEY_SIZE = 32


def new_key() -> bytes:
    return os.urandom(KEY_SIZE)


def new_nonce() -> bytes:
    return os.urandom(BLOCK)


def _counter_at(nonce: bytes, offset: int) -> bytes:
    value = (int.from_bytes(nonce, "big") + offset // BLOCK) % (1 << 128)
    return value.to_bytes(BLOCK, "big")


def encryptor(key: bytes, nonce: bytes):
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    return Cipher(algorithms.AES(key), modes.CTR(nonce)).encryptor()


def decryptor_at(key: bytes, nonce: bytes, offset: int):
    """A decryptor positioned at byte ``offset`` of the plaintext."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    cipher = Cipher(algorithms.AES(key), modes.CTR(_counter_at(nonce, offset))).decryptor()
    skip = offset % BLOCK
    if skip:
        cipher.update(bytes(skip))
    return cipher


def wrap_key(wrapping_key: bytes, key: bytes) -> bytes:
    from cryptography.hazmat.primitives.keywrap import aes_key_wrap
    return aes_key_wrap(wrapping_key, key)


def unwrap_key(wrapping_key: bytes, wrapped: bytes) -> bytes:
    """The key ``wrap_key`` wrapped; raises ``InvalidUnwrap`` under any other wrapping key (the wrap is checked)."""
    from cryptography.hazmat.primitives.keywrap import aes_key_unwrap
    return aes_key_unwrap(wrapping_key, wrapped)
