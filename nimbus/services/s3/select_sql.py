"""S3 Select's SQL, checked and translated for the shared engine (nimbus.core.sql).

S3 Select reads one table, ``S3Object`` (any alias), with ``SELECT``, ``WHERE`` and ``LIMIT``; no joins,
grouping, ordering, sub-queries or set operations. Its column references (``s._1``, ``s."name"``,
``s.name``) are DuckDB's too. What changes is the answer's names: an expression without an alias is
``_N``, its place in the select list, as S3 Select names it in JSON output.
"""
from __future__ import annotations

from sqlglot import exp

from nimbus.core.sql import SqlError, SqlNotAllowed, SqlSyntaxError, parse_select
from nimbus.protocol.errors import ServiceError

TABLE = "s3object"
_UNSUPPORTED = (exp.Join, exp.Group, exp.Order, exp.Having, exp.Window, exp.With, exp.SetOperation, exp.Subquery)


def unsupported_syntax() -> ServiceError:
    return ServiceError("UnsupportedSyntax", "We encountered syntax that is not valid.", status=400)


def unsupported_structure() -> ServiceError:
    return ServiceError("UnsupportedSqlStructure", "We encountered an unsupported SQL structure. Check the SQL "
                        "Reference.", status=400)


def translate(expression: str) -> str:
    """The DuckDB query for an S3 Select expression, or S3 Select's error for it."""
    try:
        tree = parse_select(expression, [TABLE])
    except SqlSyntaxError:
        raise unsupported_syntax() from None
    except SqlNotAllowed as refused:  # not a SELECT at all is a syntax error to S3 Select
        raise (unsupported_syntax() if "Only" in str(refused) else unsupported_structure()) from None
    except SqlError:
        raise unsupported_syntax() from None
    if not isinstance(tree, exp.Select) or any(tree.find(kind) for kind in _UNSUPPORTED) \
            or len(list(tree.find_all(exp.Select))) != 1:
        raise unsupported_structure()
    limit = tree.args.get("limit")
    if limit is not None and not (isinstance(limit.expression, exp.Literal) and limit.expression.is_int):
        raise unsupported_syntax()
    named = []
    for place, item in enumerate(tree.expressions, 1):
        if isinstance(item, exp.Alias | exp.Column | exp.Star):
            named.append(item)
        else:
            named.append(exp.alias_(item, f"_{place}", quoted=True))
    tree.set("expressions", named)
    return tree.sql(dialect="duckdb")
