"""The bucket an S3 API-call record names, found without redacting the record.

S3's access logs and request metrics hear every S3 call (``API_CALL`` on the bus) but act only for buckets with
logging or a metrics configuration. Reading a record's parameters redacts them first (core/events.py), a walk
over every parameter of every call; a bucket name is never redacted, so the raw one finds the bucket, and only a
bucket that wants the call has its record's parameters read.
"""
from __future__ import annotations

from nimbus.core.events import ApiCallEvent
from nimbus.services.s3.common import BUCKETS
from nimbus.services.s3.documents import BUCKET, Bucket


def call_bucket(store, event: ApiCallEvent) -> Bucket | None:
    raw = event.__dict__.get("request_parameters")  # as the call gave them: events.py redacts on first read
    name = raw.get("Bucket") if isinstance(raw, dict) else None
    return BUCKET.get(store, BUCKETS, name) if isinstance(name, str) else None
