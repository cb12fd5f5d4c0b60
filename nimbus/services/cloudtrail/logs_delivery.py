"""A trail's records in CloudWatch Logs, with a position of their own.

The Logs side keeps its own cursors into the history (``state["Logs"]``, saved with the trail's state), so
a failure there (log group deleted, role gone or no longer trusting CloudTrail) neither holds back the S3
files nor loses records: the cursor moves only past batches PutLogEvents took, and the rest go out, in
order and once, on the next tick that succeeds. Status fields: ``LatestCloudWatchLogsDeliveryTime`` and
``LatestCloudWatchLogsDeliveryError`` (cleared by the next successful delivery).

CloudTrail writes as a session of the trail's role (``core/roles.py``): it assumes it (sts:AssumeRole as
cloudtrail.amazonaws.com for this trail, so the role must exist and trust CloudTrail) for an hour, AWS's
default session, and again after any failure. The session is authorized like any caller: with
``--enforce-iam`` the role's policies must allow logs:CreateLogStream and logs:PutLogEvents.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime

from nimbus.core.context import CallSource
from nimbus.core.times import epoch_millis
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail.checks import CLOUDTRAIL, LOGS_SESSION
from nimbus.services.cloudtrail.documents import LogsPosition, Trail, TrailState
from nimbus.services.cloudtrail.lazy_record import as_dict

# PutLogEvents' limits: 10,000 events, 1,048,576 bytes (message + 26 bytes each) and 24 hours per call.
LOGS_BATCH_EVENTS = 10000
LOGS_BATCH_BYTES = 1_048_576
LOGS_BATCH_SPAN_MS = 24 * 3600 * 1000
LOGS_EVENT_BYTES = 256 * 1024 - 26


def prepare(state: TrailState, trail: Trail) -> LogsPosition | None:
    """The Logs position for the trail's current log group (started where S3's is), or None without one.

    Called before S3 moves its cursors, so records not yet in a file reach both destinations."""
    arn = trail.get("CloudWatchLogsLogGroupArn")
    logs = state.get("Logs")
    if not arn:
        if logs is not None:
            state.pop("Logs")
            state.pop("LatestCloudWatchLogsDeliveryError", None)
        return None
    if logs is None or logs["Group"] != arn:
        logs = state["Logs"] = {"Group": arn, "Cursors": dict(state.get("Cursors") or {}), "Streams": []}
    return logs


def deliver(engine, account: str, trail: Trail, state: TrailState, region: str, entries: list[tuple[str, str, dict]],
            moves: dict[str, str], now: float) -> None:
    """Send ``entries`` ((cursor slot, history key, record), oldest first) from the Logs cursors;
    ``moves`` are where the cursors go once everything is taken (records the trail skips included)."""
    logs = state["Logs"]
    if not entries:
        logs["Cursors"].update(moves)
        return
    try:
        _send(engine, account, trail, logs, region, entries)
    except ServiceError as error:
        if role := trail.get("CloudWatchLogsRoleArn"):
            engine.runtime.client.sessions.forget(role)  # the next attempt assumes it again
        state["LatestCloudWatchLogsDeliveryError"] = error.code if not error.message else \
            f"{error.code}: {error.message}"
        return
    logs["Cursors"].update(moves)
    state["LatestCloudWatchLogsDeliveryTime"] = now
    state.pop("LatestCloudWatchLogsDeliveryError", None)


def _send(engine, account: str, trail: Trail, logs: LogsPosition, region: str, entries: list) -> None:
    arn = logs["Group"].split(":")
    group, logs_region = arn[6], arn[3]
    stream = f"{account}_CloudTrail_{region}"
    role = trail.get("CloudWatchLogsRoleArn")
    if not role:  # never stored: CreateTrail and UpdateTrail take a log group only with a role
        raise ServiceError("InvalidCloudWatchLogsRoleArnException",
                           "You must specify a log group and a role ARN together.")

    def call(operation: str, params: dict) -> dict:
        return engine.runtime.client.call_as_role(
            role, "logs", operation, params, invoked_by=CLOUDTRAIL,
            session_name=LOGS_SESSION, region=logs_region, source=CallSource(trail["TrailARN"], account))

    def create_stream() -> None:
        try:
            call("CreateLogStream", {"logGroupName": group, "logStreamName": stream})
        except ServiceError as error:
            if error.code != "ResourceAlreadyExistsException":
                raise
        logs["Streams"] = sorted(set(logs["Streams"]) | {stream})

    if stream not in logs["Streams"]:
        create_stream()
    for batch in _batches(entries):
        events = [event for _, _, event in batch]
        try:
            call("PutLogEvents", {"logGroupName": group, "logStreamName": stream, "logEvents": events})
        except ServiceError as error:
            if error.message != "The specified log stream does not exist.":
                raise
            create_stream()  # the group was recreated (or the stream deleted): make it again, once
            call("PutLogEvents", {"logGroupName": group, "logStreamName": stream, "logEvents": events})
        for slot, key, _ in batch:  # taken: this far, never again
            logs["Cursors"][slot] = key


def _event(record: dict) -> dict:
    when = datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    message = json.dumps(as_dict(record))
    if len(message.encode()) > LOGS_EVENT_BYTES:
        message = message.encode()[:LOGS_EVENT_BYTES].decode(errors="ignore")
    return {"timestamp": epoch_millis(when), "message": message}


def _batches(entries: list[tuple[str, str, dict]]) -> list[list[tuple[str, str, dict]]]:
    """PutLogEvents-sized batches of (slot, key, log event), in order."""
    batches: list[list] = [[]]
    size = 0
    for slot, key, record in entries:
        event = _event(record)
        cost = len(event["message"].encode()) + 26
        current = batches[-1]
        if current and (len(current) >= LOGS_BATCH_EVENTS or size + cost > LOGS_BATCH_BYTES
                        or event["timestamp"] - current[0][2]["timestamp"] > LOGS_BATCH_SPAN_MS):
            batches.append([])
            size = 0
        batches[-1].append((slot, key, event))
        size += cost
    return [b for b in batches if b]
