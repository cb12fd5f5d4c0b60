"""SSE-S3: every object is encrypted at rest with AES-256-CTR (core/stream_cipher.py) under a key nimbus keeps in
the data dir, directly, or through a blob key of its own wrapped under it (an upload encrypted as it arrived).
Each blob has its own random 16-byte initial counter, stored in the blob's metadata.
"""
from __future__ import annotations

import os

from nimbus.core.stream_cipher import decryptor_at, encryptor, new_key, new_nonce, unwrap_key, wrap_key

__all__ = ["decryptor_at", "encryptor", "load_master_key", "new_key", "new_nonce", "unwrap_key", "wrap_key"]


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
