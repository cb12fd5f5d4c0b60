"""Only a single SELECT over named tables passes: anything else is refused before DuckDB sees it.

DuckDB itself runs with external access off (engine.py); this check is the first wall, so a refused query
gets a clear message rather than DuckDB's permission error, and no statement can touch the session."""
from __future__ import annotations

from collections.abc import Collection

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from nimbus.core.sql.errors import SqlNotAllowed, SqlSyntaxError

# Functions that read or describe something outside the query's own tables, whatever the dialect calls them.
_FORBIDDEN_PREFIXES = ("read_", "parquet_", "sqlite_", "postgres_", "mysql_", "iceberg_", "delta_", "duckdb_",
                       "pragma_", "glob", "sniff_", "query", "getenv", "current_setting", "which_secret",
                       "load_", "install_", "httpfs", "json_execute_serialized_sql", "arrow_scan", "python_")
_FORBIDDEN_NODES = (exp.Into, exp.Lateral, exp.TableSample)


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower()


def parse_select(sql: str, tables: Collection[str], dialect: str = "duckdb") -> exp.Select | exp.SetOperation:
    """The query's syntax tree, once it is known to read only `tables` (names compared case-insensitively)."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except (ParseError, TokenError) as error:
        raise SqlSyntaxError(_first_line(error)) from None
    if len(statements) != 1:
        raise SqlNotAllowed("Only one statement is allowed." if statements else "The query is empty.")
    tree = statements[0]
    if not isinstance(tree, exp.Select | exp.SetOperation):
        raise SqlNotAllowed(f"Only SELECT statements are allowed, not {tree.key.upper()}.")
    allowed = {name.lower() for name in tables}
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for node in tree.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            raise SqlNotAllowed(f"{node.key.upper()} is not allowed.")
        if isinstance(node, exp.Table):
            _check_table(node, allowed, ctes)
        elif isinstance(node, exp.Func) and _function_name(node).startswith(_FORBIDDEN_PREFIXES):
            raise SqlNotAllowed(f"Function {_function_name(node)} is not allowed.")
        elif isinstance(node, exp.Command | exp.Pragma | exp.Set):
            raise SqlNotAllowed("Only SELECT statements are allowed.")
    return tree


def _check_table(node: exp.Table, allowed: set[str], ctes: set[str]) -> None:
    if not isinstance(node.this, exp.Identifier):
        raise SqlNotAllowed("Table functions are not allowed.")
    if node.args.get("db") or node.args.get("catalog"):
        raise SqlNotAllowed(f"Table {node.sql()} is not allowed.")
    name = node.name.lower()
    if name not in allowed and name not in ctes:
        raise SqlNotAllowed(f"Table {node.name} is not allowed.")


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else "The query could not be parsed."
