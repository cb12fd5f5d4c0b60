"""What Config's operation modules share: the recorder and channel of a caller's account and region, the
recording engine, and AWS's words for what is missing."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider
from nimbus.services.config import startup
from nimbus.services.config.documents import CHANNEL, RECORDER, DeliveryChannel, Recorder
from nimbus.services.config.engine import Engine, engine_for
from nimbus.services.config.state_names import channels_ns, recorders_ns


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message, status=400)


class ConfigState(BaseProvider):
    def __init__(self, runtime):
        super().__init__(runtime)
        startup.wake(runtime)

    @property
    def engine(self) -> Engine:
        return engine_for(self.runtime)

    def recorder(self, ctx: RequestContext) -> Recorder | None:
        """The account and region's one configuration recorder."""
        return next((r for _, r in RECORDER.scan(self.store, recorders_ns(ctx.account_id, ctx.region))), None)

    def named_recorder(self, ctx: RequestContext, name: str) -> Recorder:
        recorder = self.recorder(ctx)
        if recorder is None or recorder["name"] != name:
            raise ServiceError("NoSuchConfigurationRecorderException",
                               f"Cannot find configuration recorder with the specified name '{name}'.", status=400)
        return recorder

    def save_recorder(self, ctx: RequestContext, recorder: Recorder) -> None:
        RECORDER.put(self.store, recorders_ns(ctx.account_id, ctx.region), recorder["name"], recorder)

    def channel(self, ctx: RequestContext) -> DeliveryChannel | None:
        return next((c for _, c in CHANNEL.scan(self.store, channels_ns(ctx.account_id, ctx.region))), None)

    def save_channel(self, ctx: RequestContext, channel: DeliveryChannel) -> None:
        CHANNEL.put(self.store, channels_ns(ctx.account_id, ctx.region), channel["name"], channel)

    def recording_recorder(self, ctx: RequestContext) -> Recorder:
        """The recorder reads need: NoAvailableConfigurationRecorderException without one."""
        recorder = self.recorder(ctx)
        if recorder is None:
            raise ServiceError("NoAvailableConfigurationRecorderException",
                               "There are no configuration recorders available to provide the configuration.",
                               status=400)
        return recorder
