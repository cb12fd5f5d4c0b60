"""Logs Insights expressions as DuckDB SQL: comparisons, arithmetic, like and regex, in, and the functions.

Every value a field holds is text (JSON fields are read as strings); an expression knows its kind (num, str,
bool, time, any) so comparisons with numbers, arithmetic and numeric functions cast with TRY_CAST, and a
value that is not a number becomes NULL rather than an error, as Insights ignores it.
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

from .insights_lexer import Token, malformed, unquote

UNITS = {"ms": "milliseconds", "s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks",
         "mo": "months", "q": "months", "y": "years"}
COMPARISONS = {"=", "==", "!=", "<", "<=", ">", ">=", "=~", "like", "in", "not"}


@dataclass
class Expr:
    sql: str
    kind: str = "any"  # num, str, bool, time, any, json (text holding a JSON value)
    aggregate: bool = False


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def number(e: Expr) -> str:
    return e.sql if e.kind == "num" else f"TRY_CAST({e.sql} AS DOUBLE)"


def text(e: Expr) -> str:
    if e.kind == "time":
        return f"strftime({e.sql}, '%Y-%m-%d %H:%M:%S.%g')"
    return e.sql if e.kind in ("str", "any") else f"CAST({e.sql} AS VARCHAR)"


def boolean(e: Expr) -> str:
    return e.sql if e.kind == "bool" else f"({e.sql} IS NOT NULL)"


def re2(pattern: str) -> str:
    """Insights' (Java-style) named groups in RE2's spelling."""
    return re.sub(r"\(\?<([A-Za-z][A-Za-z0-9_]*)>", r"(?P<\1>", pattern)


def interval(token: Token, source: str) -> str:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|mo|s|m|h|d|w|q|y)", token.text)
    if match is None:
        raise malformed(source, token.start, token.end, f"invalid time period {token.text}")
    amount, unit = match.groups()
    if unit == "q":
        amount = str(float(amount) * 3)
    return f"INTERVAL '{amount} {UNITS[unit]}'"


def _ipv4_number(sql: str) -> str:
    parts = [f"TRY_CAST(split_part({sql}, '.', {i}) AS BIGINT)" for i in range(1, 5)]
    return f"(({parts[0]} * 16777216) + ({parts[1]} * 65536) + ({parts[2]} * 256) + {parts[3]})"


def _valid_ipv4(sql: str) -> str:
    return f"regexp_full_match({sql}, '((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\\.){{3}}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])')"


def _in_subnet(args: list[Expr], raw: list[Token], source: str) -> str:
    token = raw[1]
    try:
        network = ipaddress.ip_network(unquote(token), strict=False)
    except ValueError:
        raise malformed(source, token.start, token.end, f"invalid subnet {token.text}") from None
    if network.version == 6:
        return "FALSE"  # IPv6 subnets: see docs/services/logs.md
    size = 2 ** (32 - network.prefixlen)
    first = int(network.network_address)
    value = _ipv4_number(text(args[0]))
    return f"({_valid_ipv4(text(args[0]))} AND {value} >= {first} AND {value} < {first + size})"


def _substr(a: list[Expr]) -> str:
    start = f"CAST({number(a[1])} AS BIGINT) + 1"
    return f"substr({text(a[0])}, {start}" + (f", CAST({number(a[2])} AS BIGINT))" if len(a) > 2 else ")")


Builder = Callable[[list[Expr]], str]
# name -> (kind of the result, SQL builder over the argument expressions)
FUNCTIONS: dict[str, tuple[str, Builder]] = {
    # A JSON value whose members later commands name as ``alias.member`` (insights_unnest.py).
    "jsonparse": ("json", lambda a: f"CASE WHEN json_valid({text(a[0])}) THEN {text(a[0])} END"),
    "strlen": ("num", lambda a: f"length({text(a[0])})"),
    "toupper": ("str", lambda a: f"upper({text(a[0])})"),
    "upper": ("str", lambda a: f"upper({text(a[0])})"),
    "tolower": ("str", lambda a: f"lower({text(a[0])})"),
    "lower": ("str", lambda a: f"lower({text(a[0])})"),
    "trim": ("str", lambda a: f"trim({', '.join(text(x) for x in a)})"),
    "ltrim": ("str", lambda a: f"ltrim({', '.join(text(x) for x in a)})"),
    "rtrim": ("str", lambda a: f"rtrim({', '.join(text(x) for x in a)})"),
    "concat": ("str", lambda a: f"concat({', '.join(text(x) for x in a)})"),
    "substr": ("str", _substr),
    "replace": ("str", lambda a: f"replace({text(a[0])}, {text(a[1])}, {text(a[2])})"),
    "strcontains": ("num", lambda a: f"CAST(contains({text(a[0])}, {text(a[1])}) AS INTEGER)"),
    "coalesce": ("any", lambda a: f"coalesce({', '.join(text(x) for x in a)})"),
    "ispresent": ("bool", lambda a: f"({a[0].sql} IS NOT NULL)"),
    "isempty": ("bool", lambda a: f"({a[0].sql} IS NULL OR {text(a[0])} = '')"),
    "isblank": ("bool", lambda a: f"({a[0].sql} IS NULL OR trim({text(a[0])}) = '')"),
    "abs": ("num", lambda a: f"abs({number(a[0])})"),
    "ceil": ("num", lambda a: f"ceil({number(a[0])})"),
    "floor": ("num", lambda a: f"floor({number(a[0])})"),
    "sqrt": ("num", lambda a: f"sqrt({number(a[0])})"),
    "log": ("num", lambda a: f"ln({number(a[0])})"),
    "pow": ("num", lambda a: f"pow({number(a[0])}, {number(a[1])})"),
    "greatest": ("num", lambda a: f"greatest({', '.join(number(x) for x in a)})"),
    "least": ("num", lambda a: f"least({', '.join(number(x) for x in a)})"),
    "frommillis": ("time", lambda a: f"epoch_ms(CAST({number(a[0])} AS BIGINT))"),
    "tomillis": ("num", lambda a: f"epoch_ms({a[0].sql})"),
    "isvalidip": ("bool", lambda a: f"({_valid_ipv4(text(a[0]))} OR regexp_full_match({text(a[0])}, "
                                    "'[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*'))"),
    "isvalidipv4": ("bool", lambda a: _valid_ipv4(text(a[0]))),
    "isvalidipv6": ("bool", lambda a: f"regexp_full_match({text(a[0])}, '[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*')"),
}
AGGREGATES: dict[str, tuple[str, Builder]] = {
    "count": ("num", lambda a: "count(*)" if not a or a[0].sql == "*" else f"count({a[0].sql})"),
    "count_distinct": ("num", lambda a: f"count(DISTINCT {a[0].sql})"),
    "sum": ("num", lambda a: f"sum({number(a[0])})"),
    "avg": ("num", lambda a: f"avg({number(a[0])})"),
    "min": ("num", lambda a: f"min({a[0].sql if a[0].kind == 'time' else number(a[0])})"),
    "max": ("num", lambda a: f"max({a[0].sql if a[0].kind == 'time' else number(a[0])})"),
    "stddev": ("num", lambda a: f"stddev_samp({number(a[0])})"),
    "pct": ("num", lambda a: f"quantile_cont({number(a[0])}, {number(a[1])} / 100.0)"),
    "earliest": ("any", lambda a: f'arg_min({a[0].sql}, "@timestamp")'),
    "latest": ("any", lambda a: f'arg_max({a[0].sql}, "@timestamp")'),
    "sortsfirst": ("any", lambda a: f"min({text(a[0])})"),
    "sortslast": ("any", lambda a: f"max({text(a[0])})"),
}
SUBNET_FUNCTIONS = {"isipinsubnet", "isipv4insubnet", "isipv6insubnet"}
TIME_FUNCTIONS = {"bin", "datefloor", "dateceil"}


def compare(left: Expr, op: str, right: Expr) -> Expr:
    op = "=" if op == "==" else op
    if left.kind == "num" or right.kind == "num":
        return Expr(f"({number(left)} {op} {number(right)})", "bool")
    if left.kind == "time" and right.kind == "time":
        return Expr(f"({left.sql} {op} {right.sql})", "bool")
    return Expr(f"({text(left)} {op} {text(right)})", "bool")


def matches(left: Expr, pattern: Expr, regex: bool) -> Expr:
    if regex:
        return Expr(f"coalesce(regexp_matches({text(left)}, {pattern.sql}), FALSE)", "bool")
    return Expr(f"coalesce(contains({text(left)}, {text(pattern)}), FALSE)", "bool")
