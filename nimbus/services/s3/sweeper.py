"""Applies lifecycle rules: removes expired objects and stale multipart uploads."""
from __future__ import annotations

import threading

from nimbus.core.context import RequestContext
from nimbus.core.needs_thread import leave_event_loop
from nimbus.services.s3 import lifecycle
from nimbus.services.s3.archive import transition
from nimbus.services.s3.common import BUCKETS, objects_ns, parts_ns, uploads_ns
from nimbus.services.s3.documents import BUCKET, MULTIPART_UPLOAD, OBJECT_VERSION, PART, Bucket, ObjectVersion
from nimbus.services.s3.records import scan_prefix
from nimbus.services.s3.state import S3State


class SweeperOps(S3State):
    def __init__(self, runtime):
        super().__init__(runtime)
        self._swept: dict[str, float] = {}  # bucket name -> when its rules last ran (virtual time)
        self._sweep_lock = threading.Lock()
        self.on_clock_advance(self._sweep_all)

    def _sweep_all(self) -> None:
        self._swept.clear()
        for _, bucket in BUCKET.scan(self.store, BUCKETS):
            if (bucket.get("Config") or {}).get("Lifecycle"):
                self._sweep(bucket)

    def _maybe_sweep(self, ctx: RequestContext, bucket: Bucket) -> None:
        if not (bucket.get("Config") or {}).get("Lifecycle"):
            return
        now = self.clock.time()
        if now - self._swept.get(bucket["Name"], float("-inf")) >= lifecycle.SWEEP_EVERY:
            leave_event_loop(ctx, "a lifecycle sweep")  # it walks the bucket's objects and writes
            self._sweep(bucket)

    def _sweep(self, bucket: Bucket) -> None:
        with self._sweep_lock:
            now = self.clock.time()
            self._swept[bucket["Name"]] = now
            rules = bucket["Config"]["Lifecycle"]
            name, freed = bucket["Name"], []
            with self.store.transaction():
                for _key, record in list(scan_prefix(self.store, OBJECT_VERSION, objects_ns(name))):
                    if record.get("DeleteMarker"):
                        continue
                    found = lifecycle.first_expiry(rules, record)
                    if found is not None and found[0] <= now:
                        freed += self._expire(bucket, record, now)
                    elif (colder := transition(rules, record, now)) is not None:
                        self._save_version(name, {**record, "StorageClass": colder})
                freed += self._abort_stale_uploads(name, rules, now)
            self.blobs.delete(freed)

    def _expire(self, bucket: Bucket, record: ObjectVersion, now: float) -> list[dict]:
        if bucket.get("Versioning"):
            marker = {"Key": record["Key"], "DeleteMarker": True, "LastModified": now,
                      "Account": record.get("Account")}
            return self._add_version(bucket, marker)
        return self._remove_version(bucket["Name"], record)

    def _abort_stale_uploads(self, name: str, rules: list[dict], now: float) -> list[dict]:
        freed = []
        for upload_id, upload in MULTIPART_UPLOAD.scan(self.store, uploads_ns(name)):
            for rule in rules:
                days = (rule.get("AbortIncompleteMultipartUpload") or {}).get("DaysAfterInitiation")
                if days is None or not lifecycle.applies(rule, {"Key": upload["Key"]}):
                    continue
                if upload["Initiated"] + days * lifecycle.DAY <= now:
                    freed += [p["Segment"] for _, p in PART.scan(self.store, parts_ns(upload_id))]
                    self.store.delete_namespace(parts_ns(upload_id))
                    self.store.delete(uploads_ns(name), upload_id)
                    break
        return freed
