"""An event data store's events as the table CloudTrail Lake queries: its columns named and typed as Lake's
schema names them (``eventTime`` a timestamp, ``userIdentity`` a nested struct, ``requestParameters`` and
``responseElements`` maps of text)."""
from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

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


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def _struct(kind: pa.StructType) -> Callable[[Any], dict | None]:
    """A converter from a record's object to the struct's fields, built once per query."""
    parts = [(kind.field(i).name, _struct(kind.field(i).type) if pa.types.is_struct(kind.field(i).type) else _text)
             for i in range(kind.num_fields)]

    def convert(value: Any) -> dict | None:
        if not isinstance(value, dict):
            return None
        return {name: part(value.get(name)) for name, part in parts}
    return convert


def _resources(value: Any) -> list[dict]:
    return [{"type": r.get("type"), "arn": r.get("ARN"), "accountId": r.get("accountId")} for r in value or ()]


def _converter(name: str, kind: pa.DataType) -> Callable[[Any], Any]:
    if kind == MAP:
        return _text_map
    if name == "resources":
        return _resources
    if pa.types.is_struct(kind):
        return _struct(kind)
    return lambda value: value


def table(records: Sequence[dict], names: Collection[str] | None = None) -> pa.Table:
    """The records as Lake's table; only the columns in ``names`` (lower case) when given, since building the
    nested ones costs most of a query over many events."""
    wanted = [n for n in SCHEMA.names if names is None or n.lower() in names]
    if not wanted:  # count(*) alone reads no column, but the table still has its rows
        wanted = ["eventID"]
    columns: dict[str, pa.Array] = {}
    for name in wanted:
        kind = SCHEMA.field(name).type
        if name == "eventTime":  # parsed by Arrow, all at once
            text = pa.array([r.get(name) for r in records], type=pa.string())
            columns[name] = pc.strptime(text, format="%Y-%m-%dT%H:%M:%SZ", unit="ms", error_is_null=True)
        else:
            convert = _converter(name, kind)
            columns[name] = pa.array([convert(r.get(name)) for r in records], type=kind)
    return pa.table(columns)


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
