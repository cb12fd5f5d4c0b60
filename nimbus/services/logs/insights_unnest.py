"""Logs Insights' ``unnest field into alias``: one row per item of a JSON list (a value that is not a list is a
list of one item), the item kept as JSON text so that later commands read ``alias.member`` from it, as they read
the members of a ``jsonParse(...)`` value."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .insights_expr import Expr, ident, literal, text
from .insights_lexer import Token, unquote


def json_member(columns: dict[str, str], name: str) -> Expr | None:
    """``a.b.c`` where a command made ``a`` (or ``a.b``) a JSON value: the member read from it, else None."""
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        if columns.get(head) == "json":
            path = "$." + ".".join('"' + part.replace('"', '\\"') + '"' for part in parts[cut:])
            column = ident(head)
            return Expr(f"CASE WHEN json_valid({column}) THEN json_extract_string({column}, {literal(path)}) END",
                        "any")
    return None


class UnnestCommand:
    """A command of the query parser (insights_query.py), which provides these."""
    state: Any
    expression: Callable[[], Expr]
    expect: Callable[[str], Token]
    next: Callable[[], Token]
    error: Callable[..., Exception]

    def command_unnest(self) -> None:
        source = text(self.expression())
        self.expect("into")
        alias = self.next()
        if alias.kind not in ("name", "quoted"):
            raise self.error(alias)
        name = unquote(alias)
        state = self.state
        items = (f"CASE WHEN json_valid({source}) AND json_type({source}) = 'ARRAY' "
                 f"THEN json_extract_string({source}, '$[*]') ELSE [{source}] END")
        kept = f"* EXCLUDE ({ident(name)})" if name in state.columns else "*"
        state.add(f"SELECT {kept}, unnest({items}) AS {ident(name)} FROM {{prev}}")
        state.columns[name] = "json"
