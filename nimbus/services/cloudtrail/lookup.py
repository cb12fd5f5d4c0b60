"""LookupEvents: management events of the last 90 days, newest first, by one attribute or none.

A lookup by attribute reads that attribute's index (history.py) and so costs what it returns, however
many events are stored; one without reads the history itself from its cursor. Either way a page stops at
``MaxResults`` plus one look ahead, so the NextToken is given only when another event matches.
"""
from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime

from nimbus.core.times import epoch
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail import insight_delivery
from nimbus.services.cloudtrail.history import (
    RETENTION_SECONDS,
    TIME_KEY_LENGTH,
    attribute_values,
    history_ns,
    index_ns,
    key_ms,
    time_key,
    value_digest,
)
from nimbus.services.cloudtrail.insights import INSIGHTS
from nimbus.services.cloudtrail.records import resource_name, username

CHUNK = 200


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
        if data["q"] != query or not isinstance(data["k"], str) or len(data["k"]) != TIME_KEY_LENGTH:
            raise ValueError
        return data["k"]
    except (ValueError, KeyError, TypeError):
        raise ServiceError("InvalidNextTokenException", "Invalid NextToken", status=400) from None


def _scan(store, ns: tuple[str, ...], start: str, prefix: str = "") -> Iterator[tuple[str, dict]]:
    """Documents of ``ns`` after ``start`` whose keys begin with ``prefix``, in order, a chunk at a time.
    (A range read rather than the store's prefix scan, which may filter the whole namespace.)"""
    while True:
        chunk = store.scan(ns, start_after=start, limit=CHUNK)
        for key, document in chunk:
            if not key.startswith(prefix):
                return
            yield key, document
        if len(chunk) < CHUNK:
            return
        start = chunk[-1][0]


def _candidates(store, account: str, region: str, attribute: dict | None, cursor: str,
                oldest_ms: float) -> Iterator[tuple[str, dict]]:
    """(event key, record) of the events after ``cursor`` that match, newest first."""
    events = history_ns(account, region)
    if attribute is None:
        for key, record in _scan(store, events, cursor):
            if key_ms(key) < oldest_ms:
                return
            yield key, record
        return
    digest = value_digest(_normalized(attribute)) + "-"
    for row, _ in _scan(store, index_ns(account, region, attribute["AttributeKey"]), digest + cursor, digest):
        key = row[len(digest):]
        if key_ms(key) < oldest_ms:
            return
        found = store.get(events, key)
        if found is not None and _matches(found, attribute):  # a digest may collide; a record may be pruned
            yield key, found


def _insight_candidates(store, account: str, region: str, attribute: dict | None, cursor: str,
                        oldest_ms: float) -> Iterator[tuple[str, dict]]:
    """Insight events are few (two per unusual span): they are read in order and filtered, with no index."""
    for key, record in _scan(store, history_ns(account, region, INSIGHTS), cursor):
        if key_ms(key) < oldest_ms:
            return
        if attribute is None or _normalized(attribute) in insight_delivery.lookup_values(record).get(
                attribute["AttributeKey"], ()):
            yield key, record


def _normalized(attribute: dict) -> str:
    value = attribute["AttributeValue"]
    return value.lower() if attribute["AttributeKey"] == "ReadOnly" else value


def _matches(record: dict, attribute: dict) -> bool:
    return _normalized(attribute) in attribute_values(record).get(attribute["AttributeKey"], ())


def _check(params: dict) -> tuple[dict | None, float | None, float | None]:
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
    return attribute, start, end


def lookup(store, account: str, region: str, params: dict, now: float) -> dict:
    attribute, start, end = _check(params)
    oldest = max(start if start is not None else 0, now - RETENTION_SECONDS)
    newest = end if end is not None else now
    limit = params.get("MaxResults") or 50
    query = _query_hash(account, region, params)
    cursor = _decode_token(params["NextToken"], query) if params.get("NextToken") else None
    if cursor is None:
        cursor = time_key(int(newest * 1000) + 1, 0)  # just newer than ``newest``: everything at or before
    events: list[dict] = []
    output: dict = {"Events": events}
    insight = params.get("EventCategory") == "insight"
    found = (_insight_candidates(store, account, region, attribute, cursor, oldest * 1000) if insight
             else _candidates(store, account, region, attribute, cursor, oldest * 1000))
    for key, record in found:
        if len(events) == limit:  # one more matches: the next page starts after the last one given
            output["NextToken"] = _encode_token(cursor, query)
            break
        events.append(insight_delivery.as_lookup_event(record) if insight else as_event(record))
        cursor = key
    return output
