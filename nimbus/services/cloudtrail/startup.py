"""Started with the server: CloudTrail records every call from the first one on."""
from __future__ import annotations

from nimbus.services.cloudtrail.engine import Engine


def start(runtime) -> Engine:
    return Engine(runtime)
