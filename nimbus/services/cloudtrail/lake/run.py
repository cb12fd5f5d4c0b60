"""A Lake query, from its statement to its stored result: CloudTrail Lake's SQL (Trino's dialect, the event
data store's id as the table) checked by core/sql, translated to DuckDB by sqlglot and run over the store's
events on the Lake's worker."""
from __future__ import annotations

import re
import threading
import time
from typing import TYPE_CHECKING

from sqlglot import exp

from nimbus.core.sql import Limits, SqlError, SqlSyntaxError, SqlTimeout, parse_select, run
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail.lake import table as lake_table
from nimbus.services.cloudtrail.lake.documents import LAKE_QUERY, LakeQuery

if TYPE_CHECKING:
    from nimbus.services.cloudtrail.lake.ingest import Lake

# An event data store id (a UUID), which Lake SQL names unquoted although it is not an SQL identifier.
STORE_ID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
_QUOTED = re.compile(r"('(?:[^']|'')*'|\"[^\"]*\")")
LIMITS = Limits(memory="512MB", threads=1, seconds=60.0, max_rows=1_000_000)


def invalid_statement(message: str) -> ServiceError:
    return ServiceError("InvalidQueryStatementException", message)


def _quote_store_ids(statement: str) -> str:
    parts = _QUOTED.split(statement)
    return "".join(part if i % 2 else STORE_ID.sub(lambda m: f'"{m.group(0)}"', part)
                   for i, part in enumerate(parts))


def referenced_stores(statement: str) -> list[str]:
    """The store ids a statement reads, in order (to check before it is queued)."""
    try:
        tree = parse_select(_quote_store_ids(statement), tables=_all_tables(statement), dialect="trino")
    except SqlSyntaxError as error:
        raise invalid_statement(f"Query statement is invalid: {error}") from None
    except SqlError as error:
        raise invalid_statement(str(error)) from None
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    names = list(dict.fromkeys(t.name.lower() for t in tree.find_all(exp.Table) if t.name not in ctes))
    if not names:
        raise invalid_statement("Query statement must name an event data store in its FROM clause.")
    unknown = [n for n in names if not STORE_ID.fullmatch(n)]
    if unknown:
        raise invalid_statement(f"Table {unknown[0]} is not an event data store id.")
    return names


def _all_tables(statement: str) -> list[str]:
    # Every UUID in the text may be a table; parse_select then refuses anything else named in FROM.
    return STORE_ID.findall(statement)


def duckdb_sql(statement: str, stores: list[str]) -> str:
    """The statement in DuckDB's dialect, each store read as eds_<n> (aliased to its id), and unnamed
    result columns called _col<n> as Trino calls them."""
    tree = parse_select(_quote_store_ids(statement), tables=stores, dialect="trino")
    for table in list(tree.find_all(exp.Table)):
        if table.name.lower() in stores:
            alias = table.alias
            table.set("this", exp.to_identifier(f"eds_{stores.index(table.name.lower())}"))
            table.set("alias", exp.TableAlias(this=exp.to_identifier(alias or table.name, quoted=True)))
    for select in tree.find_all(exp.Select):
        if select is tree or (isinstance(tree, exp.SetOperation) and select in (tree.left, tree.right)):
            select.set("expressions", [
                e if isinstance(e, exp.Alias | exp.Column | exp.Star) else exp.alias_(e, f"_col{i}", quoted=True)
                for i, e in enumerate(select.expressions)])
    return tree.sql(dialect="duckdb")


def columns_read(statement: str, stores: list[str]) -> set[str] | None:
    """Every name a statement's columns mention (lower case), None when it reads them all (*)."""
    tree = parse_select(_quote_store_ids(statement), tables=stores, dialect="trino")
    if any(isinstance(node, exp.Star) and not isinstance(node.parent, exp.Count) for node in tree.walk()):
        return None
    return {part.name.lower() for column in tree.find_all(exp.Column) for part in column.parts} | \
        {dot.name.lower() for dot in tree.find_all(exp.Dot)}


def execute(lake: Lake, account: str, region: str, query_id: str) -> None:
    from nimbus.services.cloudtrail.lake.ingest import events_ns, queries_ns
    ns = queries_ns(account, region)
    query = LAKE_QUERY.get(lake.store, ns, query_id)
    if query is None or query["QueryStatus"] != "QUEUED":
        return
    cancel = lake.running[query_id] = threading.Event()  # before RUNNING shows: CancelQuery sets it
    query["QueryStatus"] = "RUNNING"
    LAKE_QUERY.put(lake.store, ns, query_id, query)
    started = time.monotonic()
    tables, scanned, size = {}, 0, 0
    names = columns_read(query["QueryString"], query["EventDataStores"])
    for i, store in enumerate(query["EventDataStores"]):
        records = [doc for _, doc in lake.store.scan(events_ns(account, region, store))]
        scanned += len(records)
        tables[f"eds_{i}"] = lake_table.table(records, names)
        size += tables[f"eds_{i}"].nbytes
    outcome: LakeQuery = {**query, "EventsScanned": scanned, "BytesScanned": size}
    try:
        result = run(duckdb_sql(query["QueryString"], query["EventDataStores"]), tables, LIMITS, cancel)
        outcome["QueryStatus"], outcome["Columns"] = "FINISHED", result.columns
        outcome["Rows"] = [[lake_table.cell(v) for v in row] for row in result.rows]
    except SqlError as error:
        outcome["QueryStatus"] = "TIMED_OUT" if isinstance(error, SqlTimeout) else "FAILED"
        outcome["ErrorMessage"] = str(error)
    finally:
        lake.running.pop(query_id, None)
    outcome["ExecutionTimeInMillis"] = int((time.monotonic() - started) * 1000)
    with lake.store.transaction():
        current = LAKE_QUERY.get(lake.store, ns, query_id)
        if current is not None and current["QueryStatus"] == "RUNNING":  # not cancelled meanwhile
            LAKE_QUERY.put(lake.store, ns, query_id, outcome)
