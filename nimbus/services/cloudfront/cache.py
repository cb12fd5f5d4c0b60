"""The edge's cache: objects per distribution in memory, bounded in bytes, least recently used out first,
over a disk tier (``disk_cache.py``) that holds more and survives restarts (none with ``--ephemeral``)."""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nimbus.protocol.http import Headers

if TYPE_CHECKING:
    from .disk_cache import DiskTier

_VARIANT = "\x00"  # never in a path or query string the edge keys on


@dataclass
class CachedObject:
    status: int
    headers: list[tuple[str, str]]  # the origin's headers, as the viewer gets them
    body: bytes
    stored_at: float  # virtual time the edge got (or revalidated) it from the origin
    ttl: float

    def fresh(self, now: float) -> bool:
        return now < self.stored_at + self.ttl

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name), None)

    def viewer_headers(self) -> Headers:
        """A response's own copy of the object's headers with its Content-Length (prepared once per object:
        every hit needs them)."""
        prepared = self.__dict__.get("_prepared")
        if prepared is None:
            prepared = self.__dict__["_prepared"] = Headers(self.headers)
            prepared["content-length"] = str(len(self.body))
        copy = Headers()
        dict.update(copy, prepared)  # keys are lower case already
        return copy

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers)


class EdgeCache:
    """Memory holds the most recently used objects within ``capacity``; the disk tier, when there is one,
    holds every object (within its own bound), so an object memory lets go of is still a hit."""

    def __init__(self, capacity: int, disk: DiskTier | None = None):
        self.capacity = capacity
        self.used = 0
        self.disk = disk
        self._objects: OrderedDict[tuple[str, str], CachedObject] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, distribution_id: str, key: str, from_disk: bool = True) -> CachedObject | None:
        """The object, from memory or else (``from_disk``) from the disk tier. Disk work happens outside the
        memory lock, which the event loop's hits take too."""
        with self._lock:
            found = self._objects.get((distribution_id, key))
            if found is not None:
                self._objects.move_to_end((distribution_id, key))
        if found is not None:
            if self.disk is not None:
                self.disk.touch(distribution_id, key)
            return found
        found = None if self.disk is None or not from_disk else self.disk.get(distribution_id, key)
        if found is not None:
            with self._lock:
                self._drop((distribution_id, key))
                self._hold((distribution_id, key), found)
        return found

    def put(self, distribution_id: str, key: str, entry: CachedObject) -> None:
        if self.disk is not None:
            self.disk.put(distribution_id, key, entry)
        with self._lock:
            self._drop((distribution_id, key))
            self._hold((distribution_id, key), entry)

    def invalidate(self, distribution_id: str, paths: list[str]) -> None:
        """Evict the objects the invalidation paths name: exactly, or by prefix before a trailing ``*``."""
        with self._lock:
            for cached in [k for k in self._objects if k[0] == distribution_id]:
                if any(_matches(path, cached[1]) for path in paths):
                    self._drop(cached)
        if self.disk is not None:
            for cached in [k for k in self.disk.keys() if k[0] == distribution_id]:
                if any(_matches(path, cached[1]) for path in paths):
                    self.disk.drop(*cached)

    def forget(self, distribution_id: str) -> None:
        self.invalidate(distribution_id, ["/*"])

    def _hold(self, cached: tuple[str, str], entry: CachedObject) -> None:
        """Keep ``entry`` in memory, letting the least recently used go (they stay on disk)."""
        if entry.size > self.capacity:
            return
        self._objects[cached] = entry
        self.used += entry.size
        while self.used > self.capacity:
            self._drop(next(iter(self._objects)))

    def _drop(self, cached: tuple[str, str]) -> None:
        entry = self._objects.pop(cached, None)
        if entry is not None:
            self.used -= entry.size


def variant_key(key: str, method: str, encoding: str | None, *headers: str) -> str:
    """The key of one variant of a cached path: a cached OPTIONS, each compressed encoding and each value of
    a header in the key are entries of their own, which invalidating the path evicts with it."""
    parts = (method if method != "GET" else None, encoding, *headers)
    return key + "".join(f"{_VARIANT}{part}" for part in parts if part)


def _matches(path: str, key: str) -> bool:
    key = key.split(_VARIANT, 1)[0]
    if path.endswith("*"):
        return key.startswith(path[:-1])
    return key.split("\n", 1)[0] == path  # every variant by header, cookie or encoding
