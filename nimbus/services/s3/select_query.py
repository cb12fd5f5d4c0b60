"""S3 Select's engine: the object as one Arrow table, the query run by the shared SQL engine, the answer as S3's
event stream (select.py is the operation). Loaded with the first query: Arrow, DuckDB and sqlglot take about a
second to import, which no other S3 call should pay.
"""
from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from nimbus.core.sql import Limits, SqlError, SqlLimitExceeded, run
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.select import MAX_INPUT_BYTES, error_400
from nimbus.services.s3.select_sql import TABLE

LIMITS = Limits(memory="1GB", threads=2, seconds=120.0, max_rows=5_000_000)
RECORDS_CHUNK = 64 * 1024


def _decompress(data: bytes, compression: str) -> bytes:
    if compression in ("", "NONE"):
        return data
    opener = {"GZIP": gzip.open, "BZIP2": bz2.open}.get(compression)
    if opener is None:
        raise error_400("InvalidCompressionFormat", "The file is not in a supported compression format. Only GZIP "
                     "and BZIP2 are supported.")
    try:
        with opener(io.BytesIO(data), "rb") as stream:
            out = stream.read(MAX_INPUT_BYTES + 1)
    except (OSError, EOFError, ValueError):
        raise error_400("InvalidCompressionFormat", f"The file is not in {compression} format.") from None
    if len(out) > MAX_INPUT_BYTES:
        raise error_400("InvalidRequest", f"nimbus's S3 Select reads at most {MAX_INPUT_BYTES} bytes of an object.")
    return out


def _csv_table(data: bytes, options: dict) -> pa.Table:
    header = (options.get("FileHeaderInfo") or "NONE").upper()
    parse = pacsv.ParseOptions(delimiter=options.get("FieldDelimiter") or ",",
                               quote_char=options.get("QuoteCharacter") or '"',
                               newlines_in_values=bool(options.get("AllowQuotedRecordDelimiter")))
    comments = options.get("Comments")
    if comments:
        data = b"\n".join(line for line in data.split(b"\n") if not line.startswith(comments.encode()))
    delimiter = options.get("RecordDelimiter") or "\n"
    if delimiter not in ("\n", "\r\n"):
        data = data.replace(delimiter.encode(), b"\n")
    first = next(csv.reader([data.split(b"\n", 1)[0].decode("utf-8", "replace").rstrip("\r")],
                            delimiter=parse.delimiter, quotechar=parse.quote_char), [])
    names = first if header == "USE" else [f"_{n}" for n in range(1, len(first) + 1)]
    read = pacsv.ReadOptions(column_names=names, skip_rows=0 if header == "NONE" else 1)
    try:  # every CSV field is a string to S3 Select (CAST gives it a type)
        return pacsv.read_csv(io.BytesIO(data), read_options=read, parse_options=parse,
                              convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}))
    except pa.ArrowInvalid as error:
        raise error_400("CSVParsingError", f"Encountered an error parsing the CSV file: {error}") from None


def _json_records(data: bytes, kind: str) -> list[dict]:
    text = data.decode("utf-8", "replace")
    records: list = []
    try:
        if kind == "LINES":
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            decoder, position = json.JSONDecoder(), 0
            while position < len(text):
                while position < len(text) and text[position].isspace():
                    position += 1
                if position == len(text):
                    break
                value, position = decoder.raw_decode(text, position)
                records.append(value)
    except ValueError:
        raise error_400("JSONParsingError", "Encountered an error parsing the JSON file. Check the file and try "
                     "again.") from None
    return [r if isinstance(r, dict) else {"_1": r} for r in records]


def _table(data: bytes, serialization: dict) -> pa.Table:
    data = _decompress(data, (serialization.get("CompressionType") or "NONE").upper())
    if "CSV" in serialization:
        return _csv_table(data, serialization["CSV"] or {})
    if "JSON" in serialization:
        records = _json_records(data, ((serialization["JSON"] or {}).get("Type") or "DOCUMENT").upper())
        try:
            return pa.Table.from_pylist(records)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            raise error_400("JSONParsingError", "Encountered an error parsing the JSON file. Check the file and "
                         "try again.") from None
    if "Parquet" in serialization:
        try:
            return pq.read_table(io.BytesIO(data))
        except (pa.ArrowInvalid, OSError):
            raise error_400("ParquetParsingError", "An error occurred while parsing the Parquet file. Check the file "
                         "and try again.") from None
    raise error_400("InvalidDataSource", "Invalid data source type. Only CSV, JSON, and Parquet are supported.")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _render(columns: list[str], rows: list[tuple], output: dict) -> Iterator[bytes]:
    """The result records in the requested output format, in chunks."""
    buffer = io.StringIO()
    if "JSON" in output:
        delimiter = (output["JSON"] or {}).get("RecordDelimiter") or "\n"
        for row in rows:
            buffer.write(json.dumps(dict(zip(columns, row, strict=True)), default=str, separators=(",", ":")))
            buffer.write(delimiter)
            if buffer.tell() >= RECORDS_CHUNK:
                yield buffer.getvalue().encode()
                buffer = io.StringIO()
    else:
        options = output.get("CSV") or {}
        quoting = csv.QUOTE_ALL if options.get("QuoteFields") == "ALWAYS" else csv.QUOTE_MINIMAL
        writer = csv.writer(buffer, delimiter=options.get("FieldDelimiter") or ",",
                            quotechar=options.get("QuoteCharacter") or '"',
                            lineterminator=options.get("RecordDelimiter") or "\n", quoting=quoting)
        for row in rows:
            writer.writerow([_text(value) for value in row])
            if buffer.tell() >= RECORDS_CHUNK:
                yield buffer.getvalue().encode()
                buffer = io.StringIO()
    if buffer.tell():
        yield buffer.getvalue().encode()


def answer(query: str, data: bytes, params: dict, size: int) -> Iterator[dict]:
    """The event stream of ``query`` (translated) over the object's ``data`` (``size`` bytes stored)."""
    table = _table(data, params.get("InputSerialization") or {})
    try:
        result = run(query, {TABLE: table}, LIMITS)
    except SqlLimitExceeded as error:
        raise error_400("InvalidRequest", str(error)) from None
    except SqlError as error:
        raise _query_error(str(error)) from None
    progress = bool((params.get("RequestProgress") or {}).get("Enabled"))
    return _events(result.columns, result.rows, params.get("OutputSerialization") or {}, len(data), size, progress)


def _query_error(message: str) -> ServiceError:
    lowered = message.lower()
    if "conversion" in lowered or "cast" in lowered:
        return error_400("CastFailed", "Attempt to convert from one data type to another using CAST failed in the SQL "
                      "expression.")
    if "binder" in lowered or "not found" in lowered:
        return error_400("EvaluatorBindingDoesNotExist", "A column name or a path provided does not exist in the SQL "
                      "expression.")
    return error_400("InvalidQuery", "The query is not valid.")


def _events(columns: list[str], rows: list[tuple], output: dict, processed: int, scanned: int,
            progress: bool) -> Iterator[dict]:
    returned = 0
    for chunk in _render(columns, rows, output):
        returned += len(chunk)
        yield {"Records": {"Payload": chunk}}
    details = {"BytesScanned": scanned, "BytesProcessed": processed, "BytesReturned": returned}
    if progress:
        yield {"Progress": {"Details": details}}
    yield {"Stats": {"Details": details}}
    yield {"End": {}}
