"""Objects: put, get, head, delete, delete-multiple and copy."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote

from nimbus.core.context import RequestContext
from nimbus.core.needs_thread import NeedsThread, on_event_loop
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.access_ops import new_object_acl
from nimbus.services.s3.append import append_object
from nimbus.services.s3.archive import archive_output, check_readable
from nimbus.services.s3.common import invalid_argument, malformed_xml
from nimbus.services.s3.documents import Bucket, ObjectVersion
from nimbus.services.s3.encryption import data_key, encryption_for, sse_output
from nimbus.services.s3.http_rules import byte_range, check_conditions, check_delete_conditions, check_write_conditions
from nimbus.services.s3.ingest import IterReader, checksum_output, ingest, object_checksum_output
from nimbus.services.s3.lifecycle import expiration_header
from nimbus.services.s3.notifications import notify
from nimbus.services.s3.object_lock import check_unlocked, lock_for_new_version, lock_output
from nimbus.services.s3.state import S3State
from nimbus.services.s3.storage import CHUNK

# Headers stored with an object and returned on GET/HEAD, by model member name.
CONTENT_MEMBERS = ("ContentType", "ContentEncoding", "ContentDisposition", "ContentLanguage", "CacheControl",
                   "WebsiteRedirectLocation")
_OVERRIDES = {"ResponseContentType": "ContentType", "ResponseContentEncoding": "ContentEncoding",
              "ResponseContentDisposition": "ContentDisposition", "ResponseContentLanguage": "ContentLanguage",
              "ResponseCacheControl": "CacheControl"}
# What an HTTP/1.1 header value may hold: tab, visible Latin-1 and space; no CR/LF (header injection).
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")
_MAX_META = 2048
# The largest body a GET answers on the event loop (gateway/on_loop.py), read from the page cache only: reading
# and decrypting 64 KiB takes about 30 µs; a larger one goes to a worker thread.
LOOP_BODY_BYTES = 64 * 1024


def _check_overrides(params: dict) -> None:
    """``response-*`` query values become response headers, so each must be a valid header value."""
    for member in _OVERRIDES:
        value = params.get(member)
        if value and not _HEADER_VALUE.fullmatch(value):
            wire = re.sub(r"(?<!^)(?=[A-Z])", "-", member).lower()  # ResponseCacheControl: response-cache-control
            raise invalid_argument("Header value cannot be represented using ISO-8859-1.", wire, value)


def parse_tagging(text: str | None) -> list[dict]:
    """The ``x-amz-tagging`` header: a URL-encoded query string of tags."""
    if not text:
        return []
    return [{"Key": k, "Value": v} for k, v in parse_qsl(text, keep_blank_values=True)]


def object_headers(params: dict) -> dict:
    record = {name: params[name] for name in CONTENT_MEMBERS if params.get(name) is not None}
    record.setdefault("ContentType", "binary/octet-stream")
    if params.get("Expires") is not None:
        record["Expires"] = params["Expires"].timestamp()
    metadata = params.get("Metadata") or {}
    if sum(len(k) + len(v) for k, v in metadata.items()) > _MAX_META:
        raise ServiceError("MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.",
                           status=400)
    record["Metadata"] = metadata
    record["StorageClass"] = params.get("StorageClass") or "STANDARD"
    return record


def describe(record: ObjectVersion, bucket: Bucket) -> dict:
    """GET/HEAD output members of a version."""
    output = {name: record[name] for name in CONTENT_MEMBERS if record.get(name) is not None}
    output.update(ETag=record["ETag"], LastModified=timestamp(record["LastModified"]),
                  ContentLength=record["Size"], Metadata=record.get("Metadata") or {}, AcceptRanges="bytes",
                  **sse_output(record))
    if record.get("Expires") is not None:
        output["Expires"] = timestamp(record["Expires"])
    if record.get("StorageClass", "STANDARD") != "STANDARD":
        output["StorageClass"] = record["StorageClass"]
    if bucket.get("Versioning"):
        output["VersionId"] = record["VersionId"]
    if record.get("Tags"):
        output["TagCount"] = len(record["Tags"])
    if record.get("ReplicationStatus"):
        output["ReplicationStatus"] = record["ReplicationStatus"]
    output.update(lock_output(record))
    rules = (bucket.get("Config") or {}).get("Lifecycle")
    if rules:
        output["Expiration"] = expiration_header(rules, record)
    return output


def parse_copy_source(source: str) -> tuple[str, str, str | None]:
    path, _, query = source.partition("?")
    path = unquote(path).lstrip("/")
    bucket, _, key = path.partition("/")
    version = dict(parse_qsl(query)).get("versionId")
    if not bucket or not key:
        raise invalid_argument("Invalid copy source object key", "x-amz-copy-source", source)
    return bucket, key, version


class ObjectOps(S3State):
    def put_object(self, ctx: RequestContext, params: dict) -> dict:
        name, key = params["Bucket"], params["Key"]
        bucket = self._bucket(ctx, name, "s3:PutObject", key)
        if params.get("WriteOffsetBytes") is not None:
            appended = append_object(self, ctx, params, bucket)
            if appended is not None:
                return appended
        record = object_headers(params)
        record["Tags"] = parse_tagging(params.get("Tagging"))
        record.update(new_object_acl(ctx, bucket, params))
        record.update(lock_for_new_version(ctx, bucket, params))
        sse = encryption_for(ctx, bucket, params, key)
        written, values = ingest(self.blobs, params, params.get("Body"), ctx.request.headers if ctx.request else None,
                                 params.get("ContentLength"), sse.data_key)
        record.update(Key=key, Segments=[written.segment], Size=written.size, ETag=f'"{written.md5.hex()}"',
                      LastModified=ctx.clock.time(), Checksums=values, Account=ctx.account_id, **sse.record)
        try:
            with self.store.transaction():
                bucket = self._bucket(ctx, name)
                check_write_conditions(params, self._live(name, key))
                freed = self._add_version(bucket, record)
        except BaseException:
            self.blobs.delete([written.segment])
            raise
        self.blobs.delete(freed)
        notify(ctx, bucket, "s3:ObjectCreated:Put", key, record)
        output = {"ETag": record["ETag"], "Size": written.size, **sse.output, **object_checksum_output(values)}
        if bucket.get("Versioning"):
            output["VersionId"] = record["VersionId"]
        return output

    def get_object(self, ctx: RequestContext, params: dict) -> dict:
        _check_overrides(params)
        bucket, record = self._read_version(ctx, params, "s3:GetObject")
        check_readable(bucket, record, ctx.clock.time())
        return self._serve(ctx, params, bucket, record, body=True)

    def head_object(self, ctx: RequestContext, params: dict) -> dict:
        _check_overrides(params)
        bucket, record = self._read_version(ctx, params, "s3:GetObject")
        return self._serve(ctx, params, bucket, record, body=False)

    def _serve(self, ctx: RequestContext, params: dict, bucket: Bucket, record: ObjectVersion, body: bool) -> dict:
        check_conditions(params, record)
        output = describe(record, bucket)
        output.update(archive_output(bucket, record, ctx.clock.time()))
        size = record["Size"]
        first, last = 0, size - 1
        part = params.get("PartNumber")
        if part is not None:
            first, last = self._part_bounds(record, part)
            output["PartsCount"] = len(record.get("PartSizes") or [size])
        else:
            chosen = byte_range(params.get("Range"), size)
            if chosen is not None:
                first, last = chosen
        ranged = part is not None or byte_range(params.get("Range"), size) is not None
        if ranged:
            output["ContentRange"] = f"bytes {first}-{last}/{size}"
            ctx.response.status = 206
        output["ContentLength"] = max(0, last - first + 1)
        if params.get("ChecksumMode") == "ENABLED" and not ranged:
            output.update(object_checksum_output(record.get("Checksums") or {}))
        for override, member in _OVERRIDES.items():
            if params.get(override):
                output[member] = params[override]
        if params.get("ResponseExpires"):
            output["Expires"] = params["ResponseExpires"]
        if body:
            on_loop = on_event_loop(ctx)
            if on_loop and output["ContentLength"] > LOOP_BODY_BYTES:
                raise NeedsThread("a large body")
            chunks = self.blobs.read(record["Segments"], first, last, data_key(ctx, bucket, record),
                                     cached_only=on_loop) if size else iter(())
            # A body of one chunk goes out as bytes (the stream would hold as much): a stream costs the web server a
            # thread hop per chunk, one to learn it ended and one to close it.
            output["Body"] = b"".join(chunks) if output["ContentLength"] <= CHUNK else chunks
        return output

    @staticmethod
    def _part_bounds(record: ObjectVersion, part: int) -> tuple[int, int]:
        sizes = record.get("PartSizes") or [record["Size"]]
        if part < 1 or part > len(sizes):
            raise ServiceError("InvalidPartNumber", "The requested partnumber is not satisfiable", status=416,
                               PartNumberRequested=str(part), ActualPartCount=str(len(sizes)))
        first = sum(sizes[:part - 1])
        return first, first + sizes[part - 1] - 1

    def delete_object(self, ctx: RequestContext, params: dict) -> dict:
        name, key, version_id = params["Bucket"], params["Key"], params.get("VersionId")
        action = "s3:DeleteObjectVersion" if version_id else "s3:DeleteObject"
        with self.store.transaction():
            bucket = self._bucket(ctx, name, action, key)
            target = self._find_version(name, key, version_id) if version_id else self._live(name, key)
            check_delete_conditions(params, None if target is None or target.get("DeleteMarker") else target)
            output, freed = self._delete_one(ctx, bucket, key, version_id,
                                             bool(params.get("BypassGovernanceRetention")))
        self.blobs.delete(freed)
        notify(ctx, bucket, _removed_event(output, version_id), key, output)
        return output

    def _delete_one(self, ctx: RequestContext, bucket: Bucket, key: str, version_id: str | None,
                    bypass: bool = False):
        if version_id:
            record = self._find_version(bucket["Name"], key, version_id)
            if record is None:
                return {"VersionId": version_id}, []
            check_unlocked(self, ctx, bucket, record, bypass)
            freed = self._remove_version(bucket["Name"], record)
            output = {"VersionId": version_id}
            if record.get("DeleteMarker"):
                output["DeleteMarker"] = True
            return output, freed
        marker, freed = self._delete_key(ctx, bucket, key)
        if marker is None:
            return {}, freed
        return {"DeleteMarker": True, "VersionId": marker["VersionId"]}, freed

    def delete_objects(self, ctx: RequestContext, params: dict) -> dict:
        name = params["Bucket"]
        request = params.get("Delete") or {}
        items = request.get("Objects") or []
        if not items or len(items) > 1000:
            raise malformed_xml()
        deleted, errors, freed = [], [], []
        with self.store.transaction():
            bucket = self._bucket(ctx, name)
            for item in items:
                key, version_id = item["Key"], item.get("VersionId")
                try:  # a key the caller may not delete is reported in Errors, as S3 does
                    self._authorize(ctx, "s3:DeleteObjectVersion" if version_id else "s3:DeleteObject", name, key,
                                    bucket_record=bucket)
                    output, gone = self._delete_one(ctx, bucket, key, version_id,
                                                    bool(params.get("BypassGovernanceRetention")))
                except ServiceError as exc:
                    errors.append({"Key": key, "Code": exc.code, "Message": exc.message,
                                   **({"VersionId": version_id} if version_id else {})})
                    continue
                freed += gone
                entry = {"Key": key}
                if version_id:
                    entry["VersionId"] = version_id
                    if output.get("DeleteMarker"):
                        entry.update(DeleteMarker=True, DeleteMarkerVersionId=version_id)
                elif output.get("DeleteMarker"):
                    entry.update(DeleteMarker=True, DeleteMarkerVersionId=output["VersionId"])
                deleted.append(entry)
        self.blobs.delete(freed)
        for entry in deleted:
            notify(ctx, bucket, _removed_event(entry, entry.get("VersionId")), entry["Key"], entry)
        return {"Deleted": [] if request.get("Quiet") else deleted, "Errors": errors}

    def copy_object(self, ctx: RequestContext, params: dict) -> dict:
        name, key = params["Bucket"], params["Key"]
        src_bucket_name, src_key, src_version = parse_copy_source(params["CopySource"])
        bucket = self._bucket(ctx, name, "s3:PutObject", key)
        src_bucket, source = self._read_version(
            ctx, {"Bucket": src_bucket_name, "Key": src_key, "VersionId": src_version}, "s3:GetObject")
        check_conditions(params, source, prefix="CopySourceIf")
        check_readable(src_bucket, source, ctx.clock.time())
        replace = params.get("MetadataDirective") == "REPLACE"
        if replace:
            record = object_headers(params)
        else:
            record = {k: source[k] for k in (*CONTENT_MEMBERS, "Expires", "Metadata") if k in source}
            record["StorageClass"] = params.get("StorageClass") or source.get("StorageClass", "STANDARD")
        same = (src_bucket_name, src_key) == (name, key) and not src_version
        if same and not replace and not params.get("StorageClass") and not params.get("ServerSideEncryption") \
                and not params.get("WebsiteRedirectLocation"):
            raise ServiceError("InvalidRequest", "This copy request is illegal because it is trying to copy an "
                               "object to itself without changing the object's metadata, storage class, website "
                               "redirect location or encryption attributes.", status=400)
        record["Tags"] = parse_tagging(params.get("Tagging")) if params.get("TaggingDirective") == "REPLACE" \
            else list(source.get("Tags") or [])
        record.update(new_object_acl(ctx, bucket, params))
        record.update(lock_for_new_version(ctx, bucket, params))
        sse = encryption_for(ctx, bucket, params, key)
        # Without a requested algorithm the copy keeps the source's (the last one it recorded).
        algorithm = params.get("ChecksumAlgorithm") or next(reversed(source.get("Checksums") or {}), None)
        copy_params = {"ChecksumAlgorithm": algorithm} if algorithm else {}
        source_key = data_key(ctx, src_bucket, source)
        plaintext = IterReader(self.blobs.read(source["Segments"], key=source_key))
        written, values = ingest(self.blobs, copy_params, plaintext, data_key=sse.data_key)
        record.update(Key=key, Segments=[written.segment], Size=written.size, ETag=f'"{written.md5.hex()}"',
                      LastModified=ctx.clock.time(), Checksums=values, Account=ctx.account_id, **sse.record)
        try:
            with self.store.transaction():
                bucket = self._bucket(ctx, name)
                check_write_conditions(params, self._live(name, key))
                freed = self._add_version(bucket, record)
        except BaseException:
            self.blobs.delete([written.segment])
            raise
        self.blobs.delete(freed)
        notify(ctx, bucket, "s3:ObjectCreated:Copy", key, record)
        output = {"CopyObjectResult": {"ETag": record["ETag"], "LastModified": timestamp(record["LastModified"]),
                                       **checksum_output(values)},
                  **sse.output}
        if bucket.get("Versioning"):
            output["VersionId"] = record["VersionId"]
        if src_bucket.get("Versioning"):
            output["CopySourceVersionId"] = source["VersionId"]
        return output


def _removed_event(output: dict, version_id: str | None) -> str:
    """A delete without a version id on a versioned bucket only hides the object behind a marker."""
    if output.get("DeleteMarker") and not version_id:
        return "s3:ObjectRemoved:DeleteMarkerCreated"
    return "s3:ObjectRemoved:Delete"
