"""The pure rules of a bucket's default storage class and ABAC switch (the operations: bucket_settings.py),
read by the access decision and by every request before it runs (state.py)."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.documents import Bucket

DEFAULT_STORAGE_CLASS = "STANDARD"
# Operations that write a new object: they take the bucket's default storage class when none is given.
_WRITES = frozenset(("PutObject", "CopyObject", "CreateMultipartUpload"))


def abac_enabled(bucket: Bucket | None) -> bool:
    return bucket is not None and (bucket.get("Config") or {}).get("Abac") == "Enabled"


def resource_tags(bucket: Bucket) -> dict[str, str]:
    """The bucket's tags as condition keys, when ABAC is on (else none)."""
    if not abac_enabled(bucket):
        return {}
    return {f"aws:ResourceTag/{tag['Key']}": tag["Value"] for tag in (bucket.get("Config") or {}).get("Tagging") or []}


def apply_defaults(ctx: RequestContext, bucket: Bucket | None) -> None:
    """A new object without a storage class gets the bucket's default one."""
    params = ctx.params
    if bucket is None or params is None or ctx.operation not in _WRITES or params.get("StorageClass"):
        return
    default = (bucket.get("Config") or {}).get("DefaultStorageClass")
    if default and default != DEFAULT_STORAGE_CLASS:
        params["StorageClass"] = default


def check_tagging_allowed(ctx: RequestContext, bucket: Bucket | None) -> None:
    if ctx.operation in ("PutBucketTagging", "DeleteBucketTagging") and abac_enabled(bucket):
        raise ServiceError("InvalidRequest", "ABAC is enabled on this bucket: manage its tags with TagResource and "
                           "UntagResource.", status=400)
