"""Metrics that nimbus services publish about themselves, in AWS's namespaces, names and dimensions.

A service calls ``publish_metric`` (e.g. Kinesis ``AWS/Kinesis`` ``IncomingRecords`` by ``StreamName``); the
record travels on the event bus under ``METRIC``, and CloudWatch, which subscribes, stores it as if the
account had put it. Nothing is built when nobody listens.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nimbus.core.events import EventBus

METRIC = "metric"


@dataclass(frozen=True)
class MetricDatum:
    time: datetime
    account_id: str
    region: str
    namespace: str  # e.g. AWS/Kinesis
    name: str  # e.g. IncomingRecords
    dimensions: tuple[tuple[str, str], ...]  # (name, value) pairs, in the order AWS lists them
    value: float
    unit: str = "None"  # a CloudWatch StandardUnit: Count, Bytes, Milliseconds...


def publish_metric(bus: EventBus, time: datetime, account_id: str, region: str, namespace: str, name: str,
                   dimensions: dict[str, str], value: float, unit: str = "None") -> None:
    if not bus.wants(METRIC):
        return
    bus.publish(METRIC, MetricDatum(time, account_id, region, namespace, name, tuple(dimensions.items()),
                                    float(value), unit))
