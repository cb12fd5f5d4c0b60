"""A Logs Insights query as one DuckDB statement: each command of the pipeline becomes a CTE over the one before.

The events table has the system fields (``@timestamp``, ``@message``, ``@logStream``, ``@log``, ``@ptr``,
``@ingestionTime``); any other field a query names is read from the message as JSON (``a.b`` is nested),
unless a command defined it (``fields ... as``, ``parse``, ``stats``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .insights_expr import (
    AGGREGATES,
    COMPARISONS,
    FUNCTIONS,
    SUBNET_FUNCTIONS,
    TIME_FUNCTIONS,
    Expr,
    _in_subnet,
    boolean,
    compare,
    ident,
    interval,
    literal,
    matches,
    number,
    re2,
    text,
)
from .insights_lexer import Token, malformed, tokenize, unquote
from .insights_lookup import LookupCommand
from .insights_unnest import UnnestCommand, json_member

SYSTEM = {"@timestamp": "time", "@message": "str", "@logStream": "str", "@log": "str", "@ptr": "str",
          "@ingestionTime": "time"}
DEFAULT_OUTPUT = ["@timestamp", "@message"]


@dataclass
class Plan:
    sql: str  # the rows to return
    matched_sql: str  # their count before aggregation and limits: recordsMatched
    columns: list[str]
    aggregated: bool
    uses_json: bool
    lookups: dict[str, list[str]] = field(default_factory=dict)  # lookup table -> the columns it must have


@dataclass
class _State:
    columns: dict[str, str] = field(default_factory=lambda: dict(SYSTEM))
    ctes: list[str] = field(default_factory=list)
    output: list[str] = field(default_factory=list)
    display: list[str] | None = None
    order: list[str] = field(default_factory=list)
    aggregated: bool = False
    matched_step: str | None = None
    uses_json: bool = False
    lookups: dict[str, list[str]] = field(default_factory=dict)

    @property
    def previous(self) -> str:
        return f"step{len(self.ctes)}" if self.ctes else "base"

    def add(self, body: str) -> None:
        self.ctes.append(f"step{len(self.ctes) + 1} AS ({body.replace('{prev}', self.previous)})")

    def default_order(self) -> list[str]:
        return self.order or ([] if self.aggregated else ['"@timestamp" DESC'])


class _Parser(UnnestCommand, LookupCommand):
    def __init__(self, source: str, account: str):
        self.source, self.account = source, account
        self.tokens = tokenize(source)
        self.i = 0
        self.state = _State()
        self.allow_aggregates = False

    # -- tokens ----------------------------------------------------------------------------
    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def next(self) -> Token:
        token = self.peek()
        self.i += 1
        return token

    def error(self, token: Token | None = None, message: str | None = None):
        token = token or self.peek()
        return malformed(self.source, token.start, token.end, message)

    def expect(self, word: str) -> Token:
        token = self.next()
        if token.word != word:
            raise self.error(token)
        return token

    def accept(self, word: str) -> bool:
        if self.peek().word == word and self.peek().kind in ("name", "op"):
            self.i += 1
            return True
        return False

    # -- expressions ---------------------------------------------------------------------------
    def expression(self) -> Expr:
        left = self.conjunction()
        while self.accept("or"):
            left = Expr(f"({boolean(left)} OR {boolean(self.conjunction())})", "bool")
        return left

    def conjunction(self) -> Expr:
        left = self.negation()
        while self.accept("and"):
            left = Expr(f"({boolean(left)} AND {boolean(self.negation())})", "bool")
        return left

    def negation(self) -> Expr:
        if self.peek().word == "not" and self.peek().kind == "name" and self.peek(1).word != "(":
            self.i += 1
            return Expr(f"(NOT coalesce({boolean(self.negation())}, FALSE))", "bool")
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.additive()
        token = self.peek()
        if token.word not in COMPARISONS or token.kind not in ("op", "name"):
            return left
        self.i += 1
        negated = False
        if token.word == "not":
            negated, token = True, self.next()
            if token.word not in ("like", "in"):
                raise self.error(token)
        if token.word == "in":
            result = self.membership(left)
        elif token.word in ("like", "=~"):
            pattern = self.next()
            if pattern.kind == "regex":
                result = matches(left, Expr(literal(re2(pattern.text)), "str"), regex=True)
            elif pattern.kind == "string":
                result = matches(left, Expr(literal(unquote(pattern)), "str"), regex=token.word == "=~")
            else:
                raise self.error(pattern)
        else:
            result = compare(left, token.word, self.additive())
        return Expr(f"(NOT coalesce({result.sql}, FALSE))", "bool") if negated else result

    def membership(self, left: Expr) -> Expr:
        self.expect("[")
        items = [self.additive()]
        while self.accept(","):
            items.append(self.additive())
        self.expect("]")
        if any(item.kind == "num" for item in items):
            return Expr(f"({number(left)} IN ({', '.join(number(i) for i in items)}))", "bool")
        return Expr(f"({text(left)} IN ({', '.join(text(i) for i in items)}))", "bool")

    def additive(self) -> Expr:
        left = self.multiplicative()
        while self.peek().kind == "op" and self.peek().text in "+-":
            op = self.next().text
            left = Expr(f"({number(left)} {op} {number(self.multiplicative())})", "num")
        return left

    def multiplicative(self) -> Expr:
        left = self.unary()
        while self.peek().kind == "op" and self.peek().text in ("*", "/", "%", "^"):
            op = self.next().text
            right = self.unary()
            left = Expr(f"pow({number(left)}, {number(right)})" if op == "^" else
                        f"({number(left)} {op} {number(right)})", "num")
        return left

    def unary(self) -> Expr:
        if self.peek().kind == "op" and self.peek().text == "-":
            self.i += 1
            return Expr(f"(-{number(self.unary())})", "num")
        return self.primary()

    def primary(self) -> Expr:
        token = self.next()
        if token.kind == "number":
            return Expr(token.text, "num")
        if token.kind == "string":
            return Expr(literal(unquote(token)), "str")
        if token.kind == "regex":
            return Expr(literal(re2(token.text)), "str")
        if token.kind == "op" and token.text == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if token.kind == "op" and token.text == "*" and self.allow_aggregates:
            return Expr("*", "any")
        if token.kind == "name" and token.word in ("true", "false"):
            return Expr(token.word.upper(), "bool")
        if token.kind == "name" and self.peek().text == "(":
            return self.call(token)
        if token.kind in ("name", "quoted"):
            return self.field_ref(unquote(token))
        raise self.error(token)

    def call(self, name: Token) -> Expr:
        function = name.word
        self.expect("(")
        if function in TIME_FUNCTIONS:
            return self.time_function(name, function)
        raw: list[Token] = []
        args: list[Expr] = []
        if self.peek().text != ")":
            while True:
                raw.append(self.peek())
                args.append(self.expression())
                if not self.accept(","):
                    break
        self.expect(")")
        if function in SUBNET_FUNCTIONS and len(args) == 2:
            return Expr(_in_subnet(args, raw, self.source), "bool")
        if function in AGGREGATES:
            if not self.allow_aggregates:
                raise self.error(name, f"aggregate function {name.text} is only allowed in stats")
            kind, build = AGGREGATES[function]
            if function in ("min", "max") and args and args[0].kind == "time":
                kind = "time"
            return Expr(build(args), kind, aggregate=True)
        if function not in FUNCTIONS:
            raise self.error(name, f"unknown function {name.text}")
        kind, build = FUNCTIONS[function]
        try:
            return Expr(build(args), kind)
        except IndexError:
            raise self.error(name, f"wrong number of arguments for {name.text}") from None

    def time_function(self, name: Token, function: str) -> Expr:
        if function == "bin":
            period = interval(self.next(), self.source)
            self.expect(")")
            return Expr(f'time_bucket({period}, "@timestamp")', "time")
        value = self.expression()
        self.expect(",")
        period = interval(self.next(), self.source)
        self.expect(")")
        floor = f"time_bucket({period}, {value.sql})"
        return Expr(floor if function == "datefloor" else f"({floor} + {period})", "time")

    def field_ref(self, name: str) -> Expr:
        if name in self.state.columns:
            return Expr(ident(name), self.state.columns[name])
        inside = json_member(self.state.columns, name)
        if inside is not None:
            return inside
        if name.startswith("@"):
            return Expr("NULL", "any")
        self.state.uses_json = True
        path = "$." + ".".join('"' + part.replace('"', '\\"') + '"' for part in name.split("."))
        return Expr(f'json_extract_string("__json", {literal(path)})', "any")

    # -- commands ---------------------------------------------------------------------------------
    def query(self) -> Plan:
        while True:
            token = self.next()
            if token.kind == "end":
                raise self.error(token, "the query is empty")
            commands = {"fields": self.command_fields, "filter": self.command_filter, "stats": self.command_stats,
                        "sort": self.command_sort, "limit": self.command_limit, "parse": self.command_parse,
                        "dedup": self.command_dedup, "display": self.command_display,
                        "unnest": self.command_unnest, "lookup": self.command_lookup}
            if token.word not in commands:
                raise self.error(token)
            commands[token.word]()
            if self.peek().kind == "end":
                break
            self.expect("|")
        return self.plan()

    def named_items(self, aggregates: bool = False) -> list[tuple[str, Expr]]:
        items = []
        while True:
            start = self.peek()
            self.allow_aggregates = aggregates
            expr = self.expression()
            self.allow_aggregates = False
            end = self.tokens[self.i - 1]
            alias = self.source[start.start:end.end + 1].strip()
            if start.kind == "quoted" and end is start:
                alias = unquote(start)
            if self.accept("as"):
                alias = unquote(self.next())
            items.append((alias, expr))
            if not self.accept(","):
                return items

    def materialize(self, items: list[tuple[str, Expr]]) -> None:
        replace = [f"{e.sql} AS {ident(a)}" for a, e in items if a in self.state.columns and e.sql != ident(a)]
        new = [f"{e.sql} AS {ident(a)}" for a, e in items if a not in self.state.columns]
        if replace or new:
            star = f"* REPLACE ({', '.join(replace)})" if replace else "*"
            self.state.add(f"SELECT {', '.join([star] + new)} FROM {{prev}}")
        for alias, expr in items:
            self.state.columns[alias] = expr.kind

    def command_fields(self) -> None:
        items = self.named_items()
        self.materialize(items)
        self.state.output += [a for a, _ in items if a not in self.state.output]

    def command_display(self) -> None:
        items = self.named_items()
        self.materialize(items)
        self.state.display = [a for a, _ in items]

    def command_filter(self) -> None:
        condition = self.expression()
        self.state.add(f"SELECT * FROM {{prev}} WHERE coalesce({boolean(condition)}, FALSE)")

    def command_parse(self) -> None:
        source = self.expression()
        pattern = self.next()
        if pattern.kind == "string":
            glob = unquote(pattern)
            pieces = glob.split("*")
            # Each * takes as little as it can, but one that ends the pattern takes the rest of the text.
            regex = "".join(re.escape(p) + ("" if i == len(pieces) - 1 else
                                            "(.*)" if i == len(pieces) - 2 and not pieces[-1] else "(.*?)")
                            for i, p in enumerate(pieces))
            self.expect("as")
            names = [unquote(self.next())]
            while self.accept(","):
                names.append(unquote(self.next()))
            if len(names) != len(pieces) - 1:
                raise self.error(pattern, "the number of fields does not match the number of wildcards")
            groups = list(range(1, len(names) + 1))
        elif pattern.kind == "regex":
            regex = re2(pattern.text)
            try:
                compiled = re.compile(regex)
            except re.error as error:
                raise self.error(pattern, f"invalid regular expression: {error}") from None
            if not compiled.groupindex:
                raise self.error(pattern, "a parse regular expression needs named groups")
            names, groups = list(compiled.groupindex), list(compiled.groupindex.values())
        else:
            raise self.error(pattern)
        subject = text(source)
        items = [(name, Expr(f"CASE WHEN regexp_matches({subject}, {literal(regex)}) THEN "
                             f"regexp_extract({subject}, {literal(regex)}, {group}) END", "any"))
                 for name, group in zip(names, groups)]
        self.materialize(items)

    def command_stats(self) -> None:
        if self.state.matched_step is None:
            self.state.matched_step = self.state.previous
        aggregates = self.named_items(aggregates=True)
        if not all(expr.aggregate for _, expr in aggregates):
            raise self.error(message="stats needs aggregate functions")
        groups = self.named_items() if self.accept("by") else []
        select = [f"{e.sql} AS {ident(a)}" for a, e in groups + aggregates]
        group_by = f" GROUP BY {', '.join(str(i + 1) for i in range(len(groups)))}" if groups else ""
        self.state.add(f"SELECT {', '.join(select)} FROM {{prev}}{group_by}")
        self.state.columns = {a: e.kind for a, e in groups + aggregates}
        self.state.output = [a for a, _ in groups + aggregates]
        self.state.display = None
        self.state.aggregated = True
        self.state.order = [f"{ident(a)} ASC" for a, _ in groups]

    def command_sort(self) -> None:
        order = []
        while True:
            expr = self.expression()
            direction = "DESC" if self.accept("desc") else "ASC"
            self.accept("asc")
            if expr.kind == "any":  # numbers in text sort as numbers, as Insights sorts them
                order.append(f"{number(expr)} {direction} NULLS LAST")
            order.append(f"{expr.sql} {direction} NULLS LAST")
            if not self.accept(","):
                break
        self.state.order = order

    def command_limit(self) -> None:
        token = self.next()
        if token.kind != "number" or not token.text.isdigit() or int(token.text) < 1:
            raise self.error(token, "limit needs a positive whole number")
        if self.state.matched_step is None:
            self.state.matched_step = self.state.previous
        order = self.state.default_order()
        self.state.add(f"SELECT * FROM {{prev}}{' ORDER BY ' + ', '.join(order) if order else ''} LIMIT {token.text}")

    def command_dedup(self) -> None:
        keys = [e.sql for _, e in self.named_items()]
        if self.state.matched_step is None:
            self.state.matched_step = self.state.previous
        order = self.state.default_order() or ["1"]
        self.state.add(f"SELECT * FROM {{prev}} QUALIFY row_number() OVER (PARTITION BY {', '.join(keys)} "
                       f"ORDER BY {', '.join(order)}) = 1")

    def plan(self) -> Plan:
        state = self.state
        columns = state.display or state.output or ([] if state.aggregated else DEFAULT_OUTPUT)
        selected = [ident(c) for c in columns] + ([] if state.aggregated else ['"@ptr"'])
        order = state.default_order()
        with_clause = "WITH " + ", ".join([f"base AS ({self.base()})"] + state.ctes) + " "
        sql = (f"{with_clause}SELECT {', '.join(selected)} FROM {state.previous}"
               f"{' ORDER BY ' + ', '.join(order) if order else ''}")
        matched = f"{with_clause}SELECT count(*) FROM {state.matched_step or state.previous}"
        return Plan(sql, matched, columns + ([] if state.aggregated else ["@ptr"]), state.aggregated,
                    state.uses_json, state.lookups)


    def base(self) -> str:
        """The events table (ts, message, stream, grp, key, ingestion) with the system fields' names."""
        json = ', CASE WHEN json_valid(message) THEN message END AS "__json"' if self.state.uses_json else ""
        return ('SELECT epoch_ms(ts) AS "@timestamp", message AS "@message", stream AS "@logStream", '
                f"{literal(self.account + ':')} || grp AS \"@log\", grp || ':' || stream || ':' || key AS \"@ptr\", "
                f'epoch_ms(ingestion) AS "@ingestionTime"{json} FROM events')


def compile_query(source: str, account: str) -> Plan:
    return _Parser(source, account).query()
