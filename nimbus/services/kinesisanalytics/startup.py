"""Started with the server: running applications keep reading after a restart without waiting for a
Kinesis Analytics request."""
from __future__ import annotations


def start(runtime) -> None:
    if runtime.store.namespaces(("kinesisanalytics",)):
        runtime.services.get("kinesisanalytics")
