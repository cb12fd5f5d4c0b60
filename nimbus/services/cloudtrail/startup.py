"""Started with the server: CloudTrail records every call from the first one on, and CloudTrail Lake feeds its
event data stores from the same calls."""
from __future__ import annotations

from nimbus.services.cloudtrail.engine import Engine
from nimbus.services.cloudtrail.insights import Insights
from nimbus.services.cloudtrail.lake.ingest import Lake


class Background:
    """The trail engine and the Lake, reset and closed together."""

    def __init__(self, runtime):
        self.engine = Engine(runtime)
        self.lake = Lake(runtime)
        Insights(runtime)  # its job ends with the scheduler; everything it knows is in the store

    def reset(self) -> None:
        self.engine.reset()
        self.lake.reset()

    def close(self) -> None:
        self.lake.close()
        self.engine.close()


def start(runtime) -> Background:
    return Background(runtime)
