"""Object versions in the store: the latest per key, every version, and S3's null-version rules."""
from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator

from nimbus.services.s3.common import S3Base, objects_ns, versions_ns

_SEQ_LOCK = threading.Lock()
_LAST_SEQ = [0]
_TOP = 1 << 62
_SEP = "\x01"


def next_seq() -> int:
    """Strictly increasing across the process and restarts: orders a key's versions, newest first."""
    with _SEQ_LOCK:
        _LAST_SEQ[0] = max(time.time_ns(), _LAST_SEQ[0] + 1)  # ordering only, not behaviour: real time is fine
        return _LAST_SEQ[0]


def version_key(key: str, seq: int) -> str:
    return f"{key}{_SEP}{_TOP - seq:019d}"


def new_version_id() -> str:
    return secrets.token_urlsafe(24)


def _before(prefix: str) -> str | None:
    """A string just below every string that starts with ``prefix``."""
    if not prefix:
        return None
    last = ord(prefix[-1])
    return prefix[:-1] + (chr(last - 1) + "\U0010ffff" if last else "")


def scan_prefix(store, ns, prefix: str = "", after: str | None = None, batch: int = 8) -> Iterator[tuple[str, dict]]:
    """Documents whose key starts with ``prefix``, after ``after``, in UTF-8 binary key order.

    Read in batches that start small (a key usually has one or two versions) and double up to 1000.
    """
    cursor = _before(prefix)
    if after is not None and (cursor is None or after > cursor):
        cursor = after
    batch //= 2
    while True:
        batch = min(batch * 2, 1000)
        rows = store.scan(ns, start_after=cursor, limit=batch)
        for key, value in rows:
            if key.startswith(prefix):
                yield key, value
            elif key > prefix:
                return
        if len(rows) < batch:
            return
        cursor = rows[-1][0]


class RecordsMixin(S3Base):
    def _latest(self, bucket: str, key: str) -> dict | None:
        return self.store.get(objects_ns(bucket), key)

    def _versions_of(self, bucket: str, key: str) -> list[dict]:
        return [v for _, v in scan_prefix(self.store, versions_ns(bucket), key + _SEP)]

    def _find_version(self, bucket: str, key: str, version_id: str) -> dict | None:
        return next((v for v in self._versions_of(bucket, key) if v["VersionId"] == version_id), None)

    def _add_version(self, bucket: dict, record: dict) -> list[dict]:
        """Make ``record`` the key's latest version (call inside a transaction); returns segments to free."""
        name, key = bucket["Name"], record["Key"]
        freed: list[dict] = []
        record["Seq"] = next_seq()
        if bucket.get("Versioning") == "Enabled":
            record["VersionId"] = new_version_id()
        else:
            record["VersionId"] = "null"
            old = self._find_version(name, key, "null")
            if old is not None:  # a new null version replaces the old one
                self.store.delete(versions_ns(name), version_key(key, old["Seq"]))
                freed += old.get("Segments", [])
        self.store.put(versions_ns(name), version_key(key, record["Seq"]), record)
        self.store.put(objects_ns(name), key, record)
        return freed

    def _save_version(self, bucket_name: str, record: dict) -> None:
        """Rewrite an existing version in place (tags, ACL), and the latest pointer if it is the latest."""
        key = record["Key"]
        self.store.put(versions_ns(bucket_name), version_key(key, record["Seq"]), record)
        latest = self._latest(bucket_name, key)
        if latest and latest["VersionId"] == record["VersionId"]:
            self.store.put(objects_ns(bucket_name), key, record)

    def _remove_version(self, bucket_name: str, record: dict) -> list[dict]:
        """Delete one version for good (inside a transaction); the next newest becomes the latest."""
        key = record["Key"]
        self.store.delete(versions_ns(bucket_name), version_key(key, record["Seq"]))
        remaining = self._versions_of(bucket_name, key)
        if remaining:
            self.store.put(objects_ns(bucket_name), key, remaining[0])
        else:
            self.store.delete(objects_ns(bucket_name), key)
        return record.get("Segments", [])

    def _delete_key(self, ctx, bucket: dict, key: str) -> tuple[dict | None, list[dict]]:
        """DELETE without a version id: removes (unversioned) or hides behind a delete marker."""
        name, versioning = bucket["Name"], bucket.get("Versioning")
        if versioning is None:
            latest = self._latest(name, key)
            if latest is None:
                return None, []
            return None, self._remove_version(name, latest)
        marker = {"Key": key, "DeleteMarker": True, "LastModified": ctx.clock.time(), "Account": ctx.account_id}
        return marker, self._add_version(bucket, marker)
