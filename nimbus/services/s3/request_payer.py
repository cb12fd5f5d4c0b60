"""Requester Pays: another account's request to such a bucket must acknowledge the charge with
``x-amz-request-payer: requester`` (else 403), and is told ``x-amz-request-charged``."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.documents import Bucket


def check_request_payer(ctx: RequestContext, bucket: Bucket | None) -> None:
    """A Requester Pays bucket answers another account only when it acknowledges paying."""
    if bucket is None or (bucket.get("Config") or {}).get("RequestPayment") != "Requester" or ctx.internal:
        return
    if ctx.account_id == bucket.get("Account"):
        return
    header = ctx.request.headers.get("x-amz-request-payer", "") if ctx.request is not None else ""
    if header.lower() != "requester":
        raise ServiceError("AccessDenied", "Access Denied", status=403)
    ctx.response.headers["x-amz-request-charged"] = "requester"
