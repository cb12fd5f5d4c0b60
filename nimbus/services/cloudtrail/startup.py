"""Started with the server: CloudTrail records every call from the first one on."""
from __future__ import annotations

from nimbus.services.cloudtrail.engine import Engine
from nimbus.services.cloudtrail.insights import Insights


def start(runtime) -> Engine:
    engine = Engine(runtime)
    Insights(runtime)  # its job ends with the scheduler; everything it knows is in the store
    return engine
