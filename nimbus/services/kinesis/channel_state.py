"""Where channels are kept and what status one is in: read by the channel operations and by delivery."""
from __future__ import annotations

from nimbus.services.kinesis.documents import CHANNEL, Channel
from nimbus.services.kinesis.state import ACTIVE, DELETING

FAILED = "FAILED"


def channels_ns(account: str, region: str) -> tuple[str, ...]:
    return ("kinesis", account, region, "channels")


def channels_in(store, account: str, region: str) -> list[Channel]:
    return [channel for _, channel in CHANNEL.scan(store, channels_ns(account, region))]


def save_channel(store, channel: Channel) -> None:
    CHANNEL.put(store, channels_ns(channel["AccountId"], channel["Region"]), channel["ChannelId"], channel)


def channel_status(channel: Channel, now: float) -> str | None:
    """The status at virtual time ``now``; None once a deleted channel is gone."""
    if channel["ChannelStatus"] in (ACTIVE, FAILED) or now < channel["StatusUntil"]:
        return channel["ChannelStatus"]
    if channel["ChannelStatus"] == DELETING:
        return None
    return channel["SettlesTo"]
