"""A KeyValueStore's ``ImportSource``: its first keys read from an S3 object in the format CloudFront
documents (``{"data": [{"key": ..., "value": ...}, ...]}``, UTF-8, no key twice), within its limits (the
file 5 MB, a key 512 bytes, a value 1024). The object is read through the internal client as the caller,
so the caller's own S3 permissions (and the bucket's policy) decide, as CloudFront's forward access does."""
from __future__ import annotations

import json
from typing import Any

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .common import invalid_argument

MAX_KEY_BYTES = 512  # AWS's limits: a key, a value, and a whole store (or the file that fills one)
MAX_VALUE_BYTES = 1024
MAX_STORE_BYTES = 5 * 1024 * 1024
_S3_ARN = "arn:aws:s3:::"


def imported_items(ctx: RequestContext, source: dict) -> dict[str, str]:
    """The keys and values the import source names."""
    arn = source.get("SourceARN", "")
    bucket, _, key = arn.removeprefix(_S3_ARN).partition("/")
    if source.get("SourceType") != "S3" or not arn.startswith(_S3_ARN) or not bucket or not key:
        raise invalid_argument("The import source must be an S3 object ARN (arn:aws:s3:::<bucket>/<key>) of "
                               "SourceType S3.")
    try:
        found = ctx.runtime.client.call("s3", "GetObject", {"Bucket": bucket, "Key": key}, account_id=ctx.account_id,
                                        region=ctx.region, principal=ctx.principal, forwarded=False)
    except ServiceError as error:
        if error.status == 403:
            raise ServiceError("AccessDenied", f"Access denied reading the import source {arn}.",
                               status=403) from error
        raise invalid_argument(f"The import source {arn} cannot be read: {error.message}") from error
    if int(found.get("ContentLength") or 0) > MAX_STORE_BYTES:
        raise ServiceError("EntitySizeLimitExceeded", f"The import source is larger than {MAX_STORE_BYTES} bytes.",
                           status=413)
    body = found.get("Body") or b""
    return _items(body if isinstance(body, bytes) else b"".join(body))  # S3 answers a body as its chunks


def _items(data: bytes) -> dict[str, str]:
    try:
        document: Any = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise invalid_argument("The import source is not valid UTF-8 JSON.") from error
    entries = document.get("data") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("key"), str) and isinstance(e.get("value"), str) for e in entries):
        raise invalid_argument('The import source must be {"data": [{"key": "...", "value": "..."}, ...]}.')
    items: dict[str, str] = {}
    for entry in entries:
        key, value = entry["key"], entry["value"]
        if key in items:
            raise invalid_argument(f"The import source has the key {key!r} more than once.")
        if not key or len(key.encode()) > MAX_KEY_BYTES:
            raise invalid_argument(f"A key of the import source is empty or longer than {MAX_KEY_BYTES} bytes.")
        if len(value.encode()) > MAX_VALUE_BYTES:
            raise invalid_argument(f"The value of {key!r} is longer than {MAX_VALUE_BYTES} bytes.")
        items[key] = value
    return items
