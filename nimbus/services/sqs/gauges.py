"""The per-minute queue metrics AWS publishes to ``AWS/SQS`` (by ``QueueName``): the approximate counts and the
age of the oldest message, for every queue used since the server started, on the virtual clock."""
from __future__ import annotations

from datetime import UTC, datetime

from nimbus.core.metrics import METRIC, publish_metric

from .live import LiveQueue

PERIOD = 60.0


def publish_gauges(runtime, queues: list[LiveQueue]) -> float:
    """Publish each queue's gauges now; the virtual time of the next publication."""
    now = runtime.clock.time()
    if not runtime.events.wants(METRIC):
        return now + PERIOD
    moment = datetime.fromtimestamp(now, UTC)
    for live in queues:
        with live.changed:
            visible, in_flight, delayed = live.counts(now)
            oldest = min((m["SentTimestamp"] for m in live.messages.values()), default=None)
        values = {"ApproximateNumberOfMessagesVisible": (visible, "Count"),
                  "ApproximateNumberOfMessagesNotVisible": (in_flight, "Count"),
                  "ApproximateNumberOfMessagesDelayed": (delayed, "Count"),
                  "ApproximateAgeOfOldestMessage": (max(0.0, now - oldest / 1000) if oldest else 0.0, "Seconds")}
        for name, (value, unit) in values.items():
            publish_metric(runtime.events, moment, live.account, live.region, "AWS/SQS", name,
                           {"QueueName": live.name}, value, unit)
    return now + PERIOD
