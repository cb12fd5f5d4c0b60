"""The runner's SQL activities, on PostgreSQL (psycopg): SqlActivity runs a script on a JdbcDatabase,
CopyActivity copies a SqlDataNode's query result to S3 as CSV, and RedshiftCopyActivity loads S3 data
into a RedshiftDataNode's table with the COPY Firehose's Redshift destination already translates
(PostgreSQL standing in for Redshift)."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from nimbus.core import redshift_copy as redshift

_JDBC = re.compile(r"^jdbc:(?P<kind>postgresql|redshift)://(?P<host>[^:/?]+)(?::(?P<port>\d+))?/(?P<db>[^?;]+)")
Lookup = Callable[[dict, str], str | None]


class SqlFailed(Exception):
    """A database refused the work: its message fails the attempt."""


def _connect(database: dict, one: Lookup):
    import psycopg
    text = one(database, "connectionString") or ""
    match = _JDBC.match(text)
    if match is None:
        raise SqlFailed(f"connectionString '{text}' is not a jdbc:postgresql:// or jdbc:redshift:// URL")
    host = redshift.server_host(match["host"])
    default_port = 5439 if match["kind"] == "redshift" else 5432
    try:
        return psycopg.connect(host=host, port=int(match["port"] or default_port),
                               dbname=one(database, "databaseName") or match["db"], user=one(database, "username"),
                               password=one(database, "*password"), connect_timeout=5)
    except psycopg.Error as error:
        raise SqlFailed(f"Cannot connect to {text}: {error}") from None


def run_script(database: dict, script: str, one: Lookup) -> bytes:
    import psycopg
    with _connect(database, one) as conn:
        try:
            cursor = conn.execute(script.encode())  # no parameters: several statements may run
        except psycopg.Error as error:
            raise SqlFailed(str(error).strip()) from None
        return f"{cursor.statusmessage or 'OK'}\n".encode()


def query_csv(node: dict, database: dict, one: Lookup) -> bytes:
    """A SqlDataNode's ``selectQuery`` (default: its whole ``table``) as CSV with a header row."""
    import psycopg
    from psycopg import sql
    query = one(node, "selectQuery")
    statement = sql.SQL(query) if query else sql.SQL("SELECT * FROM {}").format(
        sql.SQL(".").join(sql.Identifier(p) for p in (one(node, "table") or "").split(".")))
    with _connect(database, one) as conn:
        try:
            cursor = conn.execute(statement)
        except psycopg.Error as error:
            raise SqlFailed(str(error).strip()) from None
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([c.name for c in cursor.description or []])
        writer.writerows(cursor.fetchall())
        return out.getvalue().encode()


def load_into_table(node: dict, database: dict, data: bytes, insert_mode: str, options: list[str],
                    one: Lookup) -> int:
    """RedshiftCopyActivity: ``data`` into the node's table, as a Redshift COPY with ``options`` would."""
    import psycopg
    table = one(node, "tableName") or ""
    if one(node, "schemaName"):
        table = f"{one(node, 'schemaName')}.{table}"
    text = one(database, "connectionString") or ""
    match = _JDBC.match(text)
    if match is None:
        raise SqlFailed(f"connectionString '{text}' is not a jdbc:postgresql:// or jdbc:redshift:// URL")
    if insert_mode not in ("KEEP_EXISTING", "APPEND", "TRUNCATE"):
        raise SqlFailed(f"insertMode {insert_mode} is not supported by nimbus (KEEP_EXISTING, APPEND, TRUNCATE)")
    if insert_mode == "TRUNCATE":
        with _connect(database, one) as conn:
            from psycopg import sql
            conn.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(".").join(sql.Identifier(p)
                                                                        for p in table.lower().split("."))))
    config = {"ClusterJDBCURL": f"jdbc:redshift://{match['host']}:{match['port'] or 5439}/"
                                f"{one(database, 'databaseName') or match['db']}",
              "Username": one(database, "username"), "Password": one(database, "*password"),
              "CopyCommand": {"DataTableName": table, "CopyOptions": " ".join(options)}}
    try:
        return redshift.copy(config, data)
    except (psycopg.Error, ValueError) as error:
        raise SqlFailed(str(error).strip()) from None
