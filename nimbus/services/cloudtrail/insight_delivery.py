"""Insight events: their record (AWS's ``AwsCloudTrailInsight`` schema), their files in S3 under
``CloudTrail-Insight``, and their LookupEvents entries."""
from __future__ import annotations

import gzip
import json
import secrets
import string
import uuid
from datetime import UTC, datetime

from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail.delivery import _pending, object_prefix, put_object
from nimbus.services.cloudtrail.documents import INSIGHT_DELIVERY, ActiveInsight, Trail
from nimbus.services.cloudtrail.history import INSIGHTS
from nimbus.services.cloudtrail.insights import (
    ATTRIBUTES,
    CALL_RATE,
    ERROR_RATE,
    TOP_VALUES,
    delivery_ns,
    iso_minute,
)

_UNIQUE = string.ascii_letters + string.digits


def _average(active: ActiveInsight, key: str) -> float:
    if key.startswith("call|"):
        return sum(active["Counts"]) / len(active["Counts"])
    calls = sum(active["Calls"])
    return sum(active["Counts"]) / calls if calls else 0.0


def insight_record(account: str, region: str, key: str, active: ActiveInsight, word: str, minute: int) -> dict:
    kind, source, name, *code = key.split("|")
    details: dict = {"state": word, "eventSource": source, "eventName": name,
                     "insightType": CALL_RATE if kind == "call" else ERROR_RATE}
    if code:
        details["errorCode"] = code[0]
    minutes = len(active["Counts"])
    statistics: dict = {"baseline": {"average": round(active["Baseline"], 7)},
                        "insight": {"average": round(_average(active, key), 7)},
                        "baselineDuration": active["BaselineMinutes"]}
    if word == "End":
        statistics["insightDuration"] = minutes
    attributions = []
    for attribute in ATTRIBUTES:
        found = active["Attributions"].get(attribute, {})
        top = sorted(found.items(), key=lambda item: (-item[1], item[0]))[:TOP_VALUES]
        attributions.append({"attribute": attribute,
                             "insight": [{"value": value, "average": round(count / minutes, 7)} for value, count in top],
                             "baseline": []})
    details["insightContext"] = {"statistics": statistics, "attributions": attributions}
    return {"eventVersion": "1.08", "eventTime": iso_minute(minute), "awsRegion": region,
            "eventID": str(uuid.uuid4()), "eventType": "AwsCloudTrailInsight", "recipientAccountId": account,
            "sharedEventID": active["SharedEventID"], "insightDetails": details, "eventCategory": "Insight"}


def as_lookup_event(record: dict) -> dict:
    details = record["insightDetails"]
    return {"EventId": record["eventID"], "EventName": details["eventName"], "ReadOnly": "false",
            "EventTime": datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
            "EventSource": details["eventSource"], "Resources": [], "CloudTrailEvent": json.dumps(record)}


def lookup_values(record: dict) -> dict[str, set[str]]:
    """What each LookupEvents attribute matches in an insight event (it has no user, key or resources)."""
    details = record["insightDetails"]
    return {"EventId": {record["eventID"]}, "EventName": {details["eventName"]},
            "EventSource": {details["eventSource"]}, "ReadOnly": {"false"}}


def insight_key(trail: Trail, account: str, region: str, now: float) -> str:
    when = datetime.fromtimestamp(now, tz=UTC)
    unique = "".join(secrets.choice(_UNIQUE) for _ in range(16))
    return (f"{object_prefix(trail)}AWSLogs/{account}/CloudTrail-Insight/{region}/{when:%Y/%m/%d}/"
            f"{account}_CloudTrail-Insight_{region}_{when:%Y%m%dT%H%MZ}_{unique}.json.gz")


def deliver(engine, account: str, trail: Trail, regions: list[str], now: float) -> None:
    """The trail's insight events not yet in its bucket, one file per region; a failed write is retried."""
    ns = delivery_ns(account, trail["HomeRegion"])
    position = INSIGHT_DELIVERY.get(engine.store, ns, trail["Name"])
    if position is None:
        return
    types = {s["InsightType"] for s in trail.get("InsightSelectors", ())}
    changed = False
    for region in regions:
        found, newest = _pending(engine, account, region, INSIGHTS, position["Cursors"].get(region, position["Since"]))
        if newest is None:
            continue
        records = [r for _, r in found if r["insightDetails"]["insightType"] in types]
        if records:
            body = gzip.compress(json.dumps({"Records": records}, separators=(",", ":")).encode(), mtime=0)
            try:
                put_object(engine, account, trail, {}, trail["S3BucketName"], insight_key(trail, account, region, now),
                           body)
            except ServiceError as error:
                position["LatestDeliveryError"] = f"{error.code}: {error.message}"
                changed = True
                continue
            position["LatestDeliveryTime"] = now
            position.pop("LatestDeliveryError", None)
        position["Cursors"][region] = newest
        changed = True
    if changed:
        INSIGHT_DELIVERY.put(engine.store, ns, trail["Name"], position)
