"""Secrets at rest: the data dir's permissions, the master key, and the files only nimbus's user may read.

The master key is 32 random bytes in ``<data dir>/kms/master.key`` (mode 0600), created on first use
(the path predates this module: KMS was its first user); with ``--ephemeral`` it lives only in memory.
Everything sealed under it (KMS key material, IAM secret keys, session tokens) is AES-256-GCM bound, as
associated data, to what it belongs to, so a sealed value cannot be moved to another record in the store.

The data dir is 0700 and everything in it 0600: the process umask is 077 once nimbus owns a data dir,
so every file a service writes there is private without each one asking.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Any

from nimbus.core.ids import random_id, secret_access_key

MASTER_KEY_BYTES = 32
ADMIN_TOKEN_FILE = "admin.token"
ROOT_KEY_FILE = "root-credentials.json"
PRIVATE_UMASK = 0o077


def secure_data_dir(data_dir: str) -> None:
    """Create the data dir private to this user; tighten one an older nimbus left readable."""
    os.umask(PRIVATE_UMASK)
    path = Path(data_dir)
    path.mkdir(parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        # Once per data dir: afterwards the umask keeps it private.
        for folder, directories, files in os.walk(path):
            for name in directories:
                os.chmod(os.path.join(folder, name), 0o700)
            for name in files:
                os.chmod(os.path.join(folder, name), 0o600)
        path.chmod(0o700)


def write_private(path: Path, data: bytes, replace: bool = True, durable: bool = True) -> bool:
    """Write a 0600 file, durably unless told otherwise; with ``replace=False`` only if it does not exist yet
    (True if written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    target = path.with_name(path.name + ".tmp") if replace else path
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace else os.O_EXCL), 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        if durable:
            os.fsync(handle.fileno())
    if replace:
        os.replace(target, path)
    return True


def load_master_key(data_dir: str, ephemeral: bool) -> bytes:
    if ephemeral:
        return os.urandom(MASTER_KEY_BYTES)
    path = Path(data_dir) / "kms" / "master.key"
    if write_private(path, key := os.urandom(MASTER_KEY_BYTES), replace=False):
        return key
    key = path.read_bytes()
    if len(key) != MASTER_KEY_BYTES:
        raise RuntimeError(f"{path} is not a nimbus master key")
    return key


class Vault:
    def __init__(self, master_key: bytes):
        self._master_key = master_key
        self._cipher: Any = None

    @property
    def _aead(self):
        # cryptography (its Rust and OpenSSL, about 7 MiB) loads with the first secret sealed or read, not at
        # start-up: an idle server may never hold one (issue 19's idle RSS).
        if self._cipher is None:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM
            self._cipher = AESGCM(self._master_key)
        return self._cipher

    def seal(self, plaintext: bytes, binding: str) -> str:
        nonce = os.urandom(12)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, plaintext, binding.encode())).decode()

    def unseal(self, sealed: str, binding: str) -> bytes:
        raw = base64.b64decode(sealed)
        return self._aead.decrypt(raw[:12], raw[12:], binding.encode())


def new_admin_token(data_dir: str) -> str:
    """A fresh token for /_nimbus/ requests, written for the ``nimbus`` command at every start."""
    token = secrets.token_urlsafe(32)
    # Not synced to the disk (an fsync on every start's path): the token means nothing once its server is gone,
    # and the next start writes a new one.
    write_private(Path(data_dir) / ADMIN_TOKEN_FILE, token.encode(), durable=False)
    return token


def read_admin_token(data_dir: str) -> str | None:
    try:
        return (Path(data_dir) / ADMIN_TOKEN_FILE).read_text().strip() or None
    except OSError:
        return None


def root_key(data_dir: str) -> tuple[str, str]:
    """The default account root's (access key id, secret), generated on first use and kept in the data dir."""
    path = Path(data_dir) / ROOT_KEY_FILE
    fresh = {"aws_access_key_id": random_id("AKIA"), "aws_secret_access_key": secret_access_key()}
    write_private(path, json.dumps(fresh).encode(), replace=False)
    saved = json.loads(path.read_text())
    return saved["aws_access_key_id"], saved["aws_secret_access_key"]
