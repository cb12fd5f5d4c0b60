"""Inferring an input schema from sample records, as Kinesis Data Analytics' DiscoverInputSchema (v1 and v2)
does: JSON objects become columns mapped by JSONPath (nested objects flattened, ``$.outer.inner`` named
``outer_inner``), anything else is read as CSV with the column delimiter that splits every row alike, columns
``COL1``, ``COL2``...
SQL types follow the values: ``BOOLEAN``, ``INTEGER``/``BIGINT``, ``REAL`` (a number with a fraction),
``VARCHAR(n)`` with ``n`` the power of two that holds the longest value."""
from __future__ import annotations

import json
import re
from typing import Any

from nimbus.core.json_text import read_json

CSV_DELIMITERS = (",", "|", "\t", ";")
# Names the SQL dialect reserves: a column named so is prefixed, as AWS does.
RESERVED = {"TIME", "TIMESTAMP", "DATE", "VALUE", "USER", "ORDER", "GROUP", "ROWTIME", "SELECT", "FROM", "WHERE",
            "TABLE", "STREAM", "WINDOW", "YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND", "KEY", "TYPE",
            "COUNT", "SUM", "MIN", "MAX", "AVG", "RANGE", "ROWS", "ALL", "AND", "OR", "NOT", "NULL"}
INT32 = 2 ** 31
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_INTEGER = re.compile(r"-?\d+")


def column_name(raw: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", raw) or "COL"
    if name[0].isdigit() or name.upper() in RESERVED:
        name = f"COL_{name}"
    return name


def sql_type(values: list[Any]) -> str:
    present = [value for value in values if value is not None]
    if present and all(isinstance(value, bool) for value in present):
        return "BOOLEAN"
    if present and all(isinstance(value, int) and not isinstance(value, bool) for value in present):
        return "INTEGER" if all(-INT32 <= value < INT32 for value in present) else "BIGINT"
    if present and all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in present):
        return "REAL"
    longest = max((len(text(value)) for value in present), default=1)
    size = 1
    while size < longest:
        size *= 2
    return f"VARCHAR({size})"


def text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return "" if value is None else str(value)


def _flatten(obj: dict, path: str, prefix: str, out: dict[str, tuple[str, Any]]) -> None:
    for key, value in obj.items():
        if isinstance(value, dict) and value:
            _flatten(value, f"{path}.{key}", f"{prefix}{key}_", out)
        else:
            out[f"{path}.{key}"] = (prefix + key, value)


def _json_rows(samples: list[str]) -> list[dict[str, tuple[str, Any]]] | None:
    rows = []
    for sample in samples:
        try:
            value = read_json(sample)
        except ValueError:
            return None
        if not isinstance(value, dict):
            return None
        flat: dict[str, tuple[str, Any]] = {}
        _flatten(value, "$", "", flat)
        rows.append(flat)
    return rows


def _json_schema(rows: list[dict[str, tuple[str, Any]]]) -> tuple[dict, list[list[str]]]:
    paths: dict[str, str] = {}
    for row in rows:
        for path, (name, _) in row.items():
            paths.setdefault(path, column_name(name))
    columns = [{"Name": name, "Mapping": path,
                "SqlType": sql_type([row[path][1] for row in rows if path in row])} for path, name in paths.items()]
    parsed = [[text(row[path][1]) if path in row else "" for path in paths] for row in rows]
    return ({"RecordFormat": {"RecordFormatType": "JSON",
                              "MappingParameters": {"JSONMappingParameters": {"RecordRowPath": "$"}}},
             "RecordEncoding": "UTF-8", "RecordColumns": columns}, parsed)


def _csv_value(field: str) -> Any:
    if _INTEGER.fullmatch(field):
        return int(field)
    if _NUMBER.fullmatch(field):
        return float(field)
    return field


def _csv_schema(samples: list[str]) -> tuple[dict, list[list[str]]] | None:
    lines = [line for sample in samples for line in sample.splitlines() if line.strip()]
    if not lines:
        return None
    delimiter = next((d for d in CSV_DELIMITERS
                      if len({line.count(d) for line in lines}) == 1 and d in lines[0]), ",")
    parsed = [line.split(delimiter) for line in lines]
    width = max(len(row) for row in parsed)
    columns = [{"Name": f"COL{n + 1}",
                "SqlType": sql_type([_csv_value(row[n]) for row in parsed if n < len(row)])} for n in range(width)]
    return ({"RecordFormat": {"RecordFormatType": "CSV", "MappingParameters": {"CSVMappingParameters": {
                "RecordRowDelimiter": "\n", "RecordColumnDelimiter": delimiter}}},
             "RecordEncoding": "UTF-8", "RecordColumns": columns}, parsed)


def infer(samples: list[str]) -> tuple[dict, list[list[str]]] | None:
    """(InputSchema, ParsedInputRecords) for the samples, or None when nothing can be inferred."""
    rows = _json_rows(samples)
    if rows is not None and any(rows):
        return _json_schema(rows)
    return _csv_schema(samples)
