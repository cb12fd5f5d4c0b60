"""What every CloudWatch Logs operation module shares: looking up groups and streams, saving a stream."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.services.base import BaseProvider

from .common import group_missing, groups_ns, stream_missing, streams_ns


class LogsState(BaseProvider):
    def log_group(self, ctx: RequestContext, name: str) -> dict:
        group = self.store.get(groups_ns(ctx.account_id, ctx.region), name)
        if group is None:
            raise group_missing()
        return group

    def log_stream(self, ctx: RequestContext, group: str, name: str) -> dict:
        stream = self.store.get(streams_ns(ctx.account_id, ctx.region, group), name)
        if stream is None:
            raise stream_missing()
        return stream

    def save_stream(self, ctx: RequestContext, group: str, stream: dict) -> None:
        self.store.put(streams_ns(ctx.account_id, ctx.region, group), stream["logStreamName"], stream)
