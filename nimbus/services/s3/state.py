"""What every S3 operation module shares: the blob store, bucket lookup with the one access decision
each request makes, and object versions as stored records (S3's null-version rules)."""
from __future__ import annotations

import threading

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider
from nimbus.services.s3 import access, directory_rules, settings_rules
from nimbus.services.s3.common import (
    BUCKETS,
    annotation_prefix,
    annotations_ns,
    check_key_length,
    invalid_argument,
    no_such_bucket,
    no_such_key,
    no_such_version,
    objects_ns,
    versions_ns,
)
from nimbus.services.s3.cors import actual_request_headers
from nimbus.services.s3.documents import ANNOTATION, BUCKET, OBJECT_VERSION, Bucket, ObjectVersion
from nimbus.services.s3.records import SEP, new_version_id, next_seq, scan_prefix, version_key
from nimbus.services.s3.request_payer import check_request_payer
from nimbus.services.s3.storage import BlobStore


class S3State(BaseProvider):
    def __init__(self, runtime):
        super().__init__(runtime)
        self._blobs: BlobStore | None = None
        self._blobs_lock = threading.Lock()

    @property
    def blobs(self) -> BlobStore:
        """Object bytes, encrypted under ``<data_dir>/s3``; opened on first use."""
        if self._blobs is None:
            with self._blobs_lock:
                if self._blobs is None:
                    config = self.runtime.config
                    self._blobs = BlobStore(None if config.ephemeral else config.data_dir)
        return self._blobs

    # -- buckets and the access decision ----------------------------------------


    def _authorize(self, ctx: RequestContext, action: str, bucket: str | None = None, key: str | None = None,
                   record: ObjectVersion | None = None, bucket_record: Bucket | None = None) -> None:
        """Access control hook: every operation calls this once with its IAM action (``s3:GetObject``).

        Bucket policies, ACLs, Block Public Access and IAM decide here (access.py). A key too long
        for S3 is refused first: no policy is matched against it.
        """
        if key is not None:
            check_key_length(key)
        if bucket is not None and bucket_record is None and action != "s3:CreateBucket":
            bucket_record = BUCKET.get(self.store, BUCKETS, bucket)
            if bucket_record is None:
                raise no_such_bucket(bucket)
        directory_rules.check_request(ctx, action, bucket, bucket_record)
        settings_rules.check_tagging_allowed(ctx, bucket_record)
        settings_rules.apply_defaults(ctx, bucket_record)
        if record is None and bucket_record is not None and access.needs_record(bucket_record, key):
            record = OBJECT_VERSION.get(self.store, objects_ns(bucket), key)
        access.authorize(ctx, action, bucket_record, bucket, key, record)
        check_request_payer(ctx, bucket_record)

    def _missing_key(self, ctx: RequestContext, bucket: Bucket, key: str) -> ServiceError:
        """S3 tells a caller that a key does not exist only if it may list the bucket; else 403."""
        try:
            access.authorize(ctx, "s3:ListBucket", bucket, bucket["Name"], None)
        except ServiceError as denied:
            return denied
        return no_such_key(key)

    def _bucket(self, ctx: RequestContext, name: str, action: str | None = None, key: str | None = None) -> Bucket:
        bucket = BUCKET.get(self.store, BUCKETS, name)
        if bucket is None:
            raise no_such_bucket(name)
        if action:
            self._authorize(ctx, action, name, key, bucket_record=bucket)
            self._maybe_sweep(ctx, bucket)
        if ctx.request is not None and "origin" in ctx.request.headers:
            ctx.response.headers.update(actual_request_headers(bucket, ctx.request))
        return bucket

    def _maybe_sweep(self, ctx: RequestContext, bucket: Bucket) -> None:
        """Lifecycle rules are applied here (sweeper.py) before a bucket is used."""

    def _save_bucket(self, bucket: Bucket) -> None:
        BUCKET.put(self.store, BUCKETS, bucket["Name"], bucket)

    def _save_changed_bucket(self, ctx: RequestContext, bucket: Bucket) -> None:
        """Save a change of the bucket's configuration, and tell subscribers (AWS Config) of it."""
        self._save_bucket(bucket)
        name = bucket["Name"]
        ctx.emit_resource_change("AWS::S3::Bucket", f"arn:aws:s3:::{name}", "updated", lambda: {"BucketName": name})

    # -- object versions ----------------------------------------------------------

    def _latest(self, bucket: str, key: str) -> ObjectVersion | None:
        return OBJECT_VERSION.get(self.store, objects_ns(bucket), key)

    def _live(self, bucket: str, key: str) -> ObjectVersion | None:
        """The key's latest version unless it is a delete marker."""
        latest = self._latest(bucket, key)
        return None if latest is None or latest.get("DeleteMarker") else latest

    def _versions_of(self, bucket: str, key: str) -> list[ObjectVersion]:
        return [v for _, v in scan_prefix(self.store, OBJECT_VERSION, versions_ns(bucket), key + SEP)]

    def _find_version(self, bucket: str, key: str, version_id: str) -> ObjectVersion | None:
        return next((v for v in self._versions_of(bucket, key) if v["VersionId"] == version_id), None)

    def _add_version(self, bucket: Bucket, record: ObjectVersion) -> list[dict]:
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
                freed += old.get("Segments", []) + self._drop_annotations(name, old)
        OBJECT_VERSION.put(self.store, versions_ns(name), version_key(key, record["Seq"]), record)
        OBJECT_VERSION.put(self.store, objects_ns(name), key, record)
        return freed

    def _save_version(self, bucket_name: str, record: ObjectVersion) -> None:
        """Rewrite an existing version in place (tags, ACL), and the latest pointer if it is the latest."""
        key = record["Key"]
        OBJECT_VERSION.put(self.store, versions_ns(bucket_name), version_key(key, record["Seq"]), record)
        latest = self._latest(bucket_name, key)
        if latest and latest["VersionId"] == record["VersionId"]:
            OBJECT_VERSION.put(self.store, objects_ns(bucket_name), key, record)

    def _remove_version(self, bucket_name: str, record: ObjectVersion) -> list[dict]:
        """Delete one version for good (inside a transaction); the next newest becomes the latest."""
        key = record["Key"]
        self.store.delete(versions_ns(bucket_name), version_key(key, record["Seq"]))
        remaining = self._versions_of(bucket_name, key)
        if remaining:
            OBJECT_VERSION.put(self.store, objects_ns(bucket_name), key, remaining[0])
        else:
            self.store.delete(objects_ns(bucket_name), key)
        return record.get("Segments", []) + self._drop_annotations(bucket_name, record)

    def _drop_annotations(self, bucket_name: str, record: ObjectVersion) -> list[dict]:
        """Remove a version's annotations with it (inside its transaction); returns their segments to free."""
        if record.get("DeleteMarker"):
            return []
        ns = annotations_ns(bucket_name)
        rows = list(scan_prefix(self.store, ANNOTATION, ns, annotation_prefix(record)))
        for key, _ in rows:
            self.store.delete(ns, key)
        return [annotation["Segment"] for _, annotation in rows]

    def _delete_key(self, ctx, bucket: Bucket, key: str) -> tuple[ObjectVersion | None, list[dict]]:
        """DELETE without a version id: removes (unversioned) or hides behind a delete marker."""
        name, versioning = bucket["Name"], bucket.get("Versioning")
        if versioning is None:
            latest = self._latest(name, key)
            if latest is None:
                return None, []
            return None, self._remove_version(name, latest)
        marker = {"Key": key, "DeleteMarker": True, "LastModified": ctx.clock.time(), "Account": ctx.account_id}
        return marker, self._add_version(bucket, marker)

    def _read_version(self, ctx: RequestContext, params: dict, action: str) -> tuple[Bucket, ObjectVersion]:
        name, key, version_id = params["Bucket"], params["Key"], params.get("VersionId")
        bucket = self._bucket(ctx, name, action + ("Version" if version_id else ""), key)
        if version_id:
            record = self._find_version(name, key, version_id)
            if record is None:
                if version_id == "null" or len(version_id) >= 8:
                    raise no_such_version(key, version_id)
                raise invalid_argument("Invalid version id specified", "versionId", version_id)
            if record.get("DeleteMarker"):
                error = ServiceError("MethodNotAllowed", "The specified method is not allowed against this "
                                     "resource.", status=405, Method=ctx.request.method if ctx.request else "GET",
                                     ResourceType="DeleteMarker")
                error.headers.update({"x-amz-delete-marker": "true", "x-amz-version-id": version_id, "Allow": "DELETE"})
                raise error
        else:
            record = self._latest(name, key)
            if record is None:
                raise self._missing_key(ctx, bucket, key)
            if record.get("DeleteMarker"):
                error = no_such_key(key)
                error.headers.update({"x-amz-delete-marker": "true", "x-amz-version-id": record["VersionId"]})
                raise error
        return bucket, record
