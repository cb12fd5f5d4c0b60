"""Record format conversion: JSON records to Parquet or ORC, with pyarrow.

AWS reads the schema from an AWS Glue table. nimbus has no Glue, so the schema is given inline:
``SchemaConfiguration.TableName`` holds the Hive/Glue column types as a struct without spaces, e.g.
``struct<id:bigint,name:string,score:double,tags:array<string>>`` (DatabaseName and RoleARN are stored
as given). Records that are not JSON objects, or whose values do not fit the schema, go to the error
prefix as ``format-conversion-failed``. Column names match JSON keys case-insensitively (OpenX JSON SerDe
default); ColumnToJsonKeyMappings and ConvertDotsInJsonKeysToUnderscores are honoured.
"""
from __future__ import annotations

import io
import json

from nimbus.services.firehose.common import invalid

PRIMITIVES = {"string": "string", "varchar": "string", "char": "string", "bigint": "int64", "int": "int32",
              "integer": "int32", "smallint": "int16", "tinyint": "int8", "double": "float64", "float": "float32",
              "boolean": "bool", "timestamp": "timestamp", "date": "date32", "binary": "binary"}
PARQUET_CODECS = {"UNCOMPRESSED": "NONE", "SNAPPY": "SNAPPY", "GZIP": "GZIP", "ZSTD": "ZSTD", None: "SNAPPY"}
ORC_CODECS = {"NONE": "UNCOMPRESSED", "ZLIB": "ZLIB", "SNAPPY": "SNAPPY", None: "SNAPPY"}


def _split(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    if current:
        parts.append(current)
    return parts


def hive_type(text: str):
    import pyarrow as pa
    text = text.strip()
    lower = text.lower()
    if lower.startswith("struct<") and lower.endswith(">"):
        fields = []
        for part in _split(text[7:-1]):
            name, _, kind = part.partition(":")
            if not name or not kind:
                raise ValueError(f"bad struct field '{part}'")
            fields.append(pa.field(name.lower(), hive_type(kind)))
        return pa.struct(fields)
    if lower.startswith("array<") and lower.endswith(">"):
        return pa.list_(hive_type(text[6:-1]))
    if lower.startswith("map<") and lower.endswith(">"):
        key, value = _split(text[4:-1])
        return pa.map_(hive_type(key), hive_type(value))
    if lower.startswith("decimal"):
        precision, scale = (lower[8:-1].split(",") + ["0"])[:2] if "(" in lower else ("10", "0")
        return pa.decimal128(int(precision), int(scale))
    base = lower.split("(")[0]
    if base not in PRIMITIVES:
        raise ValueError(f"unsupported column type '{text}'")
    kind = PRIMITIVES[base]
    return pa.timestamp("ms") if kind == "timestamp" else getattr(pa, kind)()


def schema(conversion: dict):
    import pyarrow as pa
    table = (conversion.get("SchemaConfiguration") or {}).get("TableName", "")
    struct = hive_type(table)
    return pa.schema(list(struct))


def output_format(conversion: dict) -> tuple[str, dict]:
    serializer = (conversion.get("OutputFormatConfiguration") or {}).get("Serializer") or {}
    if "OrcSerDe" in serializer:
        return "orc", serializer["OrcSerDe"] or {}
    if "ParquetSerDe" in serializer:
        return "parquet", serializer["ParquetSerDe"] or {}
    raise invalid("OutputFormatConfiguration.Serializer must name ParquetSerDe or OrcSerDe.")


def check(conversion: dict) -> None:
    table = (conversion.get("SchemaConfiguration") or {}).get("TableName", "")
    if not table.lower().startswith("struct<"):
        raise invalid("nimbus has no AWS Glue: give the schema inline as SchemaConfiguration.TableName = "
                      "'struct<column:type,...>'.")
    try:
        hive_type(table)
    except ValueError as exc:
        raise invalid(f"SchemaConfiguration.TableName: {exc}.") from None
    output_format(conversion)
    deserializer = (conversion.get("InputFormatConfiguration") or {}).get("Deserializer") or {}
    if deserializer and not ({"OpenXJsonSerDe", "HiveJsonSerDe"} & set(deserializer)):
        raise invalid("InputFormatConfiguration.Deserializer must be OpenXJsonSerDe or HiveJsonSerDe.")


def _row(record: bytes, names: list[str], openx: dict) -> dict:
    item = json.loads(record)
    if not isinstance(item, dict):
        raise ValueError("the record is not a JSON object")
    if openx.get("ConvertDotsInJsonKeysToUnderscores"):
        item = {k.replace(".", "_"): v for k, v in item.items()}
    mapping = openx.get("ColumnToJsonKeyMappings") or {}
    keyed = {k.lower(): v for k, v in item.items()}
    return {name: item.get(mapping[name]) if name in mapping else keyed.get(name) for name in names}


def convert(conversion: dict, records: list[bytes], arrivals: list[float]):
    """(file bytes or None, extension, [(record, arrival, error)]) for one batch."""
    import pyarrow as pa
    target = schema(conversion)
    names = target.names
    openx = ((conversion.get("InputFormatConfiguration") or {}).get("Deserializer") or {}).get("OpenXJsonSerDe") or {}
    rows, bad = [], []
    for record, arrival in zip(records, arrivals):
        try:
            row = _row(record, names, openx)
            pa.Table.from_pylist([row], schema=target)  # each record checked alone: a bad one fails alone
            rows.append(row)
        except (ValueError, TypeError, pa.ArrowException) as exc:
            bad.append((record, arrival, str(exc)))
    if not rows:
        return None, "", bad
    table = pa.Table.from_pylist(rows, schema=target)
    fmt, serde = output_format(conversion)
    out = io.BytesIO()
    if fmt == "parquet":
        import pyarrow.parquet as pq
        pq.write_table(table, out, compression=PARQUET_CODECS.get(serde.get("Compression"), "SNAPPY"),
                       use_dictionary=serde.get("EnableDictionaryCompression", True))
        return out.getvalue(), ".parquet", bad
    import pyarrow.orc as orc
    orc.write_table(table, out, compression=ORC_CODECS.get(serde.get("Compression"), "SNAPPY"))
    return out.getvalue(), ".orc", bad
