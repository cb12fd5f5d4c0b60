"""Fill a data dir's CloudTrail event history fast, for benchmarks: a million events over HTTP would take
hours, so this writes them in-process through the recorder's own path (``records.build_record`` for the
record, ``history.HistoryWriter`` for the rows and their LookupEvents index, in batched transactions)
into the store a server then opens. Run it while no server uses the data dir.

The events are ``TEMPLATES`` distinct calls (KMS, SNS, IAM, STS; each names one of ``RESOURCES`` resources)
spread evenly over the last ``days`` (inside the 90 days of history), each with its own event id.
"""
from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from nimbus.core.events import ApiCallEvent
from nimbus.services.cloudtrail.history import MANAGEMENT, HistoryWriter
from nimbus.services.cloudtrail.records import build_record
from nimbus.store.sqlite import SqliteStore

ACCOUNT = "000000000000"
REGION = "us-east-1"
RESOURCES = 1000
# (service, signing name, operation, parameter naming the resource, read-only)
CALLS = (("kms", "kms", "Encrypt", "KeyId", True), ("kms", "kms", "DescribeKey", "KeyId", True),
         ("sns", "sns", "GetTopicAttributes", "TopicArn", True), ("sns", "sns", "SetTopicAttributes", "TopicArn", False),
         ("iam", "iam", "GetUser", "UserName", True), ("iam", "iam", "TagUser", "UserName", False),
         ("sts", "sts", "GetCallerIdentity", None, True))


def _resource(member: str | None, index: int) -> dict:
    if member == "KeyId":
        return {"KeyId": str(uuid.UUID(int=index))}
    if member == "TopicArn":
        return {"TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:loaded-{index}"}
    if member == "UserName":
        return {"UserName": f"loaded-{index}"}
    return {}


def templates() -> list[dict]:
    """One record per (call, resource), built as the recorder builds a live call's."""
    principal = {"type": "Root", "arn": f"arn:aws:iam::{ACCOUNT}:root", "principal_id": ACCOUNT,
                 "account_id": ACCOUNT, "access_key_id": "test"}
    now = datetime.now(tz=UTC)
    out = []
    for index in range(RESOURCES):
        for service, signing, operation, member, read_only in CALLS:
            event = ApiCallEvent(
                time=now, request_id=str(uuid.uuid4()), account_id=ACCOUNT, region=REGION, principal=principal,
                access_key_id="test", source_ip="127.0.0.1", user_agent="history-loader", service=service,
                operation=operation, request_parameters=_resource(member, index), response=None, error_code=None,
                error_message=None, read_only=read_only, internal=False)
            out.append(build_record(event, signing))
    return out


def fill(data_dir: str, count: int, days: float = 80.0, now: float | None = None) -> float:
    """Write ``count`` events into the history of the store in ``data_dir``; returns the seconds it took."""
    began = time.perf_counter()
    store = SqliteStore.in_dir(data_dir)
    writer = HistoryWriter(store)
    records = templates()
    end_ms = int((now or time.time()) * 1000) - 60_000  # a minute ago: older than anything a benchmark calls
    step = days * 86400 * 1000 / count
    try:
        for number in range(count):
            ms = end_ms - int((count - number) * step)
            record = dict(records[number % len(records)], eventID=str(uuid.uuid4()),
                          eventTime=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000)))
            writer.add(ACCOUNT, REGION, MANAGEMENT, record, ms)
        writer.flush()
        writer.index_pending()  # as a server that has answered a lookup since holds them
    finally:
        store.close()
    return time.perf_counter() - began
