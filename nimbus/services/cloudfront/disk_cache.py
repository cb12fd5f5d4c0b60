"""The edge cache's disk tier: every cached object is also written under ``<data dir>/cloudfront-cache``,
so the cache survives a restart and holds more than memory does. Bounded by ``cloudfront_cache_disk_bytes``,
least recently used out first (the order is rebuilt from the files' times at start). Each file is sealed
with the server's master key and bound to its own name: cached copies of private objects are never
readable on disk, and no file can stand in for another."""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
from collections import OrderedDict
from pathlib import Path

from cryptography.exceptions import InvalidTag

from nimbus.core.secrets import Vault

from .cache import CachedObject

CACHE_DIR = "cloudfront-cache"
_SUFFIX = ".object"
_UNREADABLE = (OSError, ValueError, KeyError, InvalidTag)


class DiskTier:
    def __init__(self, data_dir: str, capacity: int, vault: Vault):
        self.root = Path(data_dir) / CACHE_DIR
        self.capacity = capacity
        self.used = 0
        self._vault = vault
        self._files: OrderedDict[tuple[str, str], tuple[Path, int]] = OrderedDict()
        self._lock = threading.Lock()  # the index; files are read and written outside it
        self.root.mkdir(parents=True, exist_ok=True)
        self._load()

    def keys(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._files)

    def get(self, distribution_id: str, key: str) -> CachedObject | None:
        with self._lock:
            found = self._files.get((distribution_id, key))
        if found is None:
            return None
        try:
            header, body = self._read(found[0], with_body=True)
            os.utime(found[0])  # the order the next start rebuilds
        except _UNREADABLE:
            self.drop(distribution_id, key)  # gone or damaged: a miss, as an evicted object is
            return None
        self.touch(distribution_id, key)
        return CachedObject(header["status"], [(k, v) for k, v in header["headers"]], body, header["stored_at"],
                            header["ttl"])

    def touch(self, distribution_id: str, key: str) -> None:
        """Most recently used now; skipped while a writer holds the index (hits on the event loop never wait)."""
        if self._lock.acquire(blocking=False):
            try:
                if (distribution_id, key) in self._files:
                    self._files.move_to_end((distribution_id, key))
            finally:
                self._lock.release()

    def put(self, distribution_id: str, key: str, entry: CachedObject) -> None:
        path = self._path(distribution_id, key)
        header = json.dumps({"distribution": distribution_id, "key": key, "status": entry.status,
                             "headers": entry.headers, "stored_at": entry.stored_at, "ttl": entry.ttl}).encode()
        sealed_header = self._vault.seal(header, f"{path.name}:header").encode()
        content = (len(sealed_header).to_bytes(4, "big") + sealed_header +
                   self._vault.seal(entry.body, f"{path.name}:body").encode())
        self.drop(distribution_id, key)
        if len(content) > self.capacity:
            return
        path.parent.mkdir(exist_ok=True)
        temporary = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(content)
        os.replace(temporary, path)
        self._add(distribution_id, key, path, len(content))

    def drop(self, distribution_id: str, key: str) -> None:
        with self._lock:
            found = self._files.pop((distribution_id, key), None)
            if found is not None:
                self.used -= found[1]
        if found is not None:
            found[0].unlink(missing_ok=True)

    def _add(self, distribution_id: str, key: str, path: Path, size: int) -> None:
        evicted = []
        with self._lock:
            previous = self._files.pop((distribution_id, key), None)
            if previous is not None:
                self.used -= previous[1]
            self._files[(distribution_id, key)] = (path, size)
            self.used += size
            while self.used > self.capacity:
                _, (old_path, old_size) = self._files.popitem(last=False)
                self.used -= old_size
                evicted.append(old_path)
        for old_path in evicted:
            old_path.unlink(missing_ok=True)

    def _path(self, distribution_id: str, key: str) -> Path:
        name = hashlib.sha256(f"{distribution_id}\x00{key}".encode()).hexdigest()
        return self.root / distribution_id / f"{name}{_SUFFIX}"

    def _read(self, path: Path, with_body: bool) -> tuple[dict, bytes]:
        """The header (and body) of a file, each checked by its seal to belong to this file's name."""
        with path.open("rb") as source:
            length = int.from_bytes(source.read(4), "big")
            header = json.loads(self._vault.unseal(source.read(length).decode(), f"{path.name}:header"))
            body = self._vault.unseal(source.read().decode(), f"{path.name}:body") if with_body else b""
        if self._path(header["distribution"], header["key"]) != path:
            raise ValueError(f"{path.name} holds another key's object")
        return header, body

    def _load(self) -> None:
        """Rebuild the index from the files a previous run left, least recently used first."""
        for leftover in self.root.glob(f"*/*{_SUFFIX}.*.tmp"):
            leftover.unlink(missing_ok=True)  # writes cut short
        found = []
        for path in self.root.glob(f"*/*{_SUFFIX}"):
            try:
                header, _ = self._read(path, with_body=False)
                found.append((path.stat().st_mtime, path, header))
            except _UNREADABLE:
                path.unlink(missing_ok=True)  # damaged, or sealed under another master key
        for _, path, header in sorted(found, key=lambda f: f[0]):
            self._add(header["distribution"], header["key"], path, path.stat().st_size)
