"""GetKeyLastUsage's record: each key's last cryptographic use, kept in memory (as before it was kept per
process).

A use travels on the event bus (``core/usage.py``), so one a front worker answered reaches the primary, which
answers GetKeyLastUsage; a read flushes the bus first, so it shows every use answered before it, wherever.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from nimbus.core.usage import USAGE, UsageRecord, publish_usage

if TYPE_CHECKING:
    from nimbus.core.context import RequestContext
    from nimbus.core.runtime import Runtime
    from nimbus.services.kms.documents import Key

SERVICE = "kms"


class KeyLastUsage:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self._last: dict[tuple[str, str, str], UsageRecord] = {}  # (account, region, key id)
        runtime.events.subscribe(USAGE, self._record)

    def used(self, ctx: RequestContext, key: Key, operation: str) -> None:
        publish_usage(self.runtime.events, UsageRecord(SERVICE, key["AWSAccountId"], key["Region"], key["KeyId"],
                                                       operation, ctx.clock.time(), ctx.request_id))

    def last(self, key: Key) -> UsageRecord | None:
        self.runtime.events.flush()  # the uses answered so far, in any process
        return self._last.get((key["AWSAccountId"], key["Region"], key["KeyId"]))

    def close(self) -> None:
        self.runtime.events.unsubscribe(USAGE, self._record)

    def _record(self, record: UsageRecord) -> None:
        if record.service == SERVICE:
            self._last[(record.account_id, record.region, record.resource)] = record
