"""ListObjects, ListObjectsV2 and ListObjectVersions: prefix, delimiter, markers and tokens, in key order."""
from __future__ import annotations

from urllib.parse import quote, unquote

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.services.s3.buckets import owner
from nimbus.services.s3.common import invalid_argument, objects_ns, versions_ns
from nimbus.services.s3.documents import OBJECT_VERSION
from nimbus.services.s3.list_tokens import continuation_token, resume_after
from nimbus.services.s3.records import scan_prefix
from nimbus.services.s3.state import S3State

_LAST_CHAR = "\U0010ffff"


def _encode(value: str | None, encoding: str | None) -> str | None:
    if value is None or encoding != "url":
        return value
    return quote(value, safe="/")


def walk(rows, prefix: str, delimiter: str | None, max_keys: int, key_of=lambda k: k):
    """Group rows (already after the marker) into (entries, common prefixes, truncated, last seen)."""
    entries, prefixes, last, count = [], [], None, 0
    for store_key, value in rows:
        key = key_of(store_key)
        if delimiter:
            cut = key.find(delimiter, len(prefix))
            if cut >= 0:
                common = key[:cut + len(delimiter)]
                if prefixes and prefixes[-1] == common:
                    continue
                if count == max_keys:
                    return entries, prefixes, True, last
                prefixes.append(common)
                last, count = common, count + 1
                continue
        if value is None:
            continue
        if count == max_keys:
            return entries, prefixes, True, last
        entries.append(value)
        last, count = store_key, count + 1
    return entries, prefixes, False, last


class ListingOps(S3State):
    def _list(self, ctx: RequestContext, params: dict, after: str | None):
        name = params["Bucket"]
        bucket = self._bucket(ctx, name, "s3:ListBucket")
        max_keys = params.get("MaxKeys", 1000)
        if max_keys < 0:
            raise invalid_argument("maxKeys should be non-negative", "maxKeys", str(max_keys))
        prefix, delimiter = params.get("Prefix") or "", params.get("Delimiter") or None
        if delimiter and after and after.startswith(prefix) and delimiter in after[len(prefix):] \
                and after.endswith(delimiter):
            after = after + _LAST_CHAR  # resume past a whole common prefix
        limit = min(max_keys, 1000)
        if limit == 0:  # S3 answers an empty page that is not truncated
            return bucket, [], [], False, None
        entries, prefixes, truncated, last = walk(
            self._live_rows(name, prefix, after, limit + 1), prefix, delimiter, limit)
        return bucket, entries, prefixes, truncated, last

    def _live_rows(self, bucket: str, prefix: str, after: str | None, batch: int):
        for key, record in scan_prefix(self.store, OBJECT_VERSION, objects_ns(bucket), prefix, after, batch):
            yield key, (None if record.get("DeleteMarker") else record)

    @staticmethod
    def _contents(entries: list[dict], encoding: str | None, with_owner: bool, account: str) -> list[dict]:
        out = []
        for record in entries:
            item = {"Key": _encode(record["Key"], encoding), "LastModified": timestamp(record["LastModified"]),
                    "ETag": record["ETag"], "Size": record["Size"],
                    "StorageClass": record.get("StorageClass", "STANDARD")}
            if record.get("Checksums"):
                item["ChecksumAlgorithm"] = list(record["Checksums"])
            if with_owner:
                item["Owner"] = owner(record.get("Owner") or record.get("Account", account))
            out.append(item)
        return out

    def list_objects_v2(self, ctx: RequestContext, params: dict) -> dict:
        token = params.get("ContinuationToken")
        after = resume_after(params["Bucket"], token) if token else params.get("StartAfter")
        bucket, entries, prefixes, truncated, last = self._list(ctx, params, after)
        encoding = params.get("EncodingType")
        output = {"Name": bucket["Name"], "Prefix": _encode(params.get("Prefix", ""), encoding),
                  "MaxKeys": params.get("MaxKeys", 1000), "KeyCount": len(entries) + len(prefixes),
                  "IsTruncated": truncated,
                  "Contents": self._contents(entries, encoding, bool(params.get("FetchOwner")), ctx.account_id),
                  "CommonPrefixes": [{"Prefix": _encode(p, encoding)} for p in prefixes]}
        echoed = ("Delimiter", "ContinuationToken", "EncodingType") if token else \
            ("Delimiter", "StartAfter", "EncodingType")  # the token carries the position: StartAfter is not echoed
        for member in echoed:
            if params.get(member):
                output[member] = _encode(params[member], encoding) if member in ("Delimiter", "StartAfter") \
                    else params[member]
        if truncated:
            output["NextContinuationToken"] = continuation_token(bucket["Name"], last)
        return output

    def list_objects(self, ctx: RequestContext, params: dict) -> dict:
        bucket, entries, prefixes, truncated, last = self._list(ctx, params, params.get("Marker") or None)
        encoding = params.get("EncodingType")
        output = {"Name": bucket["Name"], "Prefix": _encode(params.get("Prefix", ""), encoding),
                  "Marker": _encode(params.get("Marker", ""), encoding), "MaxKeys": params.get("MaxKeys", 1000),
                  "IsTruncated": truncated, "Contents": self._contents(entries, encoding, True, ctx.account_id),
                  "CommonPrefixes": [{"Prefix": _encode(p, encoding)} for p in prefixes]}
        if params.get("Delimiter"):
            output["Delimiter"] = _encode(params["Delimiter"], encoding)
            if truncated:
                output["NextMarker"] = _encode(last, encoding)
        if encoding:
            output["EncodingType"] = encoding
        return output

    def list_object_versions(self, ctx: RequestContext, params: dict) -> dict:
        name = params["Bucket"]
        self._bucket(ctx, name, "s3:ListBucketVersions")
        prefix, delimiter = params.get("Prefix") or "", params.get("Delimiter") or None
        max_keys = min(params.get("MaxKeys", 1000), 1000)
        key_marker, version_marker = params.get("KeyMarker"), params.get("VersionIdMarker")
        stored = scan_prefix(self.store, OBJECT_VERSION, versions_ns(name), prefix, batch=max_keys + 1)
        rows = _after_markers(stored, key_marker, version_marker)
        entries, prefixes, truncated, _ = walk(rows, prefix, delimiter, max_keys, key_of=lambda k: k.rsplit("\x01", 1)[0])
        encoding = params.get("EncodingType")
        versions, markers, seen = [], [], set()
        for record in entries:
            latest = record["Key"] not in seen
            seen.add(record["Key"])
            item = {"Key": _encode(record["Key"], encoding), "VersionId": record["VersionId"], "IsLatest": latest,
                    "LastModified": timestamp(record["LastModified"]),
                    "Owner": owner(record.get("Owner") or record.get("Account", ctx.account_id))}
            if record.get("DeleteMarker"):
                markers.append(item)
            else:
                item.update(ETag=record["ETag"], Size=record["Size"], StorageClass=record.get("StorageClass", "STANDARD"))
                versions.append(item)
        output = {"Name": name, "Prefix": _encode(prefix, encoding), "KeyMarker": key_marker or "",
                  "VersionIdMarker": version_marker or "", "MaxKeys": params.get("MaxKeys", 1000),
                  "IsTruncated": truncated, "Versions": versions, "DeleteMarkers": markers,
                  "CommonPrefixes": [{"Prefix": _encode(p, encoding)} for p in prefixes]}
        if delimiter:
            output["Delimiter"] = delimiter
        if encoding:
            output["EncodingType"] = encoding
        if truncated and entries:
            output["NextKeyMarker"] = _encode(entries[-1]["Key"], encoding)
            output["NextVersionIdMarker"] = entries[-1]["VersionId"]
        # IsLatest is only known for keys whose first version is on this page; ask the latest record.
        for item in versions + markers:
            latest = self._latest(name, record_key(item, encoding))
            item["IsLatest"] = latest is not None and latest["VersionId"] == item["VersionId"]
        return output


def record_key(item: dict, encoding: str | None) -> str:
    return unquote(item["Key"]) if encoding == "url" else item["Key"]


def _after_markers(rows, key_marker: str | None, version_marker: str | None):
    """Versions after (key marker, version marker): a key's older versions follow its marker version."""
    passed = False
    for store_key, record in rows:
        if not key_marker or record["Key"] > key_marker:
            yield store_key, record
        elif record["Key"] == key_marker and version_marker:
            if passed:
                yield store_key, record
            elif record["VersionId"] == version_marker:
                passed = True
