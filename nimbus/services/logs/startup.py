"""Started with the server: subscription payloads queued before a restart (or a kill -9) are delivered
without waiting for a Logs request."""
from __future__ import annotations

from .common import OUTBOX_NS


def start(runtime) -> None:
    if runtime.store.scan(OUTBOX_NS, limit=1):
        runtime.services.get("logs")
