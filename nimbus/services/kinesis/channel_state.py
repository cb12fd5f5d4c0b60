"""Where channels are kept and what status one is in: read by the channel operations and by delivery."""
from __future__ import annotations

from nimbus.services.kinesis.state import ACTIVE, DELETING

FAILED = "FAILED"


def channels_ns(account: str, region: str) -> tuple[str, ...]:
    return ("kinesis", account, region, "channels")


def channel_status(channel: dict, now: float) -> str | None:
    """The status at virtual time ``now``; None once a deleted channel is gone."""
    if channel["status"] in (ACTIVE, FAILED) or now < channel["status_until"]:
        return channel["status"]
    if channel["status"] == DELETING:
        return None
    return channel.get("settles_to", ACTIVE)
