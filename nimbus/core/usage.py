"""A resource's last use, as the process that answered the call saw it, carried to the one that reports it.

KMS's GetKeyLastUsage reports the last cryptographic use of a key. Under ``nimbus serve --workers N`` a front
worker answers most of those uses (Encrypt, Decrypt, GenerateDataKey), and the primary answers
GetKeyLastUsage: so a use is published on the event bus under ``USAGE`` (a worker ships it to the primary
with its API-call records), and the service that reports it subscribes. Only the last use of a resource counts:
a worker ships the last of each resource's uses in a batch, not all of them (``workers/shipping.py``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nimbus.core.events import EventBus

USAGE = "usage"


@dataclass(frozen=True)
class UsageRecord:
    service: str  # whose resource: kms
    account_id: str
    region: str
    resource: str  # the service's own id of it (a key id)
    operation: str  # what used it, as the service reports it (Encrypt, ReEncryptFrom...)
    time: float  # epoch seconds on the virtual clock
    request_id: str


def publish_usage(bus: EventBus, record: UsageRecord) -> None:
    if bus.wants(USAGE):
        bus.publish(USAGE, record)
