"""Started with the server: when streams exist, their records keep leaving the disk as the virtual clock
passes their retention, without waiting for a Kinesis request."""
from __future__ import annotations


def start(runtime) -> None:
    if runtime.store.namespaces(("kinesis",)):
        runtime.services.get("kinesis")
