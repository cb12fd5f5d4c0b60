"""Amazon Data Firehose: buffered, durable delivery from DirectPut or a Kinesis stream to S3, HTTP and Redshift."""
from __future__ import annotations


def resume(runtime) -> bool:
    """Load at start-up when streams exist: buffered records and source streams keep flowing after a restart."""
    return bool(runtime.store.namespaces(("firehose",)))
