"""What every Firehose operation module shares: delivery stream documents, the durable buffer, the
delivery scheduler and the rate limit."""
from __future__ import annotations

import os

from nimbus.core.context import RequestContext
from nimbus.services.base import BaseProvider
from nimbus.services.firehose.buffer import Buffers
from nimbus.services.firehose.delivery import Deliverer
from nimbus.services.firehose.delivery_streams import StreamRepo
from nimbus.services.firehose.documents import DeliveryStream
from nimbus.services.firehose.limits import Throttle


class FirehoseState(BaseProvider):
    def __init__(self, runtime):
        super().__init__(runtime)
        self.streams: StreamRepo = StreamRepo(runtime)
        config = runtime.config
        self.buffers: Buffers = Buffers(runtime.store, None if config.ephemeral or not config.data_dir
                               else os.path.join(config.data_dir, "firehose", "buffers"))
        self.deliverer: Deliverer = Deliverer(self)
        self.throttle: Throttle = Throttle()

    def stream(self, ctx: RequestContext, name: str) -> DeliveryStream:
        return self.streams.get(ctx.account_id, ctx.region, name)
