"""Started with the server: when Kinesis holds anything (streams, channels), the provider loads at once, so
records keep leaving the disk as the virtual clock passes their retention, and channel delivery resumes
after a restart, without waiting for a Kinesis request."""
from __future__ import annotations


def start(runtime) -> None:
    if runtime.store.namespaces(("kinesis",)):
        runtime.services.get("kinesis")
