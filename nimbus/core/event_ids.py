"""The id CloudTrail gives the event of a request, derived from the request id so that another service
(Config's ``relatedEvents``) can name the event of a change without asking CloudTrail."""
from __future__ import annotations

import hashlib
import uuid

_OID = uuid.NAMESPACE_OID.bytes
# The RFC 4122 variant's two bits over a hex digit's low two.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def cloudtrail_event_id(request_id: str) -> str:
    """``str(uuid.uuid5(uuid.NAMESPACE_OID, request_id))``, without building UUID objects (every recorded call
    takes one): the SHA-1's first 32 hex digits, with the version (5) and variant written over theirs."""
    digits = hashlib.sha1(_OID + request_id.encode()).hexdigest()
    return f"{digits[:8]}-{digits[8:12]}-5{digits[13:16]}-{_VARIANT[digits[16]]}{digits[17:20]}-{digits[20:32]}"
