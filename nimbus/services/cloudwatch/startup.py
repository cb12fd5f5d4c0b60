"""Started with the server: the metrics services publish are stored from the first one on, datapoints age,
and alarms are evaluated whether or not anyone calls CloudWatch."""
from __future__ import annotations

from nimbus.services.cloudwatch.background import Background


def start(runtime) -> Background:
    return Background(runtime)
