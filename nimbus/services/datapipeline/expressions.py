"""Data Pipeline's expression language: ``#{...}`` inside a string field, evaluated against an object.

An expression is a reference (``myParam``, ``@scheduledStartTime``, ``input.directoryPath``), a string or
number literal, a function call (``format(@scheduledStartTime,'YYYY-MM-dd')``, ``minusDays(x, 1)``), or
numbers added and subtracted. Date-times are Data Pipeline's ``YYYY-MM-DDTHH:MM:SS`` in UTC. Parsing is a
small hand-written recursive descent over a bounded text, so a caller's expression cannot stall the server.
"""
from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import datetime, timedelta

DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
MAX_DEPTH = 16
MAX_NESTING = 32  # parentheses and calls within one expression
_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<num>\d+(?:\.\d+)?)|(?P<name>@?[A-Za-z_][A-Za-z0-9_]*)"
                    r"|(?P<op>[(),.+\-*/]))")
_EXPRESSION = re.compile(r"#\{([^{}]*)\}")
# Joda-style patterns Data Pipeline's format() takes, longest first, as strftime directives.
_JODA = [("YYYY", "%Y"), ("yyyy", "%Y"), ("YY", "%y"), ("yy", "%y"), ("MMMM", "%B"), ("MMM", "%b"),
         ("MM", "%m"), ("dd", "%d"), ("DDD", "%j"), ("HH", "%H"), ("hh", "%I"), ("mm", "%M"), ("ss", "%S"),
         ("EEEE", "%A"), ("EEE", "%a"), ("a", "%p")]

Resolver = Callable[[list[str]], object]


class ExpressionError(ValueError):
    """An expression that does not parse, names nothing, or calls a function wrongly."""


def parse_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    text = str(value).strip()
    for layout in (DATETIME_FORMAT, "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, layout)
        except ValueError:
            continue
    raise ExpressionError(f"'{text}' is not a DateTime")


def format_datetime(value: datetime) -> str:
    return value.strftime(DATETIME_FORMAT)


def _joda(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        for joda, directive in _JODA:
            if pattern.startswith(joda, i):
                out.append(directive)
                i += len(joda)
                break
        else:
            out.append(pattern[i].replace("%", "%%"))
            i += 1
    return "".join(out)


def _plus_months(when: datetime, months: int) -> datetime:
    total = when.month - 1 + months
    year, month = when.year + total // 12, total % 12 + 1
    return when.replace(year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1]))


def _shift(unit: str, sign: int) -> Callable[[object, object], datetime]:
    def shift(when: object, amount: object) -> datetime:
        moment, n = parse_datetime(when), sign * int(float(str(amount)))
        if unit == "months":
            return _plus_months(moment, n)
        if unit == "years":
            return _plus_months(moment, 12 * n)
        return moment + timedelta(**{unit: n})
    return shift


FUNCTIONS: dict[str, Callable[..., object]] = {
    "format": lambda when, pattern: parse_datetime(when).strftime(_joda(str(pattern))),
    "year": lambda when: parse_datetime(when).year, "month": lambda when: parse_datetime(when).month,
    "day": lambda when: parse_datetime(when).day, "hour": lambda when: parse_datetime(when).hour,
    "minute": lambda when: parse_datetime(when).minute,
    "midnight": lambda when: parse_datetime(when).replace(hour=0, minute=0, second=0),
    "firstOfMonth": lambda when: parse_datetime(when).replace(day=1, hour=0, minute=0, second=0),
    "sunday": lambda when: (parse_datetime(when) - timedelta(days=(parse_datetime(when).weekday() + 1) % 7))
    .replace(hour=0, minute=0, second=0),
    "makeDate": lambda y, m, d: datetime(int(y), int(m), int(d)),
    "makeDateTime": lambda y, m, d, h, mi: datetime(int(y), int(m), int(d), int(h), int(mi)),
    "inTimeZone": lambda when, _zone: parse_datetime(when),
}
for _unit in ("minutes", "hours", "days", "weeks", "months", "years"):
    FUNCTIONS["plus" + _unit.capitalize()] = _shift(_unit, 1)
    FUNCTIONS["minus" + _unit.capitalize()] = _shift(_unit, -1)


class _Parser:
    def __init__(self, text: str, resolve: Resolver, check_only: bool = False):
        self.tokens = self._tokenize(text)
        self.pos, self.resolve, self.check_only = 0, resolve, check_only
        self.nesting = 0

    @staticmethod
    def _tokenize(text: str) -> list[tuple[str, str]]:
        tokens, pos = [], 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            match = _TOKEN.match(text, pos)
            if match is None:
                raise ExpressionError(f"Unexpected character '{text[pos:].strip()[0]}' in expression '{text}'")
            kind = match.lastgroup or ""
            tokens.append((kind, match.group(kind)))
            pos = match.end()
        return tokens

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise ExpressionError(f"Expected '{value or 'a value'}'")
        self.pos += 1
        return token

    def parse(self) -> object:
        if not self.tokens:
            raise ExpressionError("Empty expression")
        value = self.sum()
        if self.peek() is not None:
            raise ExpressionError(f"Unexpected '{self.peek()[1]}'")  # type: ignore[index]
        return value

    def sum(self) -> object:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise ExpressionError(f"Expression nests more than {MAX_NESTING} levels")
        try:
            return self._sum()
        finally:
            self.nesting -= 1

    def _sum(self) -> object:
        value = self.term()
        while (token := self.peek()) is not None and token[1] in "+-*/" and token[0] == "op":
            self.take()
            right = self.term()
            if self.check_only:
                continue
            try:
                value = _arithmetic(token[1], value, right)
            except (TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
                raise ExpressionError(f"Cannot apply '{token[1]}' to {value!r} and {right!r}") from exc
        return value

    def term(self) -> object:
        kind, text = self.take()
        if kind == "str":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind == "op" and text == "(":
            value = self.sum()
            self.take(")")
            return value
        if kind != "name":
            raise ExpressionError(f"Unexpected '{text}'")
        if (token := self.peek()) is not None and token[1] == "(":
            return self.call(text)
        path = [text]
        while (token := self.peek()) is not None and token[1] == ".":
            self.take()
            path.append(self.take()[1])
        return self.resolve(path)

    def call(self, name: str) -> object:
        function = FUNCTIONS.get(name)
        if function is None:
            raise ExpressionError(f"Unknown function '{name}'")
        self.take("(")
        args: list[object] = []
        if (token := self.peek()) is not None and token[1] != ")":
            args.append(self.sum())
            while (token := self.peek()) is not None and token[1] == ",":
                self.take()
                args.append(self.sum())
        self.take(")")
        if self.check_only:
            return 0
        try:
            return function(*args)
        except TypeError as exc:
            raise ExpressionError(f"Function '{name}' does not take {len(args)} argument(s)") from exc
        except (ValueError, OverflowError) as exc:
            raise ExpressionError(f"Function '{name}' failed: {exc}") from exc


def _arithmetic(op: str, left: object, right: object) -> object:
    a, b = float(str(left)), float(str(right))
    result = {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else 1 / 0}[op]
    return int(result) if result == int(result) else result


def to_text(value: object) -> str:
    if isinstance(value, datetime):
        return format_datetime(value)
    return str(value)


def evaluate(expression: str, resolve: Resolver) -> object:
    """The value of one expression (without its ``#{}``)."""
    return _Parser(expression, resolve).parse()


def check(expression: str) -> None:
    """Raise ExpressionError unless the expression parses and calls only known functions."""
    _Parser(expression, lambda _path: 0, check_only=True).parse()


def expressions_in(text: str) -> list[str]:
    """The expressions of a field; one opened with ``#{`` and never closed raises ExpressionError."""
    found = _EXPRESSION.findall(text)
    if text.count("#{") > len(found):
        raise ExpressionError("An expression opened with '#{' is not closed with '}'")
    return found


def substitute(text: str, resolve: Resolver) -> str:
    """``text`` with every ``#{...}`` replaced by its value."""
    return _EXPRESSION.sub(lambda m: to_text(evaluate(m.group(1), resolve)), text)
