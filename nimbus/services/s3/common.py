"""What the S3 topic modules share: namespaces, errors, bucket lookup and the access-control hook."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3 import access
from nimbus.services.s3.cors import actual_request_headers

BUCKETS = ("s3", "buckets")


def objects_ns(bucket: str) -> tuple[str, ...]:
    """The latest version of each key (which may be a delete marker)."""
    return ("s3", "objects", bucket)


def versions_ns(bucket: str) -> tuple[str, ...]:
    """Every version, keyed ``<key>\\x01<inverted sequence>`` so a key's versions list newest first."""
    return ("s3", "versions", bucket)


def uploads_ns(bucket: str) -> tuple[str, ...]:
    return ("s3", "uploads", bucket)


def parts_ns(upload_id: str) -> tuple[str, ...]:
    return ("s3", "parts", upload_id)


def no_such_bucket(name: str) -> ServiceError:
    return ServiceError("NoSuchBucket", "The specified bucket does not exist", status=404, BucketName=name)


def no_such_key(key: str) -> ServiceError:
    return ServiceError("NoSuchKey", "The specified key does not exist.", status=404, Key=key)


def malformed_xml() -> ServiceError:
    return ServiceError("MalformedXML", "The XML you provided was not well-formed or did not validate against "
                        "our published schema", status=400)


def invalid_argument(message: str, name: str | None = None, value: str | None = None) -> ServiceError:
    fields = {"ArgumentName": name, "ArgumentValue": value} if name else {}
    return ServiceError("InvalidArgument", message, status=400, **fields)


class S3Base:
    """Bucket lookup and the one place each request's access decision will be made."""

    def _authorize(self, ctx: RequestContext, action: str, bucket: str | None = None, key: str | None = None,
                   record: dict | None = None, bucket_record: dict | None = None) -> None:
        """Access control hook: every operation calls this once with its IAM action (``s3:GetObject``).

        Bucket policies, ACLs, Block Public Access and IAM decide here (access.py).
        """
        if bucket is not None and bucket_record is None and action != "s3:CreateBucket":
            bucket_record = self.store.get(BUCKETS, bucket)
            if bucket_record is None:
                raise no_such_bucket(bucket)
        if record is None and bucket_record is not None and access.needs_record(bucket_record, key):
            record = self.store.get(objects_ns(bucket), key)
        access.authorize(ctx, action, bucket_record, bucket, key, record)

    def _missing_key(self, ctx: RequestContext, bucket: dict, key: str) -> ServiceError:
        """S3 tells a caller that a key does not exist only if it may list the bucket; else 403."""
        try:
            access.authorize(ctx, "s3:ListBucket", bucket, bucket["Name"], None)
        except ServiceError as denied:
            return denied
        return no_such_key(key)

    def _bucket(self, ctx: RequestContext, name: str, action: str | None = None, key: str | None = None) -> dict:
        bucket = self.store.get(BUCKETS, name)
        if bucket is None:
            raise no_such_bucket(name)
        if action:
            self._authorize(ctx, action, name, key, bucket_record=bucket)
            self._maybe_sweep(bucket)
        if ctx.request is not None and "origin" in ctx.request.headers:
            ctx.extra.setdefault("http_headers", {}).update(actual_request_headers(bucket, ctx.request))
        return bucket

    def _maybe_sweep(self, bucket: dict) -> None:
        """Lifecycle rules are applied here (sweeper.py) before a bucket is used."""

    def _save_bucket(self, bucket: dict) -> None:
        self.store.put(BUCKETS, bucket["Name"], bucket)
