"""An API call's CloudTrail record written straight as its JSON text, from a template per operation, without the
record's dict or a JSON encoder's walk over it (what recording a call cost the bus worker most, with a trail).

The text is byte for byte ``json.dumps(build_record(event, signing_name), separators=(",", ":"))``: what event
history stores, and what a trail's log file holds of the record (``delivery`` splices the texts into the file).
``tests/test_cloudtrail_record_template.py`` compares the two for every kind of call. Per (service, operation)
the fixed members are written once (event source and name, readOnly, the event's category); per principal its
``userIdentity`` (most calls come from a few principals); per call only what changes: the time, the region, the
caller's address and agent, the error, the request and response elements, the ids, the resources, the host.
"""
from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from json.encoder import encode_basestring_ascii as json_string  # type: ignore[attr-defined]
from typing import Any

import orjson

from nimbus.core.event_ids import cloudtrail_event_id
from nimbus.core.events import ApiCallEvent
from nimbus.protocol.serializers.json_bytes import json_bytes, json_text
from nimbus.services.cloudtrail.lazy_record import LazyRecord
from nimbus.services.cloudtrail.records import (
    EVENT_VERSION,
    MAX_ELEMENT_BYTES,
    READ_ONLY_OPERATIONS,
    event_source,
    is_data_event,
    record_region,
    recorded_elements,
    resources,
    shared_event_id,
    user_identity,
)

_IDENTITIES = 1024  # userIdentity texts kept, one per principal seen lately


class _Operation:
    """The members of every record of one operation that do not change from call to call."""

    def __init__(self, service: str, operation: str, signing_name: str, read_only: bool):
        data = is_data_event(service, operation)
        self.source, self.read_only, self.data = event_source(signing_name), read_only, data
        self.named = f',"eventSource":{json_string(self.source)},"eventName":{json_string(operation)},"awsRegion":'
        self.read_only_text = ',"readOnly":true' if read_only else ',"readOnly":false'
        self.kind = (f',"eventType":"AwsApiCall","managementEvent":{"false" if data else "true"}'
                     ',"recipientAccountId":')
        self.category = ',"eventCategory":"Data"' if data else ',"eventCategory":"Management"'
        self.fields = {"eventVersion": EVENT_VERSION, "eventSource": self.source, "eventName": operation,
                       "readOnly": read_only, "eventType": "AwsApiCall", "managementEvent": not data,
                       "eventCategory": "Data" if data else "Management"}


@lru_cache(maxsize=4096)
def _operation(service: str, operation: str, signing_name: str, read_only: bool) -> _Operation:
    return _Operation(service, operation, signing_name, read_only)


_identities: dict[bytes, str] = {}


def _identity_text(principal: dict[str, Any]) -> str:
    try:
        shape = orjson.dumps(principal)  # the principal's whole content: a renamed user is another principal
    except TypeError:
        return json_text(user_identity(principal))
    text = _identities.get(shape)
    if text is None:
        if len(_identities) >= _IDENTITIES:
            _identities.clear()
        text = _identities[shape] = json_text(user_identity(principal))
    return text


def _value(value: Any) -> str:
    if type(value) is str:
        return json_string(value)
    return "null" if value is None else json_text(value)


_last_second: tuple[tuple[int, ...], str] = ((), "")


def _time(value: datetime) -> str:
    """``strftime("%Y-%m-%dT%H:%M:%SZ")``, written once per second: calls come many to a second."""
    global _last_second
    fields = (value.year, value.month, value.day, value.hour, value.minute, value.second)
    last = _last_second
    if last[0] == fields:
        return last[1]
    text = value.strftime("%Y-%m-%dT%H:%M:%SZ")
    _last_second = (fields, text)
    return text


def _elements_text(document: Any) -> str:
    """``records._bounded(document)`` as compact JSON: the document with what JSON cannot spell as its ``str``,
    or a note of its size past 100 KB (measured, as CloudTrail does, in ``json``'s default spelling)."""
    if document is None:
        return "null"
    try:
        text = json_text(document)
    except (TypeError, ValueError):
        text = json.dumps(document, default=str, separators=(",", ":"))
    # The default spelling adds at most one space per separator, so it is at most twice as long as this one.
    if 2 * len(text) > MAX_ELEMENT_BYTES:
        size = len(json.dumps(document, default=str))
        if size > MAX_ELEMENT_BYTES:
            return f'{{"omitted":true,"originalSize":{size}}}'
    return text


def templated_record(event: ApiCallEvent, signing_name: str) -> LazyRecord:
    """The record ``build_record`` makes of ``event``, as its text and the members delivery and selectors read."""
    read_only = event.read_only or event.operation in READ_ONLY_OPERATIONS
    fixed = _operation(event.service, event.operation, signing_name, read_only)
    principal = event.principal or {}
    request, response = recorded_elements(event, read_only)
    internal_service = principal.get("type") == "AWSService"
    region = record_region(event)
    when = _time(event.time)
    event_id = cloudtrail_event_id(event.request_id)
    parts = ['{"eventVersion":"', EVENT_VERSION, '","userIdentity":', _identity_text(principal),
             ',"eventTime":"', when, '"', fixed.named, _value(region),
             ',"sourceIPAddress":', _value(principal.get("invoked_by") if internal_service else event.source_ip),
             ',"userAgent":', _value(principal.get("invoked_by") if internal_service else event.user_agent)]
    fields = {**fixed.fields, "eventTime": when, "awsRegion": region, "requestID": event.request_id,
              "eventID": event_id, "recipientAccountId": event.account_id}
    if event.error_code:
        parts += [',"errorCode":', _value(event.error_code), ',"errorMessage":', _value(event.error_message)]
        fields["errorCode"] = event.error_code
    parts += [',"requestParameters":', _elements_text(request), ',"responseElements":', _elements_text(response),
              ',"requestID":', _value(event.request_id), ',"eventID":"', event_id, '"', fixed.read_only_text]
    found = resources(event, event.account_id)
    if found:
        encoded = json_bytes(found)
        parts += [',"resources":', encoded.decode("ascii")]
        fields["resources"] = encoded  # read back when asked (lazy_record.py), so ``fields`` holds no container
    parts += [fixed.kind, _value(event.account_id)]
    if internal_service:
        parts += [',"sharedEventID":"', shared_event_id(event.request_id), '"']
    parts.append(fixed.category)
    if event.host and not event.internal:
        parts += [',"tlsDetails":{"clientProvidedHostHeader":', _value(event.host), "}"]
    parts.append("}")
    return LazyRecord("".join(parts), fields)
