"""Started with the server: when delivery streams exist, buffered records and source streams keep flowing
after a restart without waiting for a Firehose request."""
from __future__ import annotations


def start(runtime) -> None:
    if runtime.store.namespaces(("firehose",)):
        runtime.services.get("firehose")
