"""GetLogEvents (one stream, forward/backward tokens) and FilterLogEvents (many streams, patterns).

GetLogEvents tokens are ``f/<56 digits>`` and ``b/<56 digits>`` as in AWS; the digits are the
position (event key) the next page starts after (forward) or before (backward). When a page has
no events the token that was passed in comes back, which is how callers know they reached the end.
"""
from __future__ import annotations

import re

from nimbus.core.context import RequestContext

from .common import decode_token, encode_token, group_name_of, invalid, now_ms, streams_ns
from .data_protection import mask_for
from .event_store import KEY_WIDTH, EventStore, event_id, event_key, key_timestamp
from .filter_pattern import compile_pattern
from .state import LogsState

TOKEN = re.compile(r"^([fb])/(\d{56})$")
MAX_EVENTS = 10_000
MAX_RESPONSE_BYTES = 1_048_576
SCAN_CHUNK = 1000


def _token(direction: str, key: str) -> str:
    return f"{direction}/{int(key):056d}"


def _key_of(token: str) -> tuple[str, str]:
    match = TOKEN.match(token)
    if match is None or len(str(int(match.group(2)))) > KEY_WIDTH:
        raise invalid("The specified nextToken is invalid.")
    return match.group(1), f"{int(match.group(2)):0{KEY_WIDTH}d}"


def _as_is(message: str) -> str:
    return message


def _within(key: str, start: int | None, end: int | None) -> bool:
    stamp = key_timestamp(key)
    return (start is None or stamp >= start) and (end is None or stamp < end)


def _capped(rows: list, limit: int) -> list:
    """At most ``limit`` events and about 1 MB, as AWS pages them."""
    out, size = [], 0
    for row in rows[:limit]:
        size += len(row[1]["m"].encode()) + 26
        if out and size > MAX_RESPONSE_BYTES:
            break
        out.append(row)
    return out


class GetEventOps(LogsState):
    def _visible_events(self, ctx: RequestContext, group: dict, stream: str) -> EventStore:
        events = EventStore(self.store, ctx.account_id, ctx.region)
        events.expire(group["logGroupName"], stream, group.get("retentionInDays"), now_ms(ctx))
        return events

    def get_log_events(self, ctx: RequestContext, params: dict) -> dict:
        group_name = group_name_of(params)
        group = self.log_group(ctx, group_name)
        stream = params["logStreamName"]
        self.log_stream(ctx, group_name, stream)
        limit = params.get("limit") or MAX_EVENTS
        start, end = params.get("startTime"), params.get("endTime")
        events = self._visible_events(ctx, group, stream)
        token = params.get("nextToken")
        if token:
            direction, position = _key_of(token)
        else:
            direction, position = ("f", "0" * KEY_WIDTH) if params.get("startFromHead") else ("b", "9" * KEY_WIDTH)
        if direction == "f":
            # Forward reads start at the position (or startTime) and stop at the limit: no full scan.
            after = position
            if start:
                after = max(position, f"{int(event_key(start, 0)) - 1:0{KEY_WIDTH}d}")
            rows = events.scan(group_name, stream, after=after, limit=limit)
            page = _capped([r for r in rows if _within(r[0], start, end)], limit)
        else:
            before = [r for r in events.scan(group_name, stream) if r[0] < position and _within(r[0], start, end)]
            page = list(reversed(_capped(list(reversed(before)), limit)))
        if page:
            forward, backward = _token("f", page[-1][0]), _token("b", page[0][0])
        else:
            # Nothing more this way: hand back the same position.
            forward, backward = _token("f", position), _token("b", position)
            if token:
                forward = backward = token
        mask = mask_for(self.store, ctx, group, bool(params.get("unmask"))) or _as_is
        return {
            "events": [{"timestamp": key_timestamp(k), "message": mask(d["m"]), "ingestionTime": d["i"]}
                       for k, d in page],
            "nextForwardToken": forward,
            "nextBackwardToken": backward,
        }

    def _first_matches(self, ctx, group: dict, stream: str, matcher, after, start, end, wanted: int) -> list:
        """A stream's earliest ``wanted`` matching events after the token, scanning in chunks."""
        events = self._visible_events(ctx, group, stream)
        cursor, found = _start_key(stream, after, start), []
        while True:
            rows = events.scan(group["logGroupName"], stream, after=cursor, limit=SCAN_CHUNK)
            for key, doc in rows:
                if end is not None and key_timestamp(key) >= end:
                    return found
                if matcher(doc["m"]):
                    found.append(((key_timestamp(key), stream, key), doc))
                    if len(found) >= wanted:
                        return found
            if len(rows) < SCAN_CHUNK:
                return found
            cursor = rows[-1][0]

    def filter_log_events(self, ctx: RequestContext, params: dict) -> dict:
        group_name = group_name_of(params)
        group = self.log_group(ctx, group_name)
        names, prefix = params.get("logStreamNames"), params.get("logStreamNamePrefix")
        if names and prefix:
            raise invalid("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
        matcher = compile_pattern(params.get("filterPattern") or "")
        streams = [name for name, _ in self.store.scan(streams_ns(ctx.account_id, ctx.region, group_name),
                                                        prefix=prefix or "")]
        if names:
            streams = [s for s in streams if s in set(names)]
        state = decode_token(params.get("nextToken"), ("after",))
        after = tuple(state["after"]) if state else None
        if after is not None and (len(after) != 3 or not isinstance(after[0], int) or not isinstance(after[1], str)
                                  or not isinstance(after[2], str) or not after[2].isdigit()
                                  or len(after[2]) != KEY_WIDTH):
            raise invalid("The specified nextToken is invalid.")
        start, end = params.get("startTime"), params.get("endTime")
        limit = params.get("limit") or MAX_EVENTS
        found = []
        for stream in streams:
            found += self._first_matches(ctx, group, stream, matcher, after, start, end, limit + 1)
        found.sort(key=lambda item: item[0])
        page = found[:limit]
        mask = mask_for(self.store, ctx, group, bool(params.get("unmask"))) or _as_is
        output = {
            "events": [{
                "logStreamName": stream, "timestamp": stamp, "message": mask(doc["m"]), "ingestionTime": doc["i"],
                "eventId": event_id(stream, key),
            } for (stamp, stream, key), doc in page],
            "searchedLogStreams": [{"logStreamName": s, "searchedCompletely": True} for s in streams],
        }
        if len(found) > limit:
            output["nextToken"] = encode_token({"after": list(page[-1][0])})
        return output


def _start_key(stream: str, after: tuple | None, start: int | None) -> str | None:
    """The store key a stream's scan starts after, from the page token and startTime."""
    candidates = []
    if start:
        candidates.append(f"{int(event_key(start, 0)) - 1:0{KEY_WIDTH}d}")
    if after is not None:
        stamp, after_stream, after_key = after
        if stream == after_stream:
            candidates.append(after_key)
        else:
            # Same timestamp: streams later in name order come after the token's stream.
            first = stamp if stream > after_stream else stamp + 1
            candidates.append(f"{int(event_key(first, 0)) - 1:0{KEY_WIDTH}d}")
    return max(candidates) if candidates else None
