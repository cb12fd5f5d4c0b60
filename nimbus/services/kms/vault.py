"""Key material at rest: sealed under the nimbus master key, never stored in the clear.

The master key is 32 random bytes in ``<data dir>/kms/master.key`` (mode 0600), created on first
use; with ``--ephemeral`` it lives only in memory. Each sealed item is AES-256-GCM bound (as
associated data) to the key ARN and material id it belongs to, so sealed material cannot be
swapped between keys in the store.
"""
from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MASTER_KEY_BYTES = 32


def load_master_key(data_dir: str, ephemeral: bool) -> bytes:
    if ephemeral:
        return os.urandom(MASTER_KEY_BYTES)
    directory = Path(data_dir) / "kms"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "master.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes()
        if len(key) != MASTER_KEY_BYTES:
            raise RuntimeError(f"{path} is not a nimbus KMS master key") from None
        return key
    key = os.urandom(MASTER_KEY_BYTES)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
        handle.flush()
        os.fsync(handle.fileno())
    return key


class Vault:
    def __init__(self, master_key: bytes):
        self._aead = AESGCM(master_key)

    def seal(self, plaintext: bytes, binding: str) -> str:
        nonce = os.urandom(12)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, plaintext, binding.encode())).decode()

    def unseal(self, sealed: str, binding: str) -> bytes:
        raw = base64.b64decode(sealed)
        return self._aead.decrypt(raw[:12], raw[12:], binding.encode())
