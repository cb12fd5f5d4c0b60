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
    query = compile_expression(expression)
    views = [ci.query_view(item) for item in items]
    query = compile_expression(expression, _numeric_paths(query, views))
    rows = _run(query, views)
    page = limit or (DEFAULT_AGGREGATE_PAGE if query.aggregated else DEFAULT_PAGE)
    results = [json.dumps(r, separators=(",", ":"), default=str) for r in rows[offset:offset + page]]
    token = _token(offset + page, expression) if offset + page < len(rows) else None
    fields = [{"Name": "*"}] if query.star else []
    return results, fields + [{"Name": f.name} for f in query.fields], token


def _numeric_paths(query: CompiledQuery, views: list[dict]) -> set[int]:
    numeric = set()
    for index, path in enumerate(query.paths):
        values = [v for view in views for v in ci.leaves(view, path)]
        if values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            numeric.add(index)
    return numeric


def _table(query: CompiledQuery, views: list[dict]) -> pa.Table:
    columns: dict[str, list] = {"row_number": list(range(len(views)))}
    if query.star:
        columns["item"] = [json.dumps(v, separators=(",", ":"), default=str) for v in views]
    for index, path in enumerate(query.paths):
        found = [ci.leaves(view, path) for view in views]
        columns[f"a{index}"] = [[ci.text(v) for v in values] for values in found]
        columns[f"n{index}"] = [[n for n in map(ci.number, values) if n is not None] for values in found]
        columns[f"s{index}"] = [ci.text(values[0]) if len(values) == 1 else None for values in found]
        columns[f"d{index}"] = [ci.number(values[0]) if len(values) == 1 else None for values in found]
        columns[f"o{index}"] = [ci.output_json(view, path) for view in views]
    types = {"row_number": pa.int64(), "item": pa.string()}
    for index in range(len(query.paths)):
        types.update({f"a{index}": pa.list_(pa.string()), f"n{index}": pa.list_(pa.float64()),
                      f"s{index}": pa.string(), f"d{index}": pa.float64(), f"o{index}": pa.string()})
    return pa.table({name: pa.array(values, type=types[name]) for name, values in columns.items()})


def _run(query: CompiledQuery, views: list[dict]) -> list[dict]:
    try:
        result = run(query.sql(), {"items": _table(query, views)}, LIMITS)
    except (SqlTimeout, SqlLimitExceeded) as error:
        raise invalid(f"Invalid expression: {error}") from None
    except SqlError as error:
        raise invalid(f"Invalid expression: {error}") from None
    out = []
    for row in result.rows:
        values = list(row)
        record: dict = json.loads(values.pop(0)) if query.star else {}
        for field, value in zip(query.fields, values, strict=True):
            if field.path is None:
                record[field.name] = _number(value)
            elif value is not None:
                ci.merge(record, {query.paths[field.path][0]: json.loads(value)})
        out.append(record)
    return out


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
