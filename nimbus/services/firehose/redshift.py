"""Redshift destination: stage the batch in S3, then run the COPY on PostgreSQL at the JDBC URL.

``jdbc:redshift://host:port/db`` is served by a PostgreSQL server at host:port (psycopg). The COPY
Firehose would issue (``COPY <table> [(cols)] FROM 's3://bucket/key' <CopyOptions>``) is translated:
the staged object is read back through the S3 API and loaded with PostgreSQL's own ``COPY ... FROM
STDIN`` in one transaction. Options understood: ``JSON 'auto'`` / ``JSON 'auto ignorecase'``, ``CSV``,
``DELIMITER [AS] 'c'``, ``GZIP``, ``IGNOREHEADER [AS] n``, ``QUOTE [AS] 'c'``, ``NULL AS 's'``,
``EMPTYASNULL``, ``BLANKSASNULL``; ``TIMEFORMAT``, ``DATEFORMAT``, ``TRUNCATECOLUMNS``, ``MAXERROR``,
``COMPUPDATE``, ``STATUPDATE`` and ``REGION`` are accepted and ignored. Without a format the data is
pipe-delimited text, Redshift's default. A failed COPY is retried for RetryOptions.DurationInSeconds,
then a manifest of the staged objects goes to the ErrorOutputPrefix (``redshift-failed``), or to
``errors/manifests/`` without one, in the S3 bucket.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import re
import shlex
from typing import Any

from nimbus.protocol.errors import ServiceError
from nimbus.services.firehose import s3_destination
from nimbus.services.firehose.buffer import Batch
from nimbus.services.firehose.common import TO_S3_SESSION, as_role, bucket_of, invalid
from nimbus.services.firehose.documents import DeliveryStream
from nimbus.services.firehose.s3_destination import DeliveryError

DASHED_IP = re.compile(r"^(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})$")
JDBC = re.compile(r"^jdbc:redshift://(?P<host>[^:/?]+)(?::(?P<port>\d+))?/(?P<db>[^?;]+)")
IGNORED = {"TIMEFORMAT": 1, "DATEFORMAT": 1, "TRUNCATECOLUMNS": 0, "MAXERROR": 1, "COMPUPDATE": 1,
           "STATUPDATE": 1, "REGION": 1, "ACCEPTINVCHARS": 0, "TRIMBLANKS": 0, "ROUNDEC": 0}
VALUED = ("DELIMITER", "QUOTE", "NULL", "IGNOREHEADER")  # options followed by their value
TABLE = re.compile(r"^[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?$")


def server_host(host: str) -> str:
    """The PostgreSQL host for a Redshift endpoint name.

    The model only accepts cluster-style names (``<labels>.redshift[-serverless].<domain>``), so a
    local server is named like nip.io does: a first label ``127-0-0-1`` means that IPv4 address, and
    ``localhost.redshift.<domain>`` means 127.0.0.1; other names are resolved as they are.
    """
    first = host.split(".", 1)[0]
    dashed = DASHED_IP.match(first)
    if dashed and ".redshift" in host:
        return ".".join(dashed.groups())
    if first == "localhost" and ".redshift" in host:
        return "127.0.0.1"
    return host


def parse_options(text: str | None) -> dict[str, Any]:
    tokens = shlex.split(text or "", posix=True)
    options: dict[str, Any] = {"format": "text", "delimiter": "|", "gzip": False, "ignoreheader": 0, "quote": '"', "null": None,
               "emptyasnull": False, "blanksasnull": False, "ignorecase": False}
    i = 0
    while i < len(tokens):
        word = tokens[i].upper()
        arg = tokens[i + 1] if i + 1 < len(tokens) else None
        if arg is not None and arg.upper() == "AS":
            i += 1
            arg = tokens[i + 1] if i + 1 < len(tokens) else None
        if word in VALUED:
            if arg is None:
                raise ValueError(f"{tokens[i]} needs a value")
            options[word.lower()] = int(arg) if word == "IGNOREHEADER" else arg
            i += 2
        elif word == "JSON":
            if not arg or not arg.lower().startswith("auto"):
                raise ValueError("only JSON 'auto' is supported (no JSONPaths files)")
            options.update(format="json", ignorecase="ignorecase" in arg.lower())
            i += 2
        elif word == "CSV":
            options.update(format="csv", delimiter="," if options["delimiter"] == "|" else options["delimiter"])
            i += 1
        elif word in ("GZIP", "EMPTYASNULL", "BLANKSASNULL"):
            options[word.lower()] = True
            i += 1
        elif word in IGNORED:
            i += 1 + IGNORED[word]
        else:
            raise ValueError(f"unsupported COPY option {tokens[i]}")
    return options


def check(config: dict) -> None:
    if not JDBC.match(config.get("ClusterJDBCURL", "")):
        raise invalid("ClusterJDBCURL must look like jdbc:redshift://host:port/database.")
    command = config.get("CopyCommand") or {}
    if not TABLE.match(command.get("DataTableName", "")):
        raise invalid("CopyCommand.DataTableName is not a valid table name.")
    try:
        parse_options(command.get("CopyOptions"))
    except ValueError as exc:
        raise invalid(f"CopyCommand.CopyOptions: {exc}.") from None


def rows(data: bytes, options: dict[str, Any], columns: list[str]) -> list[list]:
    if options["gzip"]:
        data = gzip.decompress(data)
    text = data.decode("utf-8")
    if options["format"] == "json":
        decoder, found, at = json.JSONDecoder(), [], 0
        while True:
            while at < len(text) and text[at].isspace():
                at += 1
            if at >= len(text):
                break
            item, at = decoder.raw_decode(text, at)
            if not isinstance(item, dict):
                raise ValueError("JSON 'auto' needs one JSON object per record")
            keyed = {k.lower(): v for k, v in item.items()}  # Redshift matches lower-case column names
            found.append([_cell(keyed.get(c.lower())) for c in columns])
        return found
    reader = csv.reader(io.StringIO(text), delimiter=options["delimiter"],
                        quotechar=options["quote"] if options["format"] == "csv" else None,
                        quoting=csv.QUOTE_MINIMAL if options["format"] == "csv" else csv.QUOTE_NONE)
    lines = [line for line in reader if line][options["ignoreheader"]:]
    return [[None if _is_null(cell, options) else cell for cell in line] for line in lines]


def _is_null(cell: str, options: dict[str, Any]) -> bool:
    return cell == options["null"] or (options["emptyasnull"] and cell == "") or (
        options["blanksasnull"] and cell.strip() == "") or (options["format"] == "text" and cell == r"\N")


def _cell(value):
    return json.dumps(value) if isinstance(value, (dict, list)) else value


def _columns(conn, table: str, given: str | None) -> list[str]:
    if given:
        return [c.strip() for c in given.split(",") if c.strip()]
    schema, _, name = table.rpartition(".")
    found = conn.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s AND "
                         "table_schema = COALESCE(NULLIF(%s, ''), current_schema()) ORDER BY ordinal_position",
                         (name.lower(), schema.lower())).fetchall()
    if not found:
        raise ValueError(f'relation "{table}" does not exist')
    return [row[0] for row in found]


def copy(config: dict, data: bytes) -> int:
    import psycopg
    from psycopg import sql
    match = JDBC.match(config["ClusterJDBCURL"])
    if match is None:  # checked at create and update: only a document edited by hand gets here
        raise ValueError(f"ClusterJDBCURL {config['ClusterJDBCURL']} is not a Redshift JDBC URL")
    command = config["CopyCommand"]
    options = parse_options(command.get("CopyOptions"))
    with psycopg.connect(host=server_host(match["host"]), port=int(match["port"] or 5439), dbname=match["db"],
                         user=config.get("Username"), password=config.get("Password"), connect_timeout=5) as conn:
        columns = _columns(conn, command["DataTableName"], command.get("DataTableColumns"))
        table = sql.SQL(".").join(sql.Identifier(p) for p in command["DataTableName"].lower().split("."))
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(table, sql.SQL(", ").join(map(sql.Identifier, columns)))
        loaded = rows(data, options, columns)
        with conn.cursor() as cursor, cursor.copy(statement) as pipe:
            for row in loaded:
                pipe.write_row(row)
        return len(loaded)


def deliver(runtime, stream: DeliveryStream, config: dict, batch: Batch) -> None:
    s3 = config["S3Configuration"]
    key = s3_destination.plain(runtime, stream, s3, batch, batch.records, batch.arrivals)
    try:
        body = as_role(runtime, stream, s3["RoleARN"], TO_S3_SESSION, "s3", "GetObject",
                       {"Bucket": bucket_of(s3["BucketARN"]), "Key": key})["Body"]
    except ServiceError as exc:
        raise DeliveryError(f"S3.{exc.code}", exc.message) from None
    data = body if isinstance(body, (bytes, bytearray)) else b"".join(body)
    if s3.get("CompressionFormat") == "GZIP" and not parse_options(config["CopyCommand"].get("CopyOptions"))["gzip"]:
        raise DeliveryError("Redshift.CopyFailed", "The staged data is GZIP-compressed but COPY has no GZIP option.")
    try:
        copy(config, bytes(data))
    except Exception as exc:  # connection refused, bad SQL, bad data: Redshift.* errors in Firehose's words
        code = "Redshift.ConnectionFailed" if type(exc).__name__ == "OperationalError" else "Redshift.CopyFailed"
        text = str(exc).strip()
        raise DeliveryError(code, text.splitlines()[0] if text else type(exc).__name__) from None


def give_up(runtime, stream: DeliveryStream, config: dict, batch: Batch, exc: DeliveryError) -> None:
    """The staged objects the COPY never loaded, as a manifest under errors/ (Firehose's own layout)."""
    s3 = config["S3Configuration"]
    key = s3_destination.object_key(stream, s3, batch, min(batch.arrivals),
                                    extension=s3_destination.compression.EXTENSIONS.get(
                                        s3.get("CompressionFormat", "UNCOMPRESSED"), ""))
    manifest = {"entries": [{"url": f"s3://{bucket_of(s3['BucketARN'])}/{key}", "mandatory": True}],
                "errorCode": exc.code, "errorMessage": exc.message}
    name = key.rsplit("/", 1)[-1]
    if s3.get("ErrorOutputPrefix"):  # the configured error prefix, with error-output-type redshift-failed
        target = s3_destination.object_key(stream, s3, batch, min(batch.arrivals), error_type="redshift-failed")
    else:
        target = f"errors/manifests/{name}"
    s3_destination.put_object(runtime, stream, s3, target, json.dumps(manifest).encode())
