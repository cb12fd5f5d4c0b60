"""What every CloudWatch Logs operation module shares: looking up groups and streams, saving them."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider

from .common import group_missing, groups_ns, stream_missing, streams_ns
from .documents import LOG_GROUP, LOG_STREAM, LogGroup, LogStream
from .export_files import ExportRunner
from .forwarding import Forwarder
from .import_run import ImportRunner
from .insights_runner import QueryRunner
from .live_tail_hub import LiveTailHub
from .scheduled_run import ScheduledRunner


class LogsState(BaseProvider):
    def __init__(self, runtime):
        super().__init__(runtime)
        self.forwarder: Forwarder = Forwarder(self)
        self.queries: QueryRunner = QueryRunner(runtime)
        self.exports: ExportRunner = ExportRunner(runtime)
        self.imports: ImportRunner = ImportRunner(runtime)
        self.schedules: ScheduledRunner = ScheduledRunner(self)
        self.live_tail: LiveTailHub = LiveTailHub()

    def log_group(self, ctx: RequestContext, name: str) -> LogGroup:
        group = LOG_GROUP.get(self.store, groups_ns(ctx.account_id, ctx.region), name)
        if group is None:
            raise group_missing()
        return group

    def save_group(self, ctx: RequestContext, group: LogGroup) -> None:
        LOG_GROUP.put(self.store, groups_ns(ctx.account_id, ctx.region), group["logGroupName"], group)

    def log_stream(self, ctx: RequestContext, group: str, name: str) -> LogStream:
        stream = LOG_STREAM.get(self.store, streams_ns(ctx.account_id, ctx.region, group), name)
        if stream is None:
            raise stream_missing()
        return stream

    def save_stream(self, ctx: RequestContext, group: str, stream: LogStream) -> None:
        LOG_STREAM.put(self.store, streams_ns(ctx.account_id, ctx.region, group), stream["logStreamName"], stream)

    def delete_or_missing(self, ns: tuple[str, ...], key: str, missing: str) -> None:
        """Delete a document, or answer ResourceNotFoundException with AWS's ``missing`` message."""
        if not self.store.delete(ns, key):
            raise ServiceError("ResourceNotFoundException", missing)

    @staticmethod
    def standard_only(group: LogGroup, feature: str) -> None:
        """What the INFREQUENT_ACCESS class does not offer (subscriptions, metric filters, live tail...)."""
        if group.get("logGroupClass") == "INFREQUENT_ACCESS":
            raise ServiceError("InvalidParameterException", f"{feature} are not supported for log groups in the "
                               "INFREQUENT_ACCESS log class.")
