"""Log streams: create/delete/describe, ordered by name or last event time, paged."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .common import decode_token, encode_token, group_name_of, invalid, now_ms, streams_ns
from .documents import LOG_STREAM, LogStream
from .event_store import EventStore
from .state import LogsState

STREAM_FIELDS = ("logStreamName", "creationTime", "firstEventTimestamp", "lastEventTimestamp",
                 "lastIngestionTime", "uploadSequenceToken", "arn", "storedBytes")


def _stream_output(stream: LogStream) -> dict:
    fields: dict = dict(stream)
    return {key: fields[key] for key in STREAM_FIELDS if fields.get(key) is not None}


class StreamOps(LogsState):
    def create_log_stream(self, ctx: RequestContext, params: dict) -> dict:
        group, name = params["logGroupName"], params["logStreamName"]
        with self.store.transaction():
            group_doc = self.log_group(ctx, group)
            if self.store.get(streams_ns(ctx.account_id, ctx.region, group), name) is not None:
                raise ServiceError("ResourceAlreadyExistsException", "The specified log stream already exists")
            self.save_stream(ctx, group, LogStream(
                logStreamName=name,
                creationTime=now_ms(ctx),
                arn=f"{group_doc['arn']}:log-stream:{name}",
                storedBytes=0,
                uploadSequenceToken="49039859" + "0" * 48,
                seq=0,
            ))
        return {}

    def delete_log_stream(self, ctx: RequestContext, params: dict) -> dict:
        group, name = params["logGroupName"], params["logStreamName"]
        with self.store.transaction():
            self.log_group(ctx, group)
            self.log_stream(ctx, group, name)
            EventStore(self.store, ctx.account_id, ctx.region).drop_stream(group, name)
            self.store.delete(streams_ns(ctx.account_id, ctx.region, group), name)
        return {}

    def describe_log_streams(self, ctx: RequestContext, params: dict) -> dict:
        group = group_name_of(params)
        self.log_group(ctx, group)
        order = params.get("orderBy", "LogStreamName")
        prefix = params.get("logStreamNamePrefix")
        if prefix and order == "LastEventTime":
            raise invalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
        streams = [s for _, s in LOG_STREAM.scan(self.store, streams_ns(ctx.account_id, ctx.region, group),
                                                  prefix=prefix or "")]
        descending = bool(params.get("descending"))
        if order == "LastEventTime":
            # Streams with no events yet sort as the oldest.
            sort_key = lambda s: (s.get("lastEventTimestamp") or 0, s["logStreamName"])  # noqa: E731
        else:
            sort_key = lambda s: (0, s["logStreamName"])  # noqa: E731
        streams.sort(key=sort_key, reverse=descending)
        state = decode_token(params.get("nextToken"), ("offset", "order", "descending"))
        offset = 0
        if state:
            if state["order"] != order or state["descending"] != descending or not isinstance(state["offset"], int):
                raise invalid("The specified nextToken is invalid.")
            offset = state["offset"]
        limit = params.get("limit") or 50
        chunk = streams[offset:offset + limit]
        output = {"logStreams": [_stream_output(s) for s in chunk]}
        if offset + limit < len(streams):
            output["nextToken"] = encode_token({"offset": offset + limit, "order": order, "descending": descending})
        return output
