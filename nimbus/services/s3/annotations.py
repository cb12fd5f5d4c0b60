"""Object annotations: named UTF-8 payloads (1 byte to 1 MiB, at most 1,000 per object) attached to one
object version. Payloads are blob segments encrypted as the object is (its SSE-KMS data key, else SSE-S3);
the store keeps each one's name, size, ETag and checksums under ``<key>\\x01<version id>\\x01<name>``."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.common import annotation_prefix, annotations_ns, invalid_argument
from nimbus.services.s3.documents import ANNOTATION, Annotation, Bucket, ObjectVersion
from nimbus.services.s3.encryption import data_key, sse_output
from nimbus.services.s3.http_rules import precondition_failed
from nimbus.services.s3.ingest import ingest, object_checksum_output
from nimbus.services.s3.list_tokens import continuation_token, resume_after
from nimbus.services.s3.records import scan_prefix
from nimbus.services.s3.state import S3State

MAX_PAYLOAD = 1024 * 1024
MAX_ANNOTATIONS = 1000
MAX_NAME_BYTES = 512


def _no_such_annotation(name: str) -> ServiceError:
    return ServiceError("NoSuchAnnotation", "The specified annotation does not exist.", status=404,
                        AnnotationName=name)


class AnnotationOps(S3State):
    def _annotated(self, ctx: RequestContext, params: dict, action: str) -> tuple[Bucket, ObjectVersion]:
        name = params.get("AnnotationName")
        if name is not None and not 1 <= len(name.encode()) <= MAX_NAME_BYTES:
            raise invalid_argument("The annotation name must be 1 to 512 bytes long.", "annotationName", name)
        bucket, record = self._read_version(ctx, params, action)
        match = params.get("ObjectIfMatch")
        if match is not None and match.strip('"') != record["ETag"].strip('"'):
            raise precondition_failed("x-amz-object-if-match")
        return bucket, record

    def put_object_annotation(self, ctx: RequestContext, params: dict) -> dict:
        bucket, record = self._annotated(ctx, params, "s3:PutObjectAnnotation")
        ns, key = annotations_ns(bucket["Name"]), annotation_prefix(record) + params["AnnotationName"]
        existing = ANNOTATION.get(self.store, ns, key)
        if existing is None and len(list(scan_prefix(self.store, ANNOTATION, ns, annotation_prefix(record)))) >= MAX_ANNOTATIONS:
            raise ServiceError("TooManyAnnotations", "The object already has the maximum of 1,000 annotations.",
                               status=400)
        secret = data_key(ctx, bucket, record)
        headers = ctx.request.headers if ctx.request is not None else None
        written, values = ingest(self.blobs, params, params.get("AnnotationPayload"), headers, None, secret)
        try:
            if not 1 <= written.size <= MAX_PAYLOAD:
                raise ServiceError("EntityTooLarge" if written.size else "EntityTooSmall",
                                   "An annotation payload must be 1 byte to 1 MiB.", status=400)
            try:
                b"".join(self.blobs.read([written.segment], key=secret)).decode("utf-8")
            except UnicodeDecodeError:
                raise ServiceError("UnsupportedMediaType", "The annotation payload must be UTF-8 text.",
                                   status=415) from None
            annotation: Annotation = {"AnnotationName": params["AnnotationName"], "Segment": written.segment,
                                      "Size": written.size, "ETag": f'"{written.md5.hex()}"',
                                      "LastModified": ctx.clock.time(), "Checksums": values}
            ANNOTATION.put(self.store, ns, key, annotation)
        except BaseException:
            self.blobs.delete([written.segment])
            raise
        if existing is not None:
            self.blobs.delete([existing["Segment"]])
        return {"Key": record["Key"], "AnnotationName": params["AnnotationName"], "ETag": annotation["ETag"],
                "ObjectVersionId": record["VersionId"], **object_checksum_output(values),
                "ServerSideEncryption": sse_output(record)["ServerSideEncryption"]}

    def get_object_annotation(self, ctx: RequestContext, params: dict) -> dict:
        bucket, record = self._annotated(ctx, params, "s3:GetObjectAnnotation")
        annotation = ANNOTATION.get(self.store, annotations_ns(bucket["Name"]),
                                    annotation_prefix(record) + params["AnnotationName"])
        if annotation is None:
            raise _no_such_annotation(params["AnnotationName"])
        output = {"AnnotationPayload": self.blobs.read([annotation["Segment"]], key=data_key(ctx, bucket, record)),
                  "ObjectVersionId": record["VersionId"], "LastModified": timestamp(annotation["LastModified"]),
                  "ContentLength": annotation["Size"], "ETag": annotation["ETag"],
                  "ServerSideEncryption": sse_output(record)["ServerSideEncryption"]}
        if params.get("ChecksumMode") == "ENABLED":
            output.update(object_checksum_output(annotation["Checksums"]))
        return output

    def list_object_annotations(self, ctx: RequestContext, params: dict) -> dict:
        bucket, record = self._annotated(ctx, params, "s3:ListObjectAnnotations")
        prefix, limit = params.get("AnnotationPrefix") or "", params.get("MaxAnnotationResults") or MAX_ANNOTATIONS
        token = params.get("ContinuationToken")
        after = resume_after(bucket["Name"], token) if token else None
        base = annotation_prefix(record)
        rows = list(scan_prefix(self.store, ANNOTATION, annotations_ns(bucket["Name"]), base + prefix,
                                after=None if after is None else base + after))
        page = [a for _, a in rows[:limit]]
        output: dict = {"Bucket": bucket["Name"], "Key": record["Key"], "ObjectVersionId": record["VersionId"],
                        "MaxAnnotationResults": limit, "AnnotationCount": len(page),
                        "Annotations": [{"AnnotationName": a["AnnotationName"], "Size": a["Size"], "ETag": a["ETag"],
                                         "LastModified": timestamp(a["LastModified"]),
                                         **({"ChecksumAlgorithm": list(a["Checksums"])} if a["Checksums"] else {})}
                                        for a in page]}
        if prefix:
            output["AnnotationPrefix"] = prefix
        if token:
            output["ContinuationToken"] = token
        if len(rows) > limit:
            output["NextContinuationToken"] = continuation_token(bucket["Name"], page[-1]["AnnotationName"])
        return output

    def delete_object_annotation(self, ctx: RequestContext, params: dict) -> dict:
        bucket, record = self._annotated(ctx, params, "s3:DeleteObjectAnnotation")
        ns, key = annotations_ns(bucket["Name"]), annotation_prefix(record) + params["AnnotationName"]
        annotation = ANNOTATION.get(self.store, ns, key)
        if annotation is None:
            raise _no_such_annotation(params["AnnotationName"])
        self.store.delete(ns, key)
        self.blobs.delete([annotation["Segment"]])
        return {"ObjectVersionId": record["VersionId"]}
