"""An event data store's events as the table CloudTrail Lake queries: its columns named and typed as Lake's
schema names them (``eventTime`` a timestamp, ``userIdentity`` a nested struct, ``requestParameters`` and
``responseElements`` maps of text)."""
from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

TEXT = pa.string()
MAP = pa.map_(pa.string(), pa.string())
ISSUER = pa.struct([("type", TEXT), ("principalId", TEXT), ("arn", TEXT), ("accountId", TEXT), ("userName", TEXT)])
SESSION = pa.struct([("sessionIssuer", ISSUER),
                     ("attributes", pa.struct([("creationDate", TEXT), ("mfaAuthenticated", TEXT)])),
                     ("sourceIdentity", TEXT)])
IDENTITY = pa.struct([("type", TEXT), ("principalId", TEXT), ("arn", TEXT), ("accountId", TEXT),
                      ("accessKeyId", TEXT), ("userName", TEXT), ("invokedBy", TEXT), ("sessionContext", SESSION)])
RESOURCE = pa.struct([("type", TEXT), ("arn", TEXT), ("accountId", TEXT)])
TLS = pa.struct([("tlsVersion", TEXT), ("cipherSuite", TEXT), ("clientProvidedHostHeader", TEXT)])
SCHEMA = pa.schema([
    ("eventVersion", TEXT), ("userIdentity", IDENTITY), ("eventTime", pa.timestamp("ms")), ("eventSource", TEXT),
    ("eventName", TEXT), ("awsRegion", TEXT), ("sourceIPAddress", TEXT), ("userAgent", TEXT), ("errorCode", TEXT),
    ("errorMessage", TEXT), ("requestParameters", MAP), ("responseElements", MAP), ("additionalEventData", MAP),
    ("requestID", TEXT), ("eventID", TEXT), ("readOnly", pa.bool_()), ("resources", pa.list_(RESOURCE)),
    ("eventType", TEXT), ("apiVersion", TEXT), ("managementEvent", pa.bool_()), ("recipientAccountId", TEXT),
    ("sharedEventID", TEXT), ("vpcEndpointId", TEXT), ("eventCategory", TEXT), ("tlsDetails", TLS),
])


def _text_map(value: Any) -> list[tuple[str, str]] | None:
    if not isinstance(value, dict):
        return None
    return [(k, v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))) for k, v in value.items()]


def _fields(value: Any, kind: pa.StructType) -> dict | None:
    if not isinstance(value, dict):
        return None
    out: dict[str, Any] = {}
    for i in range(kind.num_fields):
        field = kind.field(i)
        inner = value.get(field.name)
        if pa.types.is_struct(field.type):
            out[field.name] = _fields(inner, field.type)
        else:
            out[field.name] = None if inner is None else str(inner) if not isinstance(inner, bool) else \
                str(inner).lower()
    return out


def _time(text: Any) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def table(records: Sequence[dict], names: Collection[str] | None = None) -> pa.Table:
    """The records as Lake's table; only the columns in ``names`` (lower case) when given, since building the
    nested ones costs most of a query over many events."""
    wanted = [n for n in SCHEMA.names if names is None or n.lower() in names]
    columns: dict[str, list] = {name: [] for name in wanted}
    for record in records:
        for name in wanted:
            value = record.get(name)
            kind = SCHEMA.field(name).type
            if name == "eventTime":
                value = _time(value)
            elif kind == MAP:
                value = _text_map(value)
            elif name == "resources":
                value = [{"type": r.get("type"), "arn": r.get("ARN"), "accountId": r.get("accountId")}
                         for r in value or ()]
            elif pa.types.is_struct(kind):
                value = _fields(value, kind)
            columns[name].append(value)
    if not wanted:  # count(*) alone reads no column, but the table still has its rows
        return pa.table({"eventID": [record.get("eventID") for record in records]}, schema=pa.schema([
            ("eventID", TEXT)]))
    return pa.table(columns, schema=pa.schema([SCHEMA.field(n) for n in wanted]))


def cell(value: Any) -> str | None:
    """A result value as GetQueryResults shows it: text, timestamps as Lake writes them."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={cell(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(str(cell(v)) for v in value) + "]"
    return str(value)
