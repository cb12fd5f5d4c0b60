"""Config's advanced query language (`SELECT property, ... [WHERE] [GROUP BY] [ORDER BY]`, no FROM) compiled into
DuckDB SQL over one row per configuration item.

Each property path the query names becomes columns computed in Python (config_items.py): `a<i>`, every value
it reaches as text (a list, so a condition holds when any element satisfies it), `n<i>` the same as numbers,
`s<i>`/`d<i>` its single value as text/number (for MIN, MAX, SUM, AVG and ORDER BY) and `o<i>` the JSON a
result row shows. Anything outside the documented subset is InvalidExpressionException."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from nimbus.protocol.errors import ServiceError

AGGREGATES: dict[type[exp.Expression], str] = {exp.Count: "COUNT", exp.Min: "MIN", exp.Max: "MAX", exp.Sum: "SUM", exp.Avg: "AVG"}
_COMPARISONS = {exp.EQ: "=", exp.NEQ: "<>", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}
_FLIPPED = {"=": "=", "<>": "<>", ">": "<", ">=": "<=", "<": ">", "<=": ">="}
_ALLOWED_ARGS = {"expressions", "where", "group", "order", "kind"}


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidExpressionException", message)


@dataclass
class Field:
    name: str         # as QueryInfo.SelectFields names it
    sql: str          # the DuckDB expression
    path: int | None  # the path index a plain property shows, None for an aggregate


@dataclass
class CompiledQuery:
    paths: list[list[str]] = field(default_factory=list)
    fields: list[Field] = field(default_factory=list)
    star: bool = False
    where: str = "TRUE"
    group: list[str] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    numeric: set[int] = field(default_factory=set)  # paths whose values are all numbers (filled at load time)
    uses: dict[int, set[str]] = field(default_factory=dict)  # the columns (a, n, s, d, o) each path needs

    def use(self, index: int, *columns: str) -> None:
        self.uses.setdefault(index, set()).update(columns)

    @property
    def aggregated(self) -> bool:
        return bool(self.group) or any(f.path is None for f in self.fields)

    def path_index(self, path: list[str]) -> int:
        if path not in self.paths:
            self.paths.append(path)
        return self.paths.index(path)

    def sql(self) -> str:
        # Without aggregation a row is its item's number: the page's rows are shaped in Python (resource_config).
        columns = [f"{f.sql} AS f{i}" for i, f in enumerate(self.fields)] if self.aggregated else ["row_number"]
        text = f"SELECT {', '.join(columns)} FROM items WHERE {self.where}"
        if self.group:
            text += " GROUP BY " + ", ".join(self.group)
        order = self.order or ([] if self.aggregated else ["row_number"])
        if order:
            text += " ORDER BY " + ", ".join(order)
        return text


def parse(expression: str) -> exp.Select:
    try:
        statements = sqlglot.parse(expression)
    except (ParseError, TokenError):
        raise invalid("Invalid expression: the query could not be parsed.") from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Select):
        raise invalid("Invalid expression: only a single SELECT is supported.")
    tree = statements[0]
    for name, value in tree.args.items():
        if value and name not in _ALLOWED_ARGS:
            raise invalid(f"Invalid expression: {name.rstrip('_').upper()} is not supported.")
    if tree.args.get("kind"):
        raise invalid("Invalid expression: DISTINCT is not supported.")
    if any(isinstance(n, exp.Subquery | exp.Join | exp.Window) or (isinstance(n, exp.Select) and n is not tree)
           for n in tree.walk()):
        raise invalid("Invalid expression: subqueries, joins and window functions are not supported.")
    return tree


def path_of(node: exp.Expression) -> list[str] | None:
    if isinstance(node, exp.Column) and not isinstance(node.this, exp.Star):
        return [part.name for part in node.parts]
    if isinstance(node, exp.Dot):
        inner = path_of(node.this)
        return None if inner is None else [*inner, node.expression.name]
    return None


def _literal(node: exp.Expression) -> tuple[str, bool]:
    """(DuckDB literal, is it a number). A property compared with another property is not supported."""
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        text, _ = _literal(node.this)
        return f"-{text}", True
    if isinstance(node, exp.Literal):
        if node.is_string:
            return "'" + node.this.replace("'", "''") + "'", False
        return repr(float(node.this)), True
    if isinstance(node, exp.Boolean):
        return ("'true'" if node.this else "'false'"), False
    raise invalid(f"Invalid expression: {node.sql()} must be a literal value.")


class Compiler:
    def __init__(self, query: CompiledQuery):
        self.q = query
        self.aliases: dict[str, str] = {}

    def _column(self, node: exp.Expression) -> int:
        path = path_of(node)
        if path is None:
            raise invalid(f"Invalid expression: {node.sql()} is not a property.")
        return self.q.path_index(path)

    def _any(self, node: exp.Expression, predicate: str, numeric: bool) -> str:
        index = self._column(node)
        values = f"n{index}" if numeric else f"a{index}"
        self.q.use(index, values[0])
        return f"len(list_filter({values}, lambda x: {predicate})) > 0"

    def condition(self, node: exp.Expression) -> str:
        if isinstance(node, exp.Paren):
            return f"({self.condition(node.this)})"
        if isinstance(node, exp.And | exp.Or):
            word = "AND" if isinstance(node, exp.And) else "OR"
            return f"({self.condition(node.this)} {word} {self.condition(node.expression)})"
        if isinstance(node, exp.Not):
            return f"(NOT {self.condition(node.this)})"
        for kind, op in _COMPARISONS.items():
            if isinstance(node, kind):
                left, right = node.this, node.expression
                if path_of(left) is None:
                    left, right, op = right, left, _FLIPPED[op]
                value, numeric = _literal(right)
                if op == "<>":
                    return f"(NOT {self._any(left, f'x = {value}', numeric)})"
                return self._any(left, f"x {op} {value}", numeric)
        if isinstance(node, exp.Like | exp.ILike):
            value, _ = _literal(node.expression)
            word = "LIKE" if isinstance(node, exp.Like) else "ILIKE"
            return self._any(node.this, f"x {word} {value}", False)
        if isinstance(node, exp.In):
            if node.args.get("query") or not node.expressions:
                raise invalid("Invalid expression: IN takes a list of values.")
            values = [_literal(v) for v in node.expressions]
            numeric = all(n for _, n in values)
            return self._any(node.this, f"x IN ({', '.join(v for v, _ in values)})", numeric)
        if isinstance(node, exp.Between):
            (low, low_num), (high, high_num) = _literal(node.args["low"]), _literal(node.args["high"])
            return self._any(node.this, f"x BETWEEN {low} AND {high}", low_num and high_num)
        if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
            index = self._column(node.this)
            self.q.use(index, "a")
            return f"len(a{index}) = 0"
        raise invalid(f"Invalid expression: {node.sql()} is not a supported condition.")

    def aggregate(self, node: exp.Expression) -> str:
        name = next(word for kind, word in AGGREGATES.items() if isinstance(node, kind))
        argument = node.this
        if isinstance(argument, exp.Star):
            if name != "COUNT":
                raise invalid(f"Invalid expression: {name}(*) is not supported.")
            return "count(*)"
        if isinstance(argument, exp.Distinct):
            raise invalid("Invalid expression: DISTINCT is not supported.")
        index = self._column(argument)
        if name == "COUNT":
            self.q.use(index, "a")
            return f"count(CASE WHEN len(a{index}) > 0 THEN 1 END)"
        if name in ("SUM", "AVG"):
            self.q.use(index, "d")
            return f"{name.lower()}(d{index})"
        return f"{name.lower()}({self.scalar(index)})"

    def scalar(self, index: int) -> str:
        """A path's single value, typed as its values are: numbers sort and compare as numbers."""
        self.q.use(index, "s", "d")  # which one is known once the items are read
        return f"d{index}" if index in self.q.numeric else f"s{index}"

    def select(self, node: exp.Expression) -> None:
        alias = None
        if isinstance(node, exp.Alias):
            alias, node = node.alias, node.this
        if isinstance(node, exp.Star):
            self.q.star = True
            return
        if isinstance(node, tuple(AGGREGATES)):
            name = alias or node.sql()
            self.q.fields.append(Field(name, self.aggregate(node), None))
            self.aliases[name.lower()] = f"f{len(self.q.fields) - 1}"
            return
        path = path_of(node)
        if path is None:
            raise invalid(f"Invalid expression: {node.sql()} is not supported in SELECT.")
        index = self.q.path_index(path)
        self.q.fields.append(Field(".".join(path), f"o{index}", index))
        if alias:
            raise invalid("Invalid expression: properties cannot be renamed with AS.")

    def order(self, node: exp.Ordered) -> str:
        target: exp.Expression = node.this
        direction = " DESC" if node.args.get("desc") else ""
        if isinstance(target, exp.Column) and target.name.lower() in self.aliases and not target.table:
            return self.aliases[target.name.lower()] + direction
        if isinstance(target, tuple(AGGREGATES)):
            return self.aggregate(target) + direction
        index = self._column(target)
        scalar = self.scalar(index)
        return (f"any_value({scalar})" if self.q.aggregated else scalar) + direction


def compile_expression(expression: str, numeric_paths: set[int] | None = None) -> CompiledQuery:
    """Compile once to learn the paths; compile again with `numeric_paths` once the items were read."""
    tree = parse(expression)
    query = CompiledQuery(numeric=numeric_paths or set())
    compiler = Compiler(query)
    for node in tree.expressions:
        compiler.select(node)
    if not query.fields and not query.star:
        raise invalid("Invalid expression: SELECT names no property.")
    if tree.args.get("where"):
        query.where = compiler.condition(tree.args["where"].this)
    if tree.args.get("group"):
        query.group = [f"o{compiler._column(node)}" for node in tree.args["group"].expressions]
    for f in query.fields:
        if f.path is not None and query.aggregated:
            query.use(f.path, "o")
    if query.star and query.aggregated:
        raise invalid("Invalid expression: SELECT * cannot be grouped or aggregated.")
    if query.aggregated and any(f.path is not None and f"o{f.path}" not in query.group for f in query.fields):
        raise invalid("Invalid expression: a property selected with an aggregate function must be in GROUP BY.")
    if tree.args.get("order"):
        query.order = [compiler.order(node) for node in tree.args["order"].expressions]
    return query
