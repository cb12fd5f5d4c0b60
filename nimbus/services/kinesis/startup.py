"""Started with the server: when channels exist, their delivery resumes after a restart without waiting
for a Kinesis request."""
from __future__ import annotations


def start(runtime) -> None:
    if any(ns[3:] == ("channels",) for ns in runtime.store.namespaces(("kinesis",))):
        runtime.services.get("kinesis")
