"""Multipart uploads: parts are blobs of their own; completing one lists them as the object's segments."""
from __future__ import annotations

import hashlib
import secrets

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3 import checksums
from nimbus.services.s3.access_ops import new_object_acl
from nimbus.services.s3.common import invalid_argument, malformed_xml, no_such_upload, parts_ns, uploads_ns
from nimbus.services.s3.documents import MULTIPART_UPLOAD, PART, Bucket, MultipartUpload, Part
from nimbus.services.s3.encryption import data_key, encryption_for, sse_output
from nimbus.services.s3.http_rules import byte_range, check_conditions, check_write_conditions, invalid_range
from nimbus.services.s3.ingest import IterReader, checksum_output, ingest, object_checksum_output
from nimbus.services.s3.notifications import notify
from nimbus.services.s3.object_lock import lock_for_new_version
from nimbus.services.s3.objects import object_headers, parse_copy_source, parse_tagging
from nimbus.services.s3.state import S3State

MIN_PART = 5 * 1024 * 1024
MAX_PARTS = 10000


def _part_key(number: int) -> str:
    return f"{number:05d}"


class MultipartOps(S3State):
    def _upload(self, ctx: RequestContext, params: dict, action: str,
                completed: bool = False) -> tuple[Bucket, MultipartUpload]:
        """The upload in progress (or, with ``completed``, also one already completed)."""
        bucket = self._bucket(ctx, params["Bucket"], action, params["Key"])
        upload = MULTIPART_UPLOAD.get(self.store, uploads_ns(bucket["Name"]), params["UploadId"])
        if upload is None or upload["Key"] != params["Key"] or (upload.get("Completed") and not completed):
            raise no_such_upload(params["UploadId"])
        return bucket, upload

    def create_multipart_upload(self, ctx: RequestContext, params: dict) -> dict:
        name, key = params["Bucket"], params["Key"]
        bucket = self._bucket(ctx, name, "s3:PutObject", key)
        sse = encryption_for(ctx, bucket, params, key)
        upload = {**sse.record, "UploadId": secrets.token_urlsafe(48), "Key": key, "Initiated": ctx.clock.time(),
                  "Headers": {**object_headers(params), **new_object_acl(ctx, bucket, params),
                              **lock_for_new_version(ctx, bucket, params)},
                  "Tags": parse_tagging(params.get("Tagging")), "ChecksumAlgorithm": params.get("ChecksumAlgorithm"),
                  "Account": ctx.account_id}
        MULTIPART_UPLOAD.put(self.store, uploads_ns(name), upload["UploadId"], upload)
        output = {"Bucket": name, "Key": key, "UploadId": upload["UploadId"], **sse.output}
        if upload["ChecksumAlgorithm"]:
            output["ChecksumAlgorithm"] = upload["ChecksumAlgorithm"]
        return output

    @staticmethod
    def _check_part_number(number: int) -> None:
        if not 1 <= number <= MAX_PARTS:
            raise invalid_argument("Part number must be an integer between 1 and 10000, inclusive", "partNumber",
                                   str(number))

    def upload_part(self, ctx: RequestContext, params: dict) -> dict:
        self._check_part_number(params["PartNumber"])
        bucket, upload = self._upload(ctx, params, "s3:PutObject")
        wanted = dict(params)
        if upload.get("ChecksumAlgorithm") and not wanted.get("ChecksumAlgorithm"):
            wanted["ChecksumAlgorithm"] = upload["ChecksumAlgorithm"]
        written, values = ingest(self.blobs, wanted, params.get("Body"),
                                 ctx.request.headers if ctx.request else None, params.get("ContentLength"),
                                 data_key(ctx, bucket, upload))
        return self._save_part(ctx, params, written, values, upload)

    def _save_part(self, ctx: RequestContext, params: dict, written, values: dict, upload: MultipartUpload) -> dict:
        part = {"PartNumber": params["PartNumber"], "ETag": f'"{written.md5.hex()}"', "Size": written.size,
                "Segment": written.segment, "LastModified": ctx.clock.time(), "Checksums": values}
        freed = []
        try:
            with self.store.transaction():
                _, upload = self._upload(ctx, params, "s3:PutObject")
                old = PART.get(self.store, parts_ns(upload["UploadId"]), _part_key(part["PartNumber"]))
                if old is not None:
                    freed.append(old["Segment"])
                PART.put(self.store, parts_ns(upload["UploadId"]), _part_key(part["PartNumber"]), part)
        except BaseException:
            self.blobs.delete([written.segment])
            raise
        self.blobs.delete(freed)
        return {"ETag": part["ETag"], **sse_output(upload), **checksum_output(values)}

    def upload_part_copy(self, ctx: RequestContext, params: dict) -> dict:
        self._check_part_number(params["PartNumber"])
        bucket, upload = self._upload(ctx, params, "s3:PutObject")
        src_bucket, src_key, src_version = parse_copy_source(params["CopySource"])
        source_bucket, source = self._read_version(
            ctx, {"Bucket": src_bucket, "Key": src_key, "VersionId": src_version}, "s3:GetObject")
        check_conditions(params, source, prefix="CopySourceIf")
        first, last = 0, source["Size"] - 1
        if params.get("CopySourceRange"):
            chosen = byte_range(params["CopySourceRange"], source["Size"])
            if chosen is None or (params["CopySourceRange"].split("=")[-1].startswith("-")):
                raise invalid_range(params["CopySourceRange"], source["Size"])
            first, last = chosen
        data = self.blobs.read(source["Segments"], first, last, data_key(ctx, source_bucket, source)) \
            if source["Size"] else iter(())
        written, values = ingest(self.blobs, {}, IterReader(data), data_key=data_key(ctx, bucket, upload))
        output = self._save_part(ctx, params, written, values, upload)
        result = {"CopyPartResult": {"ETag": output["ETag"], "LastModified": timestamp(ctx.clock.time())},
                  **sse_output(upload)}
        if source.get("VersionId") != "null":
            result["CopySourceVersionId"] = source["VersionId"]
        return result

    def complete_multipart_upload(self, ctx: RequestContext, params: dict) -> dict:
        requested = (params.get("MultipartUpload") or {}).get("Parts") or []
        if not requested:
            raise malformed_xml()
        with self.store.transaction():
            bucket, upload = self._upload(ctx, params, "s3:PutObject", completed=True)
            if upload.get("Completed"):  # a retry after success gets the same answer, as S3 gives it
                return upload["Completed"]
            latest = self._latest(bucket["Name"], upload["Key"])
            check_write_conditions(params, None if latest is None or latest.get("DeleteMarker") else latest)
            stored = {p["PartNumber"]: p for _, p in PART.scan(self.store, parts_ns(upload["UploadId"]))}
            chosen = self._chosen_parts(requested, stored)
            algorithm = upload.get("ChecksumAlgorithm")
            record = dict(upload["Headers"])
            record.update(
                Key=upload["Key"], Segments=[p["Segment"] for p in chosen], PartSizes=[p["Size"] for p in chosen],
                PartETags=[p["ETag"] for p in chosen],
                Size=sum(p["Size"] for p in chosen), LastModified=ctx.clock.time(), Account=ctx.account_id,
                ETag=f'"{_multipart_md5(chosen)}-{len(chosen)}"',
                Tags=upload.get("Tags") or [], Checksums={}, SSE=upload.get("SSE") or "AES256")
            if upload.get("Kms"):
                record["Kms"] = upload["Kms"]
            if algorithm and all(algorithm in (p.get("Checksums") or {}) for p in chosen):
                record["Checksums"] = {algorithm: checksums.combine_part_checksums(
                    algorithm, [p["Checksums"][algorithm] for p in chosen], [p["Size"] for p in chosen])}
                record["PartChecksums"] = [{algorithm: p["Checksums"][algorithm]} for p in chosen]
            used = {p["Segment"]["id"] for p in chosen}
            freed = [p["Segment"] for p in stored.values() if p["Segment"]["id"] not in used]
            self.store.delete_namespace(parts_ns(upload["UploadId"]))
            freed += self._add_version(bucket, record)
            output = {"Bucket": bucket["Name"], "Key": upload["Key"], "ETag": record["ETag"],
                      "Location": f"/{bucket['Name']}/{upload['Key']}", **sse_output(record),
                      **object_checksum_output(record["Checksums"])}
            if bucket.get("Versioning"):
                output["VersionId"] = record["VersionId"]
            # Kept (without its parts) so a retry is answered alike; removed with the bucket.
            MULTIPART_UPLOAD.put(self.store, uploads_ns(bucket["Name"]), upload["UploadId"],
                                 {**upload, "Completed": output})
        self.blobs.delete(freed)
        notify(ctx, bucket, "s3:ObjectCreated:CompleteMultipartUpload", upload["Key"], record)
        return output

    @staticmethod
    def _chosen_parts(requested: list[dict], stored: dict[int, Part]) -> list[Part]:
        chosen, previous = [], 0
        for item in requested:
            number = item.get("PartNumber")
            if number is None or number <= previous:
                raise ServiceError("InvalidPartOrder", "The list of parts was not in ascending order. The parts "
                                   "list must be specified in order by part number.", status=400)
            previous = number
            part = stored.get(number)
            if part is None or (item.get("ETag") or "").strip('"') != part["ETag"].strip('"'):
                raise ServiceError("InvalidPart", "One or more of the specified parts could not be found. The part "
                                   "may not have been uploaded, or the specified entity tag may not match the "
                                   "part's entity tag.", status=400, UploadId="", PartNumber=str(number),
                                   ETag=item.get("ETag") or "")
            chosen.append(part)
        for part in chosen[:-1]:
            if part["Size"] < MIN_PART:
                raise ServiceError("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed "
                                   "object size.", status=400, ProposedSize=str(part["Size"]),
                                   MinSizeAllowed=str(MIN_PART), PartNumber=str(part["PartNumber"]),
                                   ETag=part["ETag"])
        return chosen

    def abort_multipart_upload(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            _, upload = self._upload(ctx, params, "s3:AbortMultipartUpload")
            freed = [p["Segment"] for _, p in PART.scan(self.store, parts_ns(upload["UploadId"]))]
            self.store.delete_namespace(parts_ns(upload["UploadId"]))
            self.store.delete(uploads_ns(params["Bucket"]), upload["UploadId"])
        self.blobs.delete(freed)
        return {}

    def list_parts(self, ctx: RequestContext, params: dict) -> dict:
        check_list_argument(params, "MaxParts", "max-parts")
        check_list_argument(params, "PartNumberMarker", "part-number-marker")
        bucket, upload = self._upload(ctx, params, "s3:ListMultipartUploadParts")
        marker = int(params.get("PartNumberMarker") or 0)
        limit = min(params.get("MaxParts", 1000), 1000)
        parts = [p for _, p in PART.scan(self.store, parts_ns(upload["UploadId"])) if p["PartNumber"] > marker]
        chunk = parts[:limit]
        output = {"Bucket": bucket["Name"], "Key": upload["Key"], "UploadId": upload["UploadId"],
                  "PartNumberMarker": marker, "MaxParts": params.get("MaxParts", 1000),
                  "IsTruncated": len(parts) > limit, "StorageClass": upload["Headers"].get("StorageClass"),
                  "Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"], "Size": p["Size"],
                             "LastModified": timestamp(p["LastModified"]), **checksum_output(p.get("Checksums") or {})}
                            for p in chunk]}
        if chunk:
            output["NextPartNumberMarker"] = chunk[-1]["PartNumber"]
        if upload.get("ChecksumAlgorithm"):
            output["ChecksumAlgorithm"] = upload["ChecksumAlgorithm"]
        return output

    def list_multipart_uploads(self, ctx: RequestContext, params: dict) -> dict:
        name = params["Bucket"]
        check_list_argument(params, "MaxUploads", "max-uploads")
        self._bucket(ctx, name, "s3:ListBucketMultipartUploads")
        prefix = params.get("Prefix") or ""
        key_marker, id_marker = params.get("KeyMarker") or "", params.get("UploadIdMarker") or ""
        uploads = sorted((u for _, u in MULTIPART_UPLOAD.scan(self.store, uploads_ns(name))
                          if u["Key"].startswith(prefix) and not u.get("Completed")),
                         key=lambda u: (u["Key"], u["Initiated"], u["UploadId"]))
        if key_marker:
            uploads = [u for u in uploads if u["Key"] > key_marker or (u["Key"] == key_marker and id_marker
                                                                        and u["UploadId"] > id_marker)]
        limit = min(params.get("MaxUploads", 1000), 1000)
        chunk = uploads[:limit]
        output = {"Bucket": name, "KeyMarker": key_marker, "UploadIdMarker": id_marker, "Prefix": prefix,
                  "MaxUploads": params.get("MaxUploads", 1000), "IsTruncated": len(uploads) > limit,
                  "Uploads": [{"UploadId": u["UploadId"], "Key": u["Key"], "Initiated": timestamp(u["Initiated"]),
                               "StorageClass": u["Headers"].get("StorageClass", "STANDARD")} for u in chunk]}
        if chunk and len(uploads) > limit:
            output.update(NextKeyMarker=chunk[-1]["Key"], NextUploadIdMarker=chunk[-1]["UploadId"])
        return output


def check_list_argument(params: dict, member: str, argument: str) -> None:
    """Counts and markers of the list operations are 32-bit non-negative integers."""
    value = params.get(member)
    if value is not None and not 0 <= int(value) <= 2147483647:
        raise invalid_argument(f"Argument {argument} must be an integer between 0 and 2147483647", argument,
                               str(value))


def _multipart_md5(parts: list[Part]) -> str:
    """S3's multipart ETag: the MD5 of the parts' binary MD5s."""
    return hashlib.md5(b"".join(bytes.fromhex(p["ETag"].strip('"')) for p in parts)).hexdigest()
