"""StartLiveTail: the event stream boto3 reads, a ``sessionStart`` then a ``sessionUpdate`` every second with
the events ingested since, from up to 10 log groups, narrowed by streams, stream prefixes and a filter pattern.

Live tail shows what arrives while the session is open, so PutLogEvents hands accepted events to the open
sessions in memory (``LiveTailHub``); nothing is read back from the store. An update carries at most 500
events; beyond that it is ``sampled``, as AWS marks it. A session ends after ``logs_live_tail_seconds``
(3 hours, as AWS's) of virtual time, when the client goes away, or when the server closes.
"""
from __future__ import annotations

import queue
import time
import uuid

from nimbus.core.context import RequestContext

from .common import group_arn, group_name_of, invalid
from .filter_pattern import compile_pattern
from .state import LogsState

MAX_GROUPS = 10
UPDATE_SECONDS = 1.0
MAX_PER_UPDATE = 500


class LiveTailOps(LogsState):
    def start_live_tail(self, ctx: RequestContext, params: dict) -> dict:
        identifiers = params["logGroupIdentifiers"]
        if len(identifiers) > MAX_GROUPS:
            raise invalid(f"A live tail session can tail at most {MAX_GROUPS} log groups.")
        groups = [group_name_of({"logGroupIdentifier": i}) for i in identifiers]
        for group in groups:
            self.standard_only(self.log_group(ctx, group), "Live tail sessions")
        names, prefixes = params.get("logStreamNames"), params.get("logStreamNamePrefixes")
        if names and prefixes:
            raise invalid("logStreamNames and logStreamNamePrefixes are mutually exclusive parameters.")
        if (names or prefixes) and len(groups) != 1:
            raise invalid("logStreamNames and logStreamNamePrefixes need exactly one log group.")
        matcher = compile_pattern(params.get("logEventFilterPattern") or "")
        start = {"requestId": ctx.request_id, "sessionId": str(uuid.uuid4()), "logGroupIdentifiers": identifiers,
                 "logStreamNames": names or [], "logStreamNamePrefixes": prefixes or [],
                 "logEventFilterPattern": params.get("logEventFilterPattern") or ""}

        def wanted(stream: str, message: str) -> bool:
            if names and stream not in names:
                return False
            if prefixes and not any(stream.startswith(p) for p in prefixes):
                return False
            return matcher(message)

        return {"responseStream": self._session(ctx, groups, start, wanted)}

    def _session(self, ctx: RequestContext, groups: list[str], start: dict, wanted):
        arns = {group: group_arn(ctx, group) for group in groups}
        ends = ctx.clock.time() + ctx.runtime.config.logs_live_tail_seconds
        inbox = self.live_tail.open(ctx.account_id, ctx.region, groups)
        try:
            yield {"sessionStart": start}
            while ctx.clock.time() < ends and not self.closed:
                deadline = time.monotonic() + UPDATE_SECONDS
                results: list[dict] = []
                sampled = False
                while (left := deadline - time.monotonic()) > 0:
                    try:
                        group, stream, events, ingestion = inbox.get(timeout=left)
                    except queue.Empty:
                        break
                    for event in events:
                        if not wanted(stream, event["message"]):
                            continue
                        if len(results) >= MAX_PER_UPDATE:
                            sampled = True
                            continue
                        results.append({"logStreamName": stream, "logGroupIdentifier": arns[group],
                                        "message": event["message"], "timestamp": event["timestamp"],
                                        "ingestionTime": ingestion})
                yield {"sessionUpdate": {"sessionMetadata": {"sampled": sampled}, "sessionResults": results}}
        finally:
            self.live_tail.close(ctx.account_id, ctx.region, groups, inbox)
