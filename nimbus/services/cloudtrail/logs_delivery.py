"""A trail's records in CloudWatch Logs, with a position of their own.

The Logs side keeps its own cursors into the history (``state["logs"]``, saved with the trail's state), so
a failure there (log group deleted, role gone or no longer trusting CloudTrail) neither holds back the S3
files nor loses records: the cursor moves only past batches PutLogEvents took, and the rest go out, in
order and once, on the next tick that succeeds. Status fields: ``LatestCloudWatchLogsDeliveryTime`` and
``LatestCloudWatchLogsDeliveryError`` (cleared by the next successful delivery).

CloudTrail writes as the trail's role: it assumes it (sts:AssumeRole as cloudtrail.amazonaws.com, so the
role must exist and trust CloudTrail) for an hour, AWS's default session, and again after any failure. With
``--enforce-iam`` the session's own policies must also allow logs:CreateLogStream and logs:PutLogEvents.
"""
from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from nimbus.core.context import CallSource, RequestContext
from nimbus.core.identity import Principal
from nimbus.core.times import epoch_millis
from nimbus.protocol.errors import ServiceError

SESSION_SECONDS = 3600
# PutLogEvents' limits: 10,000 events, 1,048,576 bytes (message + 26 bytes each) and 24 hours per call.
LOGS_BATCH_EVENTS = 10000
LOGS_BATCH_BYTES = 1_048_576
LOGS_BATCH_SPAN_MS = 24 * 3600 * 1000
LOGS_EVENT_BYTES = 256 * 1024 - 26


def prepare(state: dict, trail: dict) -> dict | None:
    """The Logs position for the trail's current log group (started where S3's is), or None without one.

    Called before S3 moves its cursors, so records not yet in a file reach both destinations."""
    arn = trail.get("CloudWatchLogsLogGroupArn")
    logs = state.get("logs")
    if not arn:
        if logs is not None:
            state.pop("logs")
            state.pop("LatestCloudWatchLogsDeliveryError", None)
        return None
    if logs is None or logs.get("group") != arn:
        logs = state["logs"] = {"group": arn, "cursors": dict(state.get("cursors") or {}), "streams": []}
    return logs


def deliver(engine, account: str, trail: dict, state: dict, region: str, entries: list[tuple[str, str, dict]],
            moves: dict[str, str], now: float) -> None:
    """Send ``entries`` ((cursor slot, history key, record), oldest first) from the Logs cursors;
    ``moves`` are where the cursors go once everything is taken (records the trail skips included)."""
    logs = state["logs"]
    if not entries:
        logs["cursors"].update(moves)
        return
    try:
        _send(engine, account, trail, logs, region, entries, now)
    except ServiceError as error:
        logs.pop("session", None)  # the next attempt assumes the role again
        state["LatestCloudWatchLogsDeliveryError"] = error.code if not error.message else \
            f"{error.code}: {error.message}"
        return
    logs["cursors"].update(moves)
    state["LatestCloudWatchLogsDeliveryTime"] = now
    state.pop("LatestCloudWatchLogsDeliveryError", None)


def _send(engine, account: str, trail: dict, logs: dict, region: str, entries: list, now: float) -> None:
    arn = trail["CloudWatchLogsLogGroupArn"].split(":")
    group, logs_region = arn[6], arn[3]
    stream = f"{account}_CloudTrail_{region}"
    principal = _session(engine, account, trail, logs, now)

    def call(operation: str, params: dict) -> dict:
        _check_permission(engine, principal, logs_region, f"logs:{operation}",
                          f"arn:aws:logs:{logs_region}:{arn[4]}:log-group:{group}:log-stream:{stream}")
        return engine.runtime.client.call("logs", operation, params, account_id=arn[4], region=logs_region,
                                          principal=principal, invoked_by="cloudtrail.amazonaws.com",
                                          source=CallSource(trail["TrailARN"], account))

    def create_stream() -> None:
        try:
            call("CreateLogStream", {"logGroupName": group, "logStreamName": stream})
        except ServiceError as error:
            if error.code != "ResourceAlreadyExistsException":
                raise
        logs["streams"] = sorted(set(logs["streams"]) | {stream})

    if stream not in logs["streams"]:
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
            logs["cursors"][slot] = key


def _session(engine, account: str, trail: dict, logs: dict, now: float) -> Principal:
    role = trail["CloudWatchLogsRoleArn"]
    session = logs.get("session")
    if session and session["role"] == role and session["expires"] > now:
        return Principal.from_dict(session["principal"])
    output = engine.runtime.client.call(
        "sts", "AssumeRole", {"RoleArn": role, "RoleSessionName": "CloudTrailCloudWatchLogsDelivery",
                              "DurationSeconds": SESSION_SECONDS},
        account_id=account, region=trail["HomeRegion"], invoked_by="cloudtrail.amazonaws.com",
        source=CallSource(trail["TrailARN"], account))
    credential = engine.runtime.credentials.lookup(output["Credentials"]["AccessKeyId"])
    logs["session"] = {"role": role, "principal": credential.principal.to_dict(), "expires": now + SESSION_SECONDS}
    return credential.principal


def _check_permission(engine, principal: Principal, region: str, action: str, resource: str) -> None:
    """What the role's policies allow binds with --enforce-iam (identity policies never bind without it)."""
    runtime = engine.runtime
    if not runtime.config.enforce_iam:
        return
    ctx = RequestContext(runtime=runtime, request_id=str(uuid.uuid4()), service="logs",
                         operation=action.split(":")[1], account_id=principal.account_id, region=region,
                         principal=principal, internal=True)
    runtime.authz.authorize(ctx, action, resource)


def _event(record: dict) -> dict:
    when = datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    message = json.dumps(record)
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
