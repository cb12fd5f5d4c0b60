"""The edge's cache: objects per distribution in memory, bounded in bytes, least recently used out first.

This slice keeps it in memory only: a restart empties it, as if every object had been evicted.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

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

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers)


class EdgeCache:
    def __init__(self, capacity: int):
        self.capacity = capacity
        self.used = 0
        self._objects: OrderedDict[tuple[str, str], CachedObject] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, distribution_id: str, key: str) -> CachedObject | None:
        with self._lock:
            found = self._objects.get((distribution_id, key))
            if found is not None:
                self._objects.move_to_end((distribution_id, key))
            return found

    def put(self, distribution_id: str, key: str, entry: CachedObject) -> None:
        if entry.size > self.capacity:
            return
        with self._lock:
            self._drop((distribution_id, key))
            self._objects[(distribution_id, key)] = entry
            self.used += entry.size
            while self.used > self.capacity:
                self._drop(next(iter(self._objects)))

    def invalidate(self, distribution_id: str, paths: list[str]) -> None:
        """Evict the objects the invalidation paths name: exactly, or by prefix before a trailing ``*``."""
        with self._lock:
            for cached in [k for k in self._objects if k[0] == distribution_id]:
                if any(_matches(path, cached[1]) for path in paths):
                    self._drop(cached)

    def forget(self, distribution_id: str) -> None:
        self.invalidate(distribution_id, ["/*"])

    def _drop(self, cached: tuple[str, str]) -> None:
        entry = self._objects.pop(cached, None)
        if entry is not None:
            self.used -= entry.size


def variant_key(key: str, method: str, encoding: str | None) -> str:
    """The key of one variant of a cached path: a cached OPTIONS and each compressed encoding are entries of
    their own, which invalidating the path evicts with it."""
    return key + "".join(f"{_VARIANT}{part}" for part in (method if method != "GET" else None, encoding) if part)


def _matches(path: str, key: str) -> bool:
    key = key.split(_VARIANT, 1)[0]
    if path.endswith("*"):
        return key.startswith(path[:-1])
    return key == path
