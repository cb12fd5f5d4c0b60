"""An audit event's checks and its CloudTrail Lake record (AWS's "CloudTrail Lake integrations event schema").

Each entry of a PutAuditEvents call is checked on its own: a bad one is listed in ``failed`` with its
``id`` and the others are taken. The error codes of failed entries are nimbus's words (AWS does not list
its own); the reasons are AWS's documented rules.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from datetime import UTC, datetime

from nimbus.core.json_text import read_json

REQUIRED = ("version", "userIdentity", "eventSource", "eventName", "eventTime", "UID", "recipientAccountId")
MAX_LENGTHS = {"version": 256, "userAgent": 1024, "eventSource": 1024, "eventName": 1024, "UID": 1024,
               "errorCode": 256, "errorMessage": 256}
MAX_JSON_BYTES = {"requestParameters": 100 * 1024, "responseElements": 100 * 1024,
                  "additionalEventData": 28 * 1024}
EVENT_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?$")


class EntryError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _invalid(message: str) -> EntryError:
    return EntryError("InvalidEventData", message)


def _check_identity(identity) -> None:
    if not isinstance(identity, dict):
        raise _invalid("userIdentity must be a JSON object.")
    for field, limit in (("type", 128), ("principalId", 1024)):
        value = identity.get(field)
        if not isinstance(value, str) or not value:
            raise _invalid(f"userIdentity.{field} is required.")
        if len(value) > limit:
            raise _invalid(f"userIdentity.{field} must be at most {limit} characters.")
    if "details" in identity and not isinstance(identity["details"], dict):
        raise _invalid("userIdentity.details must be a JSON object.")


def check(entry: dict, owner: str) -> dict:
    """The entry's eventData, parsed and checked against the schema; EntryError otherwise."""
    text = entry["eventData"]
    checksum = entry.get("eventDataChecksum")
    if checksum is not None and checksum != base64.b64encode(hashlib.sha256(text.encode()).digest()).decode():
        raise EntryError("InvalidChecksum", "The eventDataChecksum does not match the SHA-256 of eventData.")
    try:
        data = read_json(text)
    except ValueError:
        raise _invalid("eventData is not valid JSON.") from None
    if not isinstance(data, dict):
        raise _invalid("eventData must be a JSON object.")
    missing = [f for f in REQUIRED if data.get(f) in (None, "")]
    if missing:
        raise _invalid(f"eventData is missing required fields: {', '.join(missing)}.")
    _check_identity(data["userIdentity"])
    for field, limit in MAX_LENGTHS.items():
        if field in data and (not isinstance(data[field], str) or len(data[field]) > limit):
            raise _invalid(f"{field} must be a string of at most {limit} characters.")
    for field, limit in MAX_JSON_BYTES.items():
        if field in data:
            if not isinstance(data[field], dict):
                raise _invalid(f"{field} must be a JSON object.")
            if len(json.dumps(data[field]).encode()) > limit:
                raise _invalid(f"{field} exceeds {limit // 1024} KB.")
    if not isinstance(data["eventTime"], str) or not EVENT_TIME.match(data["eventTime"]):
        raise _invalid("eventTime must be in yyyy-MM-DDTHH:mm:ss format, UTC.")
    if data["recipientAccountId"] != owner:
        raise EntryError("InvalidRecipientAccountId",
                         "recipientAccountId must be the account that owns the channel.")
    return data


def record(data: dict, channel_arn: str, region: str, owner: str, now: float) -> dict:
    ingested = datetime.fromtimestamp(now, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    event_time = data["eventTime"].split(".")[0].rstrip("Z") + "Z"
    return {"eventVersion": "2.0", "eventCategory": "ActivityAuditLog", "eventType": "ActivityLog",
            "eventID": str(uuid.uuid4()), "eventTime": event_time, "awsRegion": region, "recipientAccountId": owner,
            "metadata": {"ingestionTime": ingested, "channelARN": channel_arn}, "eventData": data}
