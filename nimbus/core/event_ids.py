"""The id CloudTrail gives the event of a request, derived from the request id so that another service
(Config's ``relatedEvents``) can name the event of a change without asking CloudTrail."""
from __future__ import annotations

import uuid


def cloudtrail_event_id(request_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_OID, request_id))
