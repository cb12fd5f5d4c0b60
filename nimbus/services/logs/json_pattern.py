"""JSON filter patterns: ``{ $.field op value }`` joined by && and ||, with parentheses."""
from __future__ import annotations

import re
from collections.abc import Callable

from nimbus.core.json_text import read_json

from .common import invalid
from .value_match import check_comparison, compare, parse_value

TOKENS = re.compile(r"""\s*(?:
    (?P<paren>[()])
  | (?P<logic>&&|\|\|)
  | (?P<selector>\$(?:\.[A-Za-z0-9_\-@$]+|\.\*|\[\d+\]|\[\*\])*)
  | (?P<op><=|>=|!=|=|<|>)
  | (?P<keyword>IS\s+NULL|IS\s+TRUE|IS\s+FALSE|NOT\s+EXISTS|EXISTS)(?![A-Za-z0-9_])
  | (?P<value>"(?:[^"\\]|\\.)*"|[^\s()&|]+)
)""", re.VERBOSE)
_MISSING = object()


def _tokens(text: str) -> list[tuple[str, str]]:
    out, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = TOKENS.match(text, position)
        if match is None or match.end() == position:
            raise invalid(f"Invalid filter pattern: {{{text}}}")
        kind = match.lastgroup
        out.append((kind, re.sub(r"\s+", " ", match.group(kind))))
        position = match.end()
    return out


def resolve_selector(document, selector: str) -> list:
    """Values a selector reaches; ``[*]`` and ``.*`` fan out."""
    current = [document]
    for part in re.findall(r"\.[^.\[]+|\[[^\]]+\]", selector[1:]):
        following = []
        for value in current:
            if part in (".*", "[*]"):
                if isinstance(value, dict):
                    following.extend(value.values())
                elif isinstance(value, list):
                    following.extend(value)
            elif part.startswith("["):
                index = int(part[1:-1])
                if isinstance(value, list) and index < len(value):
                    following.append(value[index])
            elif isinstance(value, dict) and part[1:] in value:
                following.append(value[part[1:]])
        current = following
    return current


class _Parser:
    def __init__(self, tokens):
        self.tokens, self.i = tokens, 0

    def peek(self, kind=None):
        if self.i < len(self.tokens) and (kind is None or self.tokens[self.i][0] == kind):
            return self.tokens[self.i]
        return None

    def take(self, kind):
        token = self.peek(kind)
        if token is None:
            raise invalid("Invalid filter pattern: unexpected end or token")
        self.i += 1
        return token[1]

    def expression(self):
        return self._chain("||", self.conjunction, lambda a, b: lambda d: a(d) or b(d))

    def conjunction(self):
        return self._chain("&&", self.unary, lambda a, b: lambda d: a(d) and b(d))

    def _chain(self, symbol: str, operand, join):
        """``operand (symbol operand)*``, folded left with ``join``."""
        left = operand()
        while self.peek("logic") and self.peek()[1] == symbol:
            self.i += 1
            left = join(left, operand())
        return left

    def unary(self):
        if self.peek("paren") and self.peek()[1] == "(":
            self.i += 1
            inner = self.expression()
            if self.take("paren") != ")":
                raise invalid("Invalid filter pattern: unbalanced parentheses")
            return inner
        selector = self.take("selector")
        if self.peek("keyword"):
            return _keyword_test(selector, self.take("keyword"))
        operator = self.take("op")
        value = parse_value(self.take("value"))
        check_comparison(operator, value)
        if isinstance(value, str) and value in ("true", "false") and operator in ("=", "!="):
            # A bare true/false compares with a JSON boolean.
            expected = value == "true"
            return lambda d: any((v is expected) == (operator == "=") for v in resolve_selector(d, selector))
        return lambda d: any(compare(operator, v, value) for v in resolve_selector(d, selector))


def _keyword_test(selector: str, keyword: str) -> Callable:
    if keyword == "IS NULL":
        return lambda d: any(v is None for v in resolve_selector(d, selector))
    if keyword == "IS TRUE":
        return lambda d: any(v is True for v in resolve_selector(d, selector))
    if keyword == "IS FALSE":
        return lambda d: any(v is False for v in resolve_selector(d, selector))
    if keyword == "NOT EXISTS":
        return lambda d: not resolve_selector(d, selector)
    return lambda d: bool(resolve_selector(d, selector))


def compile_json_pattern(pattern: str) -> Callable[[str], bool]:
    if not pattern.endswith("}"):
        raise invalid(f"Invalid filter pattern: {pattern}")
    parser = _Parser(_tokens(pattern[1:-1]))
    test = parser.expression()
    if parser.i != len(parser.tokens):
        raise invalid(f"Invalid filter pattern: {pattern}")

    def matches(message: str) -> bool:
        try:
            document = read_json(message)
        except ValueError:
            return False
        return isinstance(document, (dict, list)) and test(document)
    return matches
