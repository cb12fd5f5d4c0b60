"""Started with the server: subscription payloads queued before a restart (or a kill -9) are delivered, and
scheduled queries run, without waiting for a Logs request."""
from __future__ import annotations

from .common import OUTBOX_NS
from .scheduled_run import INDEX_NS


def start(runtime) -> None:
    if runtime.store.scan(OUTBOX_NS, limit=1) or runtime.store.scan(INDEX_NS, limit=1):
        runtime.services.get("logs")
