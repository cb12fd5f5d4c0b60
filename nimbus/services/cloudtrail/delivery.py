"""Log file delivery: what a trail logged since its cursor, as gzipped ``{"Records": [...]}`` files in S3,
then an SNS notification per file; the records also go to CloudWatch Logs from a cursor of their own
(``logs_delivery``).

A file is written through the internal client as CloudTrail itself (``invokedBy``
cloudtrail.amazonaws.com). A cursor per region only moves once S3 took the file, so a failed delivery
(bucket gone, policy changed) is retried on the next tick and shows in GetTrailStatus meanwhile.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import string
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import cramjam

from nimbus.core.collector import collector_paused
from nimbus.core.context import CallSource
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail import logs_delivery, selectors
from nimbus.services.cloudtrail.documents import Trail, TrailState
from nimbus.services.cloudtrail.history import DATA, MANAGEMENT, history_ns
from nimbus.services.cloudtrail.lazy_record import compact_text
from nimbus.services.cloudtrail.records import GLOBAL_SOURCES

CLOUDTRAIL = "cloudtrail.amazonaws.com"
SCAN_CHUNK = 1000
# The fastest level: zlib's 6 (its default) took twice as long as its 1 (3.9 against 1.8 µs a record) for files 12%
# smaller, and 9 three times as long again; any level is plain gzip to every reader. cramjam's gzip at level 1 takes
# 1.2 to 1.3 µs a record where zlib's took 2.3 to 2.5, for files 9% larger.
GZIP_LEVEL = 1
_PIECE = 256  # records compressed at a time (_log_file)
_UNIQUE = string.ascii_letters + string.digits


def call(engine, account: str, trail: Trail, service: str, operation: str, params: dict,
         region: str | None = None) -> dict:
    return engine.runtime.client.call(
        service, operation, params, account_id=account, region=region or trail["HomeRegion"],
        invoked_by=CLOUDTRAIL, source=CallSource(trail["TrailARN"], account))


def object_prefix(trail: Trail) -> str:
    return f"{trail['S3KeyPrefix']}/" if trail.get("S3KeyPrefix") else ""


def log_key(trail: Trail, account: str, region: str, now: float) -> str:
    when = datetime.fromtimestamp(now, tz=UTC)
    unique = "".join(secrets.choice(_UNIQUE) for _ in range(16))
    return (f"{object_prefix(trail)}AWSLogs/{account}/CloudTrail/{region}/{when:%Y/%m/%d}/"
            f"{account}_CloudTrail_{region}_{when:%Y%m%dT%H%MZ}_{unique}.json.gz")


def _regions(engine, account: str, trail: Trail) -> list[str]:
    regions = {trail["HomeRegion"]}
    if trail.get("IsMultiRegionTrail"):
        regions.update(ns[2] for ns in engine.store.namespaces(("cloudtrail", account))
                       if len(ns) == 4 and ns[3] in (MANAGEMENT, DATA))
    elif trail.get("IncludeGlobalServiceEvents", True):
        regions.add("us-east-1")
    return sorted(regions)


def _wanted(trail: Trail, region: str, record: Mapping[str, Any]) -> bool:
    if not record.get("managementEvent", True) and _own_write(trail, record):
        return False  # a trail's own file writes would feed it forever (other trails may log them)
    source = record["eventSource"].split(".", 1)[0]
    is_global = source in GLOBAL_SOURCES
    if is_global and not trail.get("IncludeGlobalServiceEvents", True):
        return False
    if not trail.get("IsMultiRegionTrail") and region != trail["HomeRegion"] and not is_global:
        return False
    return selectors.matches(trail, record)


def _wanted_by(trail: Trail, region: str) -> Callable[[Mapping[str, Any]], bool]:
    """``_wanted`` for one trail and region. Under basic selectors a management event's answer depends only on
    its source and readOnly, so it is worked out once per pair, not once per record of every delivery."""
    if trail.get("AdvancedEventSelectors"):
        return lambda record: _wanted(trail, region, record)
    answers: dict[tuple[str, bool], bool] = {}

    def wanted(record: Mapping[str, Any]) -> bool:
        if not record.get("managementEvent", True):
            return _wanted(trail, region, record)
        pair = (record["eventSource"], record.get("readOnly", False))
        answer = answers.get(pair)
        if answer is None:
            answer = answers[pair] = _wanted(trail, region, record)
        return answer

    return wanted


def _own_write(trail: Trail, record: Mapping[str, Any]) -> bool:
    if record.get("userIdentity", {}).get("invokedBy") != CLOUDTRAIL:
        return False
    params = record.get("requestParameters") or {}
    group = (trail.get("CloudWatchLogsLogGroupArn") or "").split(":")
    return (params.get("bucketName") == trail.get("S3BucketName")
            or (params.get("topicArn") and params.get("topicArn") == trail.get("SnsTopicARN"))
            or (len(group) > 6 and params.get("logGroupName") == group[6]))


def _pending(engine, account: str, region: str, kind: str, cursor: str) -> tuple[list[tuple[str, dict]], str | None]:
    """(key, record) pairs newer than ``cursor`` (oldest first), and the key of the newest."""
    ns = history_ns(account, region, kind)
    recent = engine.history.recent
    held = recent.since(ns, cursor) if recent is not None else None
    if held is not None:
        return held
    found: list[tuple[str, dict]] = []
    newest = None
    start = None
    while True:
        chunk = engine.store.scan(ns, start_after=start, limit=SCAN_CHUNK)
        for key, record in chunk:
            if key >= cursor:
                return found[::-1], newest
            newest = newest or key
            found.append((key, record))
        if len(chunk) < SCAN_CHUNK:
            return found[::-1], newest
        start = chunk[-1][0]


def _gather(engine, account: str, trail: Trail, region: str, kinds, cursors: dict, since: str,
            known: dict | None = None) -> tuple[list[tuple[str, str, dict]], dict[str, str]]:
    """What the trail logs from ``cursors`` on: (slot, key, record) oldest first, and each slot's newest key.
    ``known`` holds what another destination already read from the same cursors."""
    entries: list[tuple[str, str, dict]] = []
    moves: dict[str, str] = {}
    wanted = _wanted_by(trail, region)
    for kind in kinds:
        slot = f"{region}/{kind}"
        cursor = cursors.get(slot, since)
        if known is not None and known["cursors"].get(slot) == cursor:
            found, newest = known["found"][slot]
        else:
            found, newest = _pending(engine, account, region, kind, cursor)
            if known is not None:
                known["cursors"][slot], known["found"][slot] = cursor, (found, newest)
        entries.extend((slot, key, r) for key, r in found if wanted(r))
        if newest is not None:
            moves[slot] = newest
    entries.sort(key=lambda e: e[2]["eventTime"])  # stable: each slot stays in its own order
    return entries, moves


def deliver(engine, account: str, trail: Trail, state: TrailState, now: float) -> None:
    cursors = state.setdefault("Cursors", {})
    since = state.get("Since")
    if since is None:
        return
    logs = logs_delivery.prepare(state, trail)  # before S3 moves on: both get what is not yet in a file
    kinds = (MANAGEMENT, DATA) if selectors.wants_data(trail) else (MANAGEMENT,)
    for region in _regions(engine, account, trail):
        # A region's records are rebuilt from memory, written, then dropped together: out of the collector's way.
        with collector_paused():
            _deliver_region(engine, account, trail, state, region, kinds, cursors, since, logs, now)


def _deliver_region(engine, account: str, trail: Trail, state: TrailState, region: str, kinds, cursors: dict,
                    since: str, logs: logs_delivery.LogsPosition | None, now: float) -> None:
    known: dict[str, dict] = {"cursors": {}, "found": {}}
    entries, moves = _gather(engine, account, trail, region, kinds, cursors, since, known)
    if logs is not None:
        logs_entries, logs_moves = _gather(engine, account, trail, region, kinds, logs["Cursors"], since, known)
    if not entries or _write_file(engine, account, trail, state, region, [e[2] for e in entries], now):
        cursors.update(moves)  # else the cursor stays: these records go out with the next attempt
    if logs is not None:
        logs_delivery.deliver(engine, account, trail, state, region, logs_entries, logs_moves, now)


def _write_file(engine, account: str, trail: Trail, state: TrailState, region: str, records: list[dict],
                now: float) -> bool:
    validated = bool(trail.get("LogFileValidationEnabled"))
    data, body_sha256 = _log_file(records, validated)
    key = log_key(trail, account, region, now)
    bucket = trail["S3BucketName"]
    state["LatestDeliveryAttemptTime"] = now
    try:
        put_object(engine, account, trail, state, bucket, key, data)
    except ServiceError as error:
        state["LatestDeliveryError"] = _error_text(error)
        return False
    state["LatestDeliveryTime"] = state["LatestDeliveryAttemptSucceeded"] = now
    state.pop("LatestDeliveryError", None)
    times = [r["eventTime"] for r in records]
    if body_sha256 is not None:  # the trail validates its files
        state.setdefault("DigestFiles", {}).setdefault(region, []).append({
            "S3Bucket": bucket, "S3Object": key, "HashValue": body_sha256,
            "HashAlgorithm": "SHA-256", "NewestEventTime": max(times), "OldestEventTime": min(times)})
    if topic := trail.get("SnsTopicARN"):
        _notify(engine, account, trail, state, topic, bucket, key, now)
    return True


def _log_file(records: list, validated: bool) -> tuple[bytes, str | None]:
    """The gzipped log file of ``records`` (``json.dumps({"Records": records})`` compactly, byte for byte, of texts
    most records already are), and the SHA-256 of its JSON if ``validated``. The JSON is compressed (and hashed) a
    few hundred records at a time: one delivery interval's calls under load make a file of megabytes (15 MB for 5 s
    of Encrypts), and joining it whole made three copies of it."""
    compressor = cramjam.gzip.Compressor(level=GZIP_LEVEL)
    digest = hashlib.sha256() if validated else None

    def take(data: bytes) -> None:
        if digest is not None:
            digest.update(data)
        compressor.compress(data)

    take(b'{"Records":[')
    for at in range(0, len(records), _PIECE):
        if at:
            take(b",")
        take(",".join(compact_text(r) for r in records[at:at + _PIECE]).encode())
    take(b"]}")
    return bytes(compressor.finish()), (digest.hexdigest() if digest is not None else None)


def _error_text(error: ServiceError) -> str:
    return error.code if not error.message else f"{error.code}: {error.message}"


def put_object(engine, account: str, trail: Trail, state: TrailState, bucket: str, key: str, data: bytes,
               metadata: dict | None = None) -> None:
    # As AWS does, CloudTrail hands the object to the bucket owner (what the documented bucket policy requires).
    params: dict[str, Any] = {"Bucket": bucket, "Key": key, "Body": data, "ContentType": "application/json",
              "ContentEncoding": "gzip", "ServerSideEncryption": "AES256", "ACL": "bucket-owner-full-control"}
    if metadata:
        params["Metadata"] = metadata
    if key_id := trail.get("KmsKeyId"):
        params.update(ServerSideEncryption="aws:kms", SSEKMSKeyId=key_id)
        try:
            call(engine, account, trail, "s3", "PutObject", params)
            return
        except ServiceError as error:
            if error.code != "NotImplemented":
                raise
        # This S3 cannot do SSE-KMS yet: CloudTrail still has the trail's key make a data key (so the
        # key policy is exercised and the use is on record), and S3 encrypts with its own key (SSE-S3).
        call(engine, account, trail, "kms", "GenerateDataKey",
             {"KeyId": key_id, "KeySpec": "AES_256", "EncryptionContext": {"aws:cloudtrail:arn": trail["TrailARN"]}},
             region=key_id.split(":")[3])
        params.update(ServerSideEncryption="AES256")
        params.pop("SSEKMSKeyId")
    call(engine, account, trail, "s3", "PutObject", params)


def _notify(engine, account: str, trail: Trail, state: TrailState, topic: str, bucket: str, key: str,
            now: float) -> None:
    state["LatestNotificationAttemptTime"] = now
    try:
        call(engine, account, trail, "sns", "Publish",
             {"TopicArn": topic, "Message": json.dumps({"s3Bucket": bucket, "s3ObjectKey": [key]})},
             region=topic.split(":")[3])
    except ServiceError as error:
        state["LatestNotificationError"] = _error_text(error)
        return
    state["LatestNotificationTime"] = state["LatestNotificationAttemptSucceeded"] = now
    state.pop("LatestNotificationError", None)
