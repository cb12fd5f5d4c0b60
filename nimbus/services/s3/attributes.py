"""GetObjectAttributes: a version's ETag, checksum, parts (paged), storage class and size in one call."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.common import invalid_argument, no_such_key
from nimbus.services.s3.ingest import checksum_output
from nimbus.services.s3.state import S3State

_ATTRIBUTES = frozenset({"ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"})
_MAX_PARTS = 1000


def _parts(record: dict, params: dict) -> dict | None:
    sizes = record.get("PartSizes")
    if not sizes:
        return None
    marker, limit = params.get("PartNumberMarker") or 0, params.get("MaxParts")
    limit = _MAX_PARTS if limit is None else limit
    if limit < 0 or marker < 0:
        raise invalid_argument("Argument max-parts must be an integer between 0 and 2147483647", "max-parts",
                               str(limit))
    checksums = record.get("PartChecksums") or [{} for _ in sizes]
    numbered = [(n, size, checksums[n - 1]) for n, size in enumerate(sizes, 1) if n > marker]
    page = numbered[:limit]
    parts = {"TotalPartsCount": len(sizes), "PartNumberMarker": marker, "MaxParts": limit,
             "IsTruncated": len(numbered) > limit,
             "Parts": [{"PartNumber": n, "Size": size, **checksum_output(values)} for n, size, values in page]}
    if page:
        parts["NextPartNumberMarker"] = page[-1][0]
    return parts


class AttributesOps(S3State):
    def get_object_attributes(self, ctx: RequestContext, params: dict) -> dict:
        wanted = set(params.get("ObjectAttributes") or [])
        if not wanted or wanted - _ATTRIBUTES:
            raise invalid_argument("Invalid attribute name specified.")
        name, key, version_id = params["Bucket"], params["Key"], params.get("VersionId")
        bucket = self._bucket(ctx, name, "s3:GetObjectVersionAttributes" if version_id else "s3:GetObjectAttributes",
                              key)
        record = self._find_version(name, key, version_id) if version_id else self._latest(name, key)
        if record is None:
            if version_id:
                raise ServiceError("NoSuchVersion", "The specified version does not exist.", status=404,
                                   Key=key, VersionId=version_id)
            raise self._missing_key(ctx, bucket, key)
        if record.get("DeleteMarker"):
            error = no_such_key(key)
            error.headers.update({"x-amz-delete-marker": "true", "x-amz-version-id": record["VersionId"]})
            raise error
        output: dict = {"LastModified": timestamp(record["LastModified"])}
        if bucket.get("Versioning"):
            output["VersionId"] = record["VersionId"]
        if "ETag" in wanted:
            output["ETag"] = record["ETag"].strip('"')
        if "Checksum" in wanted and record.get("Checksums"):
            output["Checksum"] = checksum_output(record["Checksums"])
        if "ObjectParts" in wanted:
            parts = _parts(record, params)
            if parts is not None:
                output["ObjectParts"] = parts
        if "StorageClass" in wanted:
            output["StorageClass"] = record.get("StorageClass") or "STANDARD"
        if "ObjectSize" in wanted:
            output["ObjectSize"] = record["Size"]
        return output
