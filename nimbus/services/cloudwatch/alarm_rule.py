"""The composite alarm rule language: ``ALARM(name)``, ``OK(name)``, ``INSUFFICIENT_DATA(name)``, ``TRUE``,
``FALSE``, ``AND``, ``OR``, ``NOT`` and parentheses, a name plain, quoted or as an alarm ARN.

Parsed into a small tree once, evaluated against the alarms' current states."""
from __future__ import annotations

import re
from dataclasses import dataclass

from nimbus.services.cloudwatch.common import invalid

_TOKEN = re.compile(r'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|([A-Za-z_][A-Za-z_]*)\s*(?=\()|([^\s()"]+))')
STATES = ("ALARM", "OK", "INSUFFICIENT_DATA")


@dataclass(frozen=True)
class StateOf:
    state: str
    alarm: str  # the name


@dataclass(frozen=True)
class Const:
    value: bool


@dataclass(frozen=True)
class Not:
    operand: Rule


@dataclass(frozen=True)
class Both:
    op: str  # AND or OR
    left: Rule
    right: Rule


Rule = StateOf | Const | Not | Both


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise _error(text)
        pos = match.end()
        open_, close, quoted, function, word = match.groups()
        if open_:
            out.append(("(", "("))
        elif close:
            out.append((")", ")"))
        elif quoted is not None:
            out.append(("name", quoted.replace('\\"', '"')))
        elif function:
            out.append(("function", function))
        else:
            out.append(("word", word))
    return out


def _error(rule: str):
    return invalid(f"Error in alarm rule: {rule}")


def _name(value: str) -> str:
    return value.rsplit(":alarm:", 1)[-1]


def parse(text: str) -> Rule:
    tokens = _tokens(text)
    pos = 0

    def peek() -> tuple[str, str] | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal pos
        if pos >= len(tokens):
            raise _error(text)
        pos += 1
        return tokens[pos - 1]

    def expression() -> Rule:
        left = term()
        while (token := peek()) and token == ("word", "OR"):
            take()
            left = Both("OR", left, term())
        return left

    def term() -> Rule:
        left = factor()
        while (token := peek()) and token == ("word", "AND"):
            take()
            left = Both("AND", left, factor())
        return left

    def factor() -> Rule:
        kind, value = take()
        if (kind, value) == ("word", "NOT"):
            return Not(factor())
        if kind == "word" and value in ("TRUE", "FALSE"):
            return Const(value == "TRUE")
        if kind == "(":
            inner = expression()
            if take()[0] != ")":
                raise _error(text)
            return inner
        if kind == "function" and value in STATES:
            take()  # (
            name_kind, name = take()
            if name_kind not in ("name", "word") or take()[0] != ")":
                raise _error(text)
            return StateOf(value, _name(name))
        raise _error(text)

    try:
        rule = expression()
    except RecursionError:
        raise _error(text) from None
    if pos != len(tokens):
        raise _error(text)
    return rule


def alarms_named(rule: Rule) -> set[str]:
    if isinstance(rule, StateOf):
        return {rule.alarm}
    if isinstance(rule, Not):
        return alarms_named(rule.operand)
    if isinstance(rule, Both):
        return alarms_named(rule.left) | alarms_named(rule.right)
    return set()


def holds(rule: Rule, states: dict[str, str]) -> bool:
    """Whether the rule holds when the named alarms are in ``states`` (a missing alarm is in no state)."""
    if isinstance(rule, StateOf):
        return states.get(rule.alarm) == rule.state
    if isinstance(rule, Const):
        return rule.value
    if isinstance(rule, Not):
        return not holds(rule.operand, states)
    if rule.op == "AND":
        return holds(rule.left, states) and holds(rule.right, states)
    return holds(rule.left, states) or holds(rule.right, states)
