"""Redshift's COPY, served by PostgreSQL: what Firehose's Redshift destination and Data Pipeline's
RedshiftCopyActivity both load with (one engine, not a service's internals reached by another).

``jdbc:redshift://host:port/db`` is served by a PostgreSQL server at host:port (psycopg). The COPY
(``COPY <table> [(cols)] FROM 's3://bucket/key' <CopyOptions>``) is translated: the caller hands the
staged object's bytes, which are loaded with PostgreSQL's own ``COPY ... FROM STDIN`` in one
transaction. Options understood: ``JSON 'auto'`` / ``JSON 'auto ignorecase'``, ``CSV``,
``DELIMITER [AS] 'c'``, ``GZIP``, ``IGNOREHEADER [AS] n``, ``QUOTE [AS] 'c'``, ``NULL AS 's'``,
``EMPTYASNULL``, ``BLANKSASNULL``; ``TIMEFORMAT``, ``DATEFORMAT``, ``TRUNCATECOLUMNS``, ``MAXERROR``,
``COMPUPDATE``, ``STATUPDATE`` and ``REGION`` are accepted and ignored. Without a format the data is
pipe-delimited text, Redshift's default.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import re
import shlex
from typing import Any

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
