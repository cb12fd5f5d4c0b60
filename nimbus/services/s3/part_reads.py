"""GetPart: one part of a multipart upload, in progress (the part as uploaded) or completed (that part of the
object it became), with a byte range within the part."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.common import no_such_upload, parts_ns, uploads_ns
from nimbus.services.s3.documents import MULTIPART_UPLOAD, PART, ObjectVersion
from nimbus.services.s3.encryption import data_key, sse_output
from nimbus.services.s3.http_rules import byte_range
from nimbus.services.s3.ingest import checksum_output
from nimbus.services.s3.state import S3State


def _no_such_part(number: int) -> ServiceError:
    return ServiceError("InvalidPartNumber", "The requested partnumber is not satisfiable", status=416,
                        PartNumberRequested=str(number))


class PartReadOps(S3State):
    def get_part(self, ctx: RequestContext, params: dict) -> dict:
        name, key, upload_id, number = params["Bucket"], params["Key"], params["UploadId"], params["PartNumber"]
        bucket = self._bucket(ctx, name, "s3:GetObject", key)
        upload = MULTIPART_UPLOAD.get(self.store, uploads_ns(name), upload_id)
        if upload is None or upload["Key"] != key:
            raise no_such_upload(upload_id)
        if upload.get("Completed"):
            record = self._completed_object(name, key, upload_id, upload["Completed"])
            sizes = record.get("PartSizes") or []
            if not 1 <= number <= len(sizes):
                raise _no_such_part(number)
            start = sum(sizes[:number - 1])
            size, segments, key_source = sizes[number - 1], record["Segments"], record
            etags = record.get("PartETags") or []
            etag = etags[number - 1] if len(etags) >= number else None
            checksums = (record.get("PartChecksums") or [{}] * number)[number - 1]
            output: dict = {"MultipartUploadStatus": "COMPLETED", **sse_output(record)}
            if bucket.get("Versioning"):
                output["VersionId"] = record["VersionId"]
        else:
            part = PART.get(self.store, parts_ns(upload_id), f"{number:05d}")
            if part is None:
                raise _no_such_part(number)
            start, size, segments, key_source = 0, part["Size"], [part["Segment"]], upload
            etag, checksums = part["ETag"], part.get("Checksums") or {}
            output = {"MultipartUploadStatus": "IN_PROGRESS", **sse_output(upload)}
        first, last = 0, size - 1
        chosen = byte_range(params.get("Range"), size)
        if chosen is not None:
            first, last = chosen
            output["ContentRange"] = f"bytes {first}-{last}/{size}"
            ctx.response.status = 206
        elif params.get("ChecksumMode") == "ENABLED":
            output.update(checksum_output(checksums))
        if etag:
            output["ETag"] = etag
        storage_class = (upload.get("Headers") or {}).get("StorageClass", "STANDARD")
        if storage_class != "STANDARD":
            output["StorageClass"] = storage_class
        output.update(AcceptRanges="bytes", ContentLength=max(0, last - first + 1))
        output["Body"] = self.blobs.read(segments, start + first, start + last, data_key(ctx, bucket, key_source)) \
            if size else b""
        return output

    def _completed_object(self, bucket: str, key: str, upload_id: str, completed: dict) -> ObjectVersion:
        """The version a completed upload made (by its version id, else the key's version with its ETag)."""
        versions = self._versions_of(bucket, key)
        found = next((v for v in versions if v["VersionId"] == completed.get("VersionId", v["VersionId"])
                      and v.get("ETag") == completed["ETag"]), None)
        if found is None:  # the object was since deleted or overwritten
            raise no_such_upload(upload_id)
        return found
