"""Started with the server: applications that were running when nimbus last stopped (or was killed) run
again without waiting for a request (state.py resumes them)."""
from __future__ import annotations


def start(runtime) -> None:
    if runtime.store.namespaces(("kinesisanalyticsv2",)):
        runtime.services.get("kinesisanalyticsv2")
