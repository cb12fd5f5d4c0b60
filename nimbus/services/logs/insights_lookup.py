"""Logs Insights' ``lookup table key as field [, ...] OUTPUT out [, ...]``: each row joined with the first row of
the lookup table (lookup_tables.py) whose key columns equal the row's fields (exact and case-sensitive), the
output columns added (replacing fields of the same name; absent when nothing matches). The compiled plan names
the tables; the runner hands them to DuckDB, every column as text."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nimbus.core.arns import arn as make_arn
from nimbus.protocol.errors import ServiceError

from .insights_expr import Expr, ident, text
from .insights_lexer import Token, unquote
from .stored import StoredKind

if TYPE_CHECKING:
    import pyarrow as pa

TABLES = StoredKind("lookuptables", "lookup table")


def sql_name(table: str) -> str:
    return f"lookup_{table}"


class LookupCommand:
    """A command of the query parser (insights_query.py), which provides these."""
    state: Any
    expression: Callable[[], Expr]
    field_ref: Callable[[str], Expr]
    accept: Callable[[str], bool]
    next: Callable[[], Token]
    error: Callable[..., Exception]

    def _name(self) -> str:
        token = self.next()
        if token.kind not in ("name", "quoted"):
            raise self.error(token)
        return unquote(token)

    def command_lookup(self) -> None:
        table = self._name()
        keys: list[tuple[str, Expr]] = []
        while True:
            column = self._name()
            if not self.accept("as"):
                raise self.error(message="lookup needs <table field> as <log field>")
            keys.append((column, self.field_ref(self._name())))
            if not self.accept(","):
                break
        if not self.accept("output"):
            raise self.error(message="lookup needs OUTPUT and the fields to add")
        outputs = [self._name()]
        while self.accept(","):
            outputs.append(self._name())
        state = self.state
        columns = [c for c, _ in keys] + outputs
        renamed = ", ".join(f"{ident(c)} AS {ident(f'__lk{i}')}" for i, c in enumerate(columns))
        distinct = ", ".join(ident(f"__lk{i}") for i in range(len(keys)))
        condition = " AND ".join(f"{text(e)} = lk.{ident(f'__lk{i}')}" for i, (_, e) in enumerate(keys))
        replaced = [o for o in outputs if o in state.columns]
        kept = f"p.* EXCLUDE ({', '.join(ident(o) for o in replaced)})" if replaced else "p.*"
        # A row without a match keeps the field it had; a match overwrites it.
        added = ", ".join(f"CASE WHEN lk.{ident('__lk0')} IS NOT NULL THEN lk.{ident(f'__lk{len(keys) + i}')} "
                          f"ELSE {'p.' + ident(o) if o in replaced else 'NULL'} END AS {ident(o)}"
                          for i, o in enumerate(outputs))
        state.add(f"SELECT {kept}, {added} FROM {{prev}} AS p LEFT JOIN (SELECT DISTINCT ON ({distinct}) {renamed} "
                  f"FROM {ident(sql_name(table))}) AS lk ON {condition}")
        for output in outputs:
            state.columns[output] = "str"
        if state.output:  # the fields a query shows grow by the ones it looked up
            state.output += [o for o in outputs if o not in state.output]
        state.lookups[table] = columns


def load_lookups(store, account: str, region: str, wanted: dict[str, list[str]]) -> dict[str, pa.Table]:
    """The lookup tables a plan names, as DuckDB reads them; ResourceNotFoundException or
    InvalidParameterException (a column the table lacks) as StartQuery answers."""
    import pyarrow as pa  # with the first query, not with the Logs provider

    tables = {}
    for name, columns in wanted.items():
        table = store.get(TABLES.ns(account, region), make_arn("logs", account, region, f"lookup-table:{name}"))
        if table is None:
            raise ServiceError("ResourceNotFoundException", f"The lookup table {name} does not exist.")
        missing = [c for c in columns if c not in table["tableFields"]]
        if missing:
            raise ServiceError("InvalidParameterException",
                               f"The lookup table {name} has no field {missing[0]}.")
        rows = list(csv.reader(io.StringIO(table["tableBody"])))[1:]
        fields = table["tableFields"]
        tables[sql_name(name)] = pa.table({f: pa.array([r[i] for r in rows], pa.string())
                                           for i, f in enumerate(fields)})
    return tables
