"""The id CloudTrail gives the event of a request, derived from the request id so that another service
(Config's ``relatedEvents``) can name the event of a change without asking CloudTrail."""
from __future__ import annotations

import hashlib
import uuid

_OID = uuid.NAMESPACE_OID.bytes


def cloudtrail_event_id(request_id: str) -> str:
    """``str(uuid.uuid5(uuid.NAMESPACE_OID, request_id))``, without building UUID objects (every recorded call
    takes one)."""
    digest = bytearray(hashlib.sha1(_OID + request_id.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
