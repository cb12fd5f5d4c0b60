"""What the S3 topic modules share: namespaces, errors, bucket lookup and the access-control hook."""
from __future__ import annotations

from datetime import datetime, timezone

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.cors import actual_request_headers

BUCKETS = ("s3", "buckets")
# Account-level actions: a bucket policy cannot open them to anonymous callers.
_NEVER_ANONYMOUS = frozenset(("s3:ListAllMyBuckets", "s3:CreateBucket"))


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


def timestamp(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


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

    def _authorize(self, ctx: RequestContext, action: str, bucket: str | None = None, key: str | None = None) -> None:
        """Access control hook: every operation calls this once with its IAM action (``s3:GetObject``).

        Bucket policies, ACLs, Block Public Access and the IAM engine plug in here;
        until they land every request is allowed, except what no policy can grant an anonymous caller.
        """
        if ctx.principal.type == "Anonymous" and action in _NEVER_ANONYMOUS:
            raise ServiceError("AccessDenied", "Access Denied", status=403)

    def _bucket(self, ctx: RequestContext, name: str, action: str | None = None, key: str | None = None) -> dict:
        bucket = self.store.get(BUCKETS, name)
        if bucket is None:
            raise no_such_bucket(name)
        if action:
            self._authorize(ctx, action, name, key)
            self._maybe_sweep(bucket)
        if ctx.request is not None and "origin" in ctx.request.headers:
            ctx.extra.setdefault("http_headers", {}).update(actual_request_headers(bucket, ctx.request))
        return bucket

    def _maybe_sweep(self, bucket: dict) -> None:
        """Lifecycle rules are applied here (sweeper.py) before a bucket is used."""

    def _save_bucket(self, bucket: dict) -> None:
        self.store.put(BUCKETS, bucket["Name"], bucket)
