"""HTTP semantics S3 applies to reads: conditional requests and byte ranges."""
from __future__ import annotations

import re
from datetime import datetime
from email.utils import formatdate

from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.documents import ObjectVersion

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def _etag_in(header: str, etag: str) -> bool:
    wanted = etag.strip('"')
    return any(item.strip() == "*" or item.strip().strip('"') == wanted for item in header.split(","))


def precondition_failed(condition: str) -> ServiceError:
    return ServiceError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold",
                        status=412, Condition=condition)


def not_modified(record: ObjectVersion | None = None) -> ServiceError:
    error = ServiceError("NotModified", "Not Modified", status=304)
    if record is not None:  # a 304 still names the representation it stands for
        error.headers.update({"ETag": record["ETag"],
                              "Last-Modified": formatdate(record["LastModified"], usegmt=True)})
    return error


def check_conditions(params: dict, record: ObjectVersion, prefix: str = "If") -> None:
    """S3's rules: If-Match beats a failing If-Unmodified-Since; If-None-Match beats If-Modified-Since.

    ``prefix`` is ``CopySourceIf`` for a copy's source, which fails with 412 instead of 304.
    """
    etag = record["ETag"]
    modified = int(record["LastModified"])  # HTTP dates have whole seconds
    if_match, if_none = params.get(f"{prefix}Match"), params.get(f"{prefix}NoneMatch")
    since, unmodified = params.get(f"{prefix}ModifiedSince"), params.get(f"{prefix}UnmodifiedSince")
    if if_match is not None:
        if not _etag_in(if_match, etag):
            raise precondition_failed("If-Match")
    elif isinstance(unmodified, datetime) and modified > unmodified.timestamp():
        raise precondition_failed("If-Unmodified-Since")
    copy = prefix != "If"
    if if_none is not None:
        if _etag_in(if_none, etag):
            raise precondition_failed("If-None-Match") if copy else not_modified(record)
    elif isinstance(since, datetime) and modified <= since.timestamp():
        raise precondition_failed("If-Modified-Since") if copy else not_modified(record)


def check_write_conditions(params: dict, existing: ObjectVersion | None) -> None:
    """Conditional writes: ``If-None-Match: *`` (create only) and ``If-Match: <etag>``."""
    if params.get("IfNoneMatch") is not None and existing is not None:
        raise precondition_failed("If-None-Match")
    if params.get("IfMatch") is not None:
        if existing is None:
            raise ServiceError("NoSuchKey", "The specified key does not exist.", status=404)
        if not _etag_in(params["IfMatch"], existing["ETag"]):
            raise precondition_failed("If-Match")


def check_delete_conditions(params: dict, existing: ObjectVersion | None) -> None:
    """DeleteObject's ``If-Match`` and its ``x-amz-if-match-last-modified-time`` and ``-size`` companions."""
    conditions = ("IfMatch", "IfMatchLastModifiedTime", "IfMatchSize")
    if all(params.get(name) is None for name in conditions):
        return
    check_write_conditions({"IfMatch": params.get("IfMatch") or "*"}, existing)
    assert existing is not None  # check_write_conditions refused a missing object
    when = params.get("IfMatchLastModifiedTime")
    if isinstance(when, datetime) and int(existing["LastModified"]) != int(when.timestamp()):
        raise precondition_failed("x-amz-if-match-last-modified-time")
    if params.get("IfMatchSize") is not None and params["IfMatchSize"] != existing["Size"]:
        raise precondition_failed("x-amz-if-match-size")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) of a single ``bytes=`` range; None means the whole object (S3 ignores bad syntax)."""
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None or not (match.group(1) or match.group(2)):
        return None
    first, last = match.group(1), match.group(2)
    if first:
        start = int(first)
        end = int(last) if last else size - 1
        if last and end < start:
            return None
    else:
        suffix = int(last)
        if suffix == 0:
            raise invalid_range(header, size)
        start, end = max(0, size - suffix), size - 1
    if start >= size:
        raise invalid_range(header, size)
    return start, min(end, size - 1)


def invalid_range(header: str, size: int) -> ServiceError:
    return ServiceError("InvalidRange", "The requested range is not satisfiable", status=416,
                        RangeRequested=header, ActualObjectSize=str(size))
