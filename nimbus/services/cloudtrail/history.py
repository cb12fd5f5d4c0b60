"""Event history: every record, kept 90 days (virtual clock) per account and region, newest first.

Keys invert the time (``(MAX - ms)-(MAX - seq)``) so that the store's ascending scans read newest
first, which is what LookupEvents and delivery (everything newer than a cursor) both want.
Management and data events live in separate namespaces, so LookupEvents never wades through data.
"""
from __future__ import annotations

import base64
import hashlib
import json
import threading
from datetime import UTC, datetime

from nimbus.core.namespaces import regional
from nimbus.core.times import epoch
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail.records import resource_name, username

RETENTION_SECONDS = 90 * 86400
_MAX_MS = 10 ** 14 - 1
_MAX_SEQ = 10 ** 6 - 1
MANAGEMENT, DATA = "events", "data-events"


def history_ns(account: str, region: str, kind: str = MANAGEMENT) -> tuple[str, ...]:
    return regional("cloudtrail", account, region, kind)


def time_key(ms: int, seq: int = _MAX_SEQ) -> str:
    """The key of an event at ``ms``; ``seq`` orders events of one millisecond (higher is newer)."""
    return f"{_MAX_MS - ms:014d}-{_MAX_SEQ - seq:06d}"


def key_ms(key: str) -> int:
    return _MAX_MS - int(key[:14])


class HistoryWriter:
    """Batches records from the bus worker into store transactions (one commit per batch)."""

    def __init__(self, store):
        self.store = store
        self._pending: list[tuple[tuple, str, dict]] = []
        self._lock = threading.Lock()
        self._last_ms = 0
        self._seq = 0

    def add(self, account: str, region: str, kind: str, record: dict, ms: int) -> None:
        with self._lock:
            if ms <= self._last_ms:  # keep keys strictly ordered even when the clock reads equal
                ms = self._last_ms
                self._seq += 1
            else:
                self._last_ms, self._seq = ms, 0
            self._pending.append((history_ns(account, region, kind), time_key(ms, self._seq), record))
            if len(self._pending) >= 100:
                self.flush_locked()

    def flush(self) -> None:
        with self._lock:
            self.flush_locked()

    def flush_locked(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        with self.store.transaction():
            for ns, key, record in batch:
                self.store.put(ns, key, record)

    def prune(self, now: float) -> None:
        """Forget what is older than 90 days."""
        cutoff = time_key(int((now - RETENTION_SECONDS) * 1000), _MAX_SEQ)
        for ns in self.store.namespaces(("cloudtrail",)):
            if len(ns) != 4 or ns[3] not in (MANAGEMENT, DATA):
                continue
            while True:
                old = self.store.scan(ns, start_after=cutoff, limit=500)
                if not old:
                    break
                with self.store.transaction():
                    for key, _ in old:
                        self.store.delete(ns, key)


def _matches(record: dict, attribute: dict | None) -> bool:
    if attribute is None:
        return True
    key, value = attribute["AttributeKey"], attribute["AttributeValue"]
    if key == "EventId":
        return record["eventID"] == value
    if key == "EventName":
        return record["eventName"] == value
    if key == "ReadOnly":
        return str(record["readOnly"]).lower() == value.lower()
    if key == "Username":
        return username(record["userIdentity"]) == value
    if key == "EventSource":
        return record["eventSource"] == value
    if key == "AccessKeyId":
        return record["userIdentity"].get("accessKeyId") == value
    if key == "ResourceType":
        return any(r.get("type") == value for r in record.get("resources", ()))
    if key == "ResourceName":
        return any(resource_name(r) == value or r.get("ARN") == value for r in record.get("resources", ()))
    return False


def as_event(record: dict) -> dict:
    event = {
        "EventId": record["eventID"],
        "EventName": record["eventName"],
        "ReadOnly": str(record["readOnly"]).lower(),
        "EventTime": datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
        "EventSource": record["eventSource"],
        "Resources": [{"ResourceType": r.get("type"), "ResourceName": resource_name(r)}
                      for r in record.get("resources", ())],
        "CloudTrailEvent": json.dumps(record),
    }
    if record["userIdentity"].get("accessKeyId"):
        event["AccessKeyId"] = record["userIdentity"]["accessKeyId"]
    name = username(record["userIdentity"])
    if name:
        event["Username"] = name
    return event


def _query_hash(account: str, region: str, params: dict) -> str:
    query = {k: params.get(k) for k in ("LookupAttributes", "StartTime", "EndTime", "EventCategory")}
    return hashlib.sha256(json.dumps([account, region, query], default=str, sort_keys=True).encode()).hexdigest()[:16]


def _encode_token(key: str, query: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"k": key, "q": query}).encode()).decode()


def _decode_token(token: str, query: str) -> str:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["q"] != query or not isinstance(data["k"], str) or len(data["k"]) != 21:
            raise ValueError
        return data["k"]
    except (ValueError, KeyError, TypeError):
        raise ServiceError("InvalidNextTokenException", "Invalid NextToken", status=400) from None


def lookup(store, account: str, region: str, params: dict, now: float) -> dict:
    attributes = params.get("LookupAttributes") or []
    if len(attributes) > 1:
        raise ServiceError("InvalidLookupAttributesException",
                           "You cannot specify more than one lookup attribute.", status=400)
    attribute = attributes[0] if attributes else None
    if attribute is not None and attribute["AttributeKey"] == "ReadOnly" and \
            attribute["AttributeValue"].lower() not in ("true", "false"):
        raise ServiceError("InvalidLookupAttributesException", "ReadOnly must be true or false.", status=400)
    start, end = epoch(params.get("StartTime")), epoch(params.get("EndTime"))
    if start is not None and end is not None and start > end:
        raise ServiceError("InvalidTimeRangeException", "Start time must be before end time.", status=400)
    oldest = max(start if start is not None else 0, now - RETENTION_SECONDS)
    newest = end if end is not None else now
    if params.get("EventCategory") == "insight":
        return {"Events": []}
    limit = params.get("MaxResults") or 50
    query = _query_hash(account, region, params)
    cursor = _decode_token(params["NextToken"], query) if params.get("NextToken") else None
    if cursor is None:
        cursor = time_key(int(newest * 1000) + 1, 0)  # just newer than ``newest``: everything at or before
    ns = history_ns(account, region)
    events: list[dict] = []
    more = True
    while len(events) < limit and more:
        chunk = store.scan(ns, start_after=cursor, limit=200)
        more = len(chunk) == 200
        for index, (key, record) in enumerate(chunk):
            cursor = key
            if key_ms(key) < oldest * 1000:
                more = False
                break
            if _matches(record, attribute):
                events.append(as_event(record))
                if len(events) == limit:
                    more = more or index < len(chunk) - 1
                    break
    output = {"Events": events}
    if len(events) == limit and more:
        output["NextToken"] = _encode_token(cursor, query)
    return output
