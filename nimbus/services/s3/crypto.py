"""SSE-S3: every object is encrypted at rest with AES-256-CTR under a key nimbus keeps in the data dir.

CTR keeps range reads cheap: decryption can start at any 16-byte block. Each blob has
its own random 16-byte initial counter, stored in the blob's metadata.
"""
from __future__ import annotations

import os

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 16


def load_master_key(directory: str | None) -> bytes:
    """The 256-bit SSE-S3 key, created on first use with mode 0600; in memory only when ephemeral."""
    if directory is None:
        return os.urandom(32)
    path = os.path.join(directory, "sse-s3.key")
    try:
        with open(path, "rb") as handle:
            key = handle.read()
        if len(key) == 32:
            return key
    except FileNotFoundError:
        pass
    key = os.urandom(32)
    temp = path + ".tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    return key


def new_nonce() -> bytes:
    return os.urandom(BLOCK)


def _counter_at(nonce: bytes, offset: int) -> bytes:
    value = (int.from_bytes(nonce, "big") + offset // BLOCK) % (1 << 128)
    return value.to_bytes(BLOCK, "big")


def encryptor(key: bytes, nonce: bytes):
    return Cipher(algorithms.AES(key), modes.CTR(nonce)).encryptor()


def decryptor_at(key: bytes, nonce: bytes, offset: int):
    """A decryptor positioned at byte ``offset`` of the plaintext."""
    cipher = Cipher(algorithms.AES(key), modes.CTR(_counter_at(nonce, offset))).decryptor()
    skip = offset % BLOCK
    if skip:
        cipher.update(bytes(skip))
    return cipher
