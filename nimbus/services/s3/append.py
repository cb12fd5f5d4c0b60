"""Appends to an object in a directory bucket (PutObject with ``x-amz-write-offset-bytes``).

The appended bytes are one more blob segment of the object, so nothing already written is copied; the
object's CRC checksums are combined with the new bytes' (a CRC of the whole object, as S3 keeps it), and
checksums that cannot be combined (SHA-1, SHA-256) are dropped.
"""
from __future__ import annotations

import base64
import hashlib

from awscrt import checksums as crt_checksums

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.checksums import b64
from nimbus.services.s3.directory_rules import is_directory, not_implemented
from nimbus.services.s3.documents import Bucket, ObjectVersion
from nimbus.services.s3.encryption import data_key, sse_output
from nimbus.services.s3.ingest import ingest, object_checksum_output
from nimbus.services.s3.state import S3State

MAX_APPENDS = 10000  # S3's limit of writes to one object
_COMBINE = {"CRC32": (crt_checksums.combine_crc32, 4), "CRC32C": (crt_checksums.combine_crc32c, 4),
            "CRC64NVME": (crt_checksums.combine_crc64nvme, 8)}


def _bad_offset() -> ServiceError:
    return ServiceError("InvalidWriteOffset", "The write offset value that you specified does not match the "
                        "current object size.", status=400)


def _combined(old: dict[str, str], new: dict[str, str], new_size: int) -> dict[str, str]:
    values = {}
    for algorithm, value in old.items():
        if algorithm in _COMBINE and algorithm in new and "-" not in value:
            combine, width = _COMBINE[algorithm]
            crc = combine(int.from_bytes(base64.b64decode(value), "big"),
                          int.from_bytes(base64.b64decode(new[algorithm]), "big"), new_size)
            values[algorithm] = b64(crc.to_bytes(width, "big"))
    return values


def append_object(state: S3State, ctx: RequestContext, params: dict, bucket: Bucket) -> dict | None:
    """Append the body at ``WriteOffsetBytes``; None when there is nothing to append to (offset 0 on a missing
    key), which is an ordinary PutObject."""
    if not is_directory(bucket):
        raise not_implemented()
    name, key, offset = bucket["Name"], params["Key"], params["WriteOffsetBytes"]
    existing = state._live(name, key)
    if existing is None:
        if offset != 0:
            raise _bad_offset()
        return None
    if offset != existing["Size"]:
        raise _bad_offset()
    if len(existing.get("Segments") or []) >= MAX_APPENDS:
        raise ServiceError("InvalidRequest", "The object has reached the maximum number of appends.", status=400)
    kept = dict(existing.get("Checksums") or {})
    wanted = {"ChecksumAlgorithm": next(iter(kept), "CRC32"), **params}
    written, values = ingest(state.blobs, wanted, params.get("Body"), ctx.request.headers if ctx.request else None,
                             params.get("ContentLength"), data_key(ctx, bucket, existing))
    record: ObjectVersion = {**existing}  # type: ignore[typeddict-item]
    record.update(Segments=[*existing["Segments"], written.segment], Size=existing["Size"] + written.size,
                  ETag=f'"{hashlib.md5(existing["ETag"].encode() + written.md5).hexdigest()}"',
                  LastModified=ctx.clock.time(), Checksums=_combined(kept, values, written.size))
    record.pop("PartSizes", None)
    record.pop("PartChecksums", None)
    try:
        with state.store.transaction():
            current = state._live(name, key)
            if current is None or current["ETag"] != existing["ETag"]:
                raise _bad_offset()  # another write came first
            freed = state._add_version(bucket, record)
    except BaseException:
        state.blobs.delete([written.segment])
        raise
    state.blobs.delete([s for s in freed if s not in record["Segments"]])
    return {"ETag": record["ETag"], "Size": record["Size"], **sse_output(record),
            **object_checksum_output(record["Checksums"])}
