"""Config's SelectResourceConfig (and SelectAggregateResourceConfig): its SQL subset over configuration items,
evaluated by DuckDB. AWS Config calls `select_resource_config` with the items its recorder holds."""
from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable

import pyarrow as pa

from nimbus.core.sql import config_items as ci
from nimbus.core.sql.config_query import CompiledQuery, compile_expression, invalid
from nimbus.core.sql.engine import Limits, run
from nimbus.core.sql.errors import SqlError, SqlLimitExceeded, SqlTimeout
from nimbus.protocol.errors import ServiceError

# AWS's page sizes when the caller gives no Limit (or 0): 500 rows for an aggregation, 25 otherwise.
DEFAULT_PAGE = 25
DEFAULT_AGGREGATE_PAGE = 500
MAX_LIMIT = 100
LIMITS = Limits(seconds=30.0, max_rows=1_000_000, memory="512MB")


def select_resource_config(expression: str, items: Iterable[dict], limit: int | None = None,
                           next_token: str | None = None, max_limit: int = MAX_LIMIT
                           ) -> tuple[list[str], list[dict], str | None]:
    """(Results as JSON strings, QueryInfo.SelectFields, NextToken or None).

    Raises ServiceError: InvalidExpressionException, InvalidLimitException, InvalidNextTokenException."""
    if limit is not None and not 0 <= limit <= max_limit:
        raise ServiceError("InvalidLimitException", f"Limit must be between 0 and {max_limit}.")
    offset = _offset(next_token, expression)
    first = compile_expression(expression)
    views = [ci.query_view(item) for item in items]
    found = {index: [ci.leaves(view, first.paths[index]) for view in views]
             for index, uses in first.uses.items() if uses - {"o"}}
    query = compile_expression(expression, _numeric_paths(found))
    rows = _run(query, views, found)
    page = limit or (DEFAULT_AGGREGATE_PAGE if query.aggregated else DEFAULT_PAGE)
    results = [json.dumps(_shape(query, views, row), separators=(",", ":"), default=str)
               for row in rows[offset:offset + page]]
    token = _token(offset + page, expression) if offset + page < len(rows) else None
    fields = [{"Name": "*"}] if query.star else []
    return results, fields + [{"Name": f.name} for f in query.fields], token


def _numeric_paths(found: dict[int, list[list]]) -> set[int]:
    numeric = set()
    for index, per_item in found.items():
        values = [v for leaves in per_item for v in leaves]
        if values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            numeric.add(index)
    return numeric


def _table(query: CompiledQuery, views: list[dict], found: dict[int, list[list]]) -> pa.Table:
    """Only the columns the query reads: the costly part of a query over many items is this Python side."""
    columns: dict[str, pa.Array] = {"row_number": pa.array(range(len(views)), type=pa.int64())}
    for index, uses in query.uses.items():
        per_item = found.get(index, [])
        if "a" in uses:
            columns[f"a{index}"] = pa.array([[ci.text(v) for v in values] for values in per_item],
                                            type=pa.list_(pa.string()))
        if "n" in uses:
            columns[f"n{index}"] = pa.array([[n for n in map(ci.number, values) if n is not None]
                                             for values in per_item], type=pa.list_(pa.float64()))
        if "s" in uses:
            columns[f"s{index}"] = pa.array([ci.text(values[0]) if len(values) == 1 else None for values in per_item],
                                            type=pa.string())
        if "d" in uses:
            columns[f"d{index}"] = pa.array([ci.number(values[0]) if len(values) == 1 else None
                                             for values in per_item], type=pa.float64())
        if "o" in uses:
            columns[f"o{index}"] = pa.array([ci.output_json(view, query.paths[index]) for view in views],
                                            type=pa.string())
    return pa.table(columns)


def _run(query: CompiledQuery, views: list[dict], found: dict[int, list[list]]) -> list[tuple]:
    try:
        return run(query.sql(), {"items": _table(query, views, found)}, LIMITS).rows
    except (SqlTimeout, SqlLimitExceeded) as error:
        raise invalid(f"Invalid expression: {error}") from None
    except SqlError as error:
        raise invalid(f"Invalid expression: {error}") from None


def _shape(query: CompiledQuery, views: list[dict], row: tuple) -> dict:
    """A result row as AWS writes it: selected properties in their nested shape, aggregates by their names."""
    if not query.aggregated:
        view = views[row[0]]
        record: dict = dict(view) if query.star else {}
        for field in query.fields:
            shown = ci.output_json(view, query.paths[field.path]) if field.path is not None else None
            if shown is not None:
                ci.merge(record, {query.paths[field.path][0]: json.loads(shown)})  # type: ignore[index]
        return record
    record = {}
    for field, value in zip(query.fields, row, strict=True):
        if field.path is None:
            record[field.name] = _number(value)
        elif value is not None:
            ci.merge(record, {query.paths[field.path][0]: json.loads(value)})
    return record


def _number(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _fingerprint(expression: str) -> str:
    return hashlib.sha256(expression.encode()).hexdigest()[:16]


def _token(offset: int, expression: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "q": _fingerprint(expression)}).encode()).decode()


def _offset(token: str | None, expression: str) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["q"] == _fingerprint(expression) and isinstance(data["o"], int) and data["o"] >= 0:
            return data["o"]
    except (ValueError, KeyError, TypeError):
        pass
    raise ServiceError("InvalidNextTokenException", "The specified next token is invalid. Specify the nextToken "
                       "string that was returned in the previous response to get the next page of results.")
