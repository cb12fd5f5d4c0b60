"""Records in and out of an application: an input record parsed by its ``RecordFormat`` into rows of
the in-application input stream, and rows of an in-application stream written as JSON or CSV."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from nimbus.core.json_text import read_json

# Columns every row of an input stream has besides its schema's (AWS's names).
METADATA_COLUMNS = [("ROWTIME", "TIMESTAMP"), ("APPROXIMATE_ARRIVAL_TIME", "TIMESTAMP"),
                    ("PARTITION_KEY", "VARCHAR(256)"), ("SEQUENCE_NUMBER", "VARCHAR(128)"), ("SHARD_ID", "VARCHAR(64)")]
ERROR_STREAM = "error_stream"
ERROR_COLUMNS = [("ROWTIME", "TIMESTAMP"), ("ERROR_TIME", "TIMESTAMP"), ("ERROR_LEVEL", "VARCHAR(10)"),
                 ("ERROR_NAME", "VARCHAR(32)"), ("MESSAGE", "VARCHAR(4096)"), ("DATA_ROWTIME", "TIMESTAMP"),
                 ("DATA_ROW", "VARCHAR(49152)"), ("PUMP_NAME", "VARCHAR(128)")]
_PATH_STEP = re.compile(r"\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[\"([^\"]+)\"\]|\['([^']+)'\]")


class RecordError(ValueError):
    """A record its input's schema cannot read."""


def when(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)


def input_columns(schema: dict) -> list[tuple[str, str]]:
    return [(column["Name"], column["SqlType"]) for column in schema["RecordColumns"]]


def json_path(value: Any, path: str) -> Any:
    """``$.a.b``, ``$.a[0]``, ``$['a b']``: the value there, or None when the record has none."""
    if not path.startswith("$"):
        raise RecordError(f"Invalid mapping {path}")
    for step in _PATH_STEP.finditer(path, 1):
        name, index = step.group(1) or step.group(3) or step.group(4), step.group(2)
        if index is not None:
            value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else None
        else:
            value = value.get(name) if isinstance(value, dict) else None
        if value is None:
            return None
    return value


def convert(value: Any, sql_type: str) -> Any:
    """A field as its column's SQL type; RecordError when it is not one."""
    if value is None or value == "":
        return None
    kind = sql_type.upper().split("(")[0].strip()
    try:
        if kind in ("INTEGER", "INT", "BIGINT", "SMALLINT", "TINYINT"):
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            return int(value)
        if kind in ("REAL", "DOUBLE", "FLOAT", "DECIMAL", "NUMERIC"):
            if isinstance(value, bool):
                raise ValueError(value)
            return float(value)
        if kind == "BOOLEAN":
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "false"):
                return str(value).lower() == "true"
            raise ValueError(value)
        if kind == "TIMESTAMP":
            return datetime.fromisoformat(str(value).replace("Z", "+00:00")).replace(tzinfo=None)
    except (ValueError, TypeError, OverflowError):
        raise RecordError(f"Cannot convert value {value!r} to {sql_type}") from None
    text = value if isinstance(value, str) else json.dumps(value) if isinstance(value, (dict, list)) else str(value)
    size = re.search(r"\((\d+)\)", sql_type)
    if size and len(text) > int(size.group(1)):
        raise RecordError(f"Value {text!r} is longer than {sql_type}")
    return text


def parse(schema: dict, data: bytes) -> list[dict[str, Any]]:
    """The rows of one record (a CSV record may hold several); RecordError when it does not fit."""
    columns = schema["RecordColumns"]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise RecordError("Record is not UTF-8") from None
    fmt = schema["RecordFormat"]
    if fmt["RecordFormatType"] == "JSON":
        try:
            value = read_json(text)
        except ValueError as error:
            raise RecordError(f"Invalid JSON: {error}") from None
        if not isinstance(value, dict):
            raise RecordError("Record is not a JSON object")
        return [{c["Name"]: convert(json_path(value, c.get("Mapping") or f"$.{c['Name']}"), c["SqlType"])
                 for c in columns}]
    csv = (fmt.get("MappingParameters") or {}).get("CSVMappingParameters") or {}
    row_delimiter, column_delimiter = csv.get("RecordRowDelimiter", "\n"), csv.get("RecordColumnDelimiter", ",")
    rows = []
    for line in text.split(row_delimiter):
        if not line.strip():
            continue
        fields = line.split(column_delimiter)
        if len(fields) != len(columns):
            raise RecordError(f"Expected {len(columns)} columns, found {len(fields)}")
        rows.append({c["Name"]: convert(field, c["SqlType"]) for c, field in zip(columns, fields, strict=True)})
    return rows


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    if hasattr(value, "is_integer") and not isinstance(value, float):  # DuckDB's Decimal
        return float(value)
    return value


def serialize(row: dict[str, Any], columns: list[str], record_format: str) -> bytes:
    """A row of an output stream (ROWTIME left out unless the stream declares it), as JSON or CSV."""
    if record_format == "CSV":
        return (",".join("" if row.get(c) is None else str(_plain(row.get(c))) for c in columns) + "\n").encode()
    return json.dumps({c: _plain(row.get(c)) for c in columns}, separators=(",", ":")).encode()


def error_row(now: datetime, name: str, message: str, data_rowtime: datetime | None, data: str,
              pump: str = "") -> dict[str, Any]:
    """A row of the error stream."""
    return {"ROWTIME": now, "ERROR_TIME": now, "ERROR_LEVEL": "ERROR", "ERROR_NAME": name, "MESSAGE": message,
            "DATA_ROWTIME": data_rowtime, "DATA_ROW": data, "PUMP_NAME": pump}
