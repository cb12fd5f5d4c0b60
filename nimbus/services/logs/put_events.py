"""PutLogEvents with AWS's batch rules.

The batch fails as a whole when it is out of order, too large or spans more than 24 hours;
events too old (14 days, or the group's retention) or too new (2 hours ahead) are skipped and
reported in rejectedLogEventsInfo while the rest are stored. Sequence tokens are accepted and
ignored, as AWS does since 2023; the response still carries a fresh one.
"""
from __future__ import annotations

import secrets

from nimbus.core.context import RequestContext

from .common import DAY_MS, invalid, now_ms
from .event_store import EventStore
from .import_run import note_appended
from .ingest import metric_filters, publish_ingestion, queue_subscriptions
from .processing import transformed
from .state import LogsState

MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26
MAX_EVENT_BYTES = 1_048_576  # 1 MB per event since 2025 (it was 256 KB)
MAX_AGE_MS = 14 * DAY_MS
MAX_AHEAD_MS = 2 * 3600 * 1000
MAX_SPAN_MS = DAY_MS


def _sequence_token() -> str:
    return "4963" + "".join(secrets.choice("0123456789") for _ in range(52))


class PutEventOps(LogsState):
    def put_log_events(self, ctx: RequestContext, params: dict) -> dict:
        group_name, stream_name = params["logGroupName"], params["logStreamName"]
        events = params["logEvents"]
        stamps = [e["timestamp"] for e in events]
        if any(b < a for a, b in zip(stamps, stamps[1:])):
            raise invalid("Log events in a single PutLogEvents request must be in chronological order.")
        sizes = [len(e["message"].encode()) + EVENT_OVERHEAD for e in events]
        largest = max(sizes)
        if largest > MAX_EVENT_BYTES:
            raise invalid(f"Log event too large: {largest} bytes exceeds limit of {MAX_EVENT_BYTES}")
        size = sum(sizes)
        if size > MAX_BATCH_BYTES:
            raise invalid(f"Upload too large: {size} bytes exceeds limit of {MAX_BATCH_BYTES}")
        if len(events) > 10_000:
            raise invalid("Too many log events in the batch: the limit is 10000.")
        now = now_ms(ctx)
        with self.store.transaction():
            group = self.log_group(ctx, group_name)
            stream = self.log_stream(ctx, group_name, stream_name)
            rejected = {}
            start, end = 0, len(events)
            too_old = sum(1 for t in stamps if t < now - MAX_AGE_MS)
            if too_old:
                rejected["tooOldLogEventEndIndex"] = too_old
                start = too_old
            retention = group.get("retentionInDays")
            if retention:
                expired = sum(1 for t in stamps if t < now - retention * DAY_MS)
                if expired:
                    rejected["expiredLogEventEndIndex"] = expired
                    start = max(start, expired)
            too_new = next((i for i, t in enumerate(stamps) if t > now + MAX_AHEAD_MS), None)
            if too_new is not None:
                rejected["tooNewLogEventStartIndex"] = too_new
                end = too_new
            accepted = events[start:end] if start < end else []
            if accepted and accepted[-1]["timestamp"] - accepted[0]["timestamp"] > MAX_SPAN_MS:
                raise invalid("The batch of log events in a single PutLogEvents request cannot span more than "
                              "24 hours.")
            token = _sequence_token()
            queued, filters = False, []
            stored = transformed(self.store, ctx, group_name, accepted)
            if accepted:
                EventStore(self.store, ctx.account_id, ctx.region).append(
                    group_name, stream_name, stream["seq"], stored, now)
                queued = queue_subscriptions(ctx, self.store, group_name, stream_name, stream["seq"], accepted,
                                             stored)
                filters = metric_filters(ctx, self.store, group_name)
                note_appended(stream, stored, now)
            stream["uploadSequenceToken"] = token
            self.save_stream(ctx, group_name, stream)
        if queued:
            self.forwarder.wake()
        if accepted:
            publish_ingestion(ctx, group_name, accepted, filters, stored)
            self.live_tail.publish(ctx.account_id, ctx.region, group_name, stream_name, stored, now)
        output = {"nextSequenceToken": token}
        if rejected:
            output["rejectedLogEventsInfo"] = rejected
        return output
