"""Logs Insights query text as tokens, each with its offsets (MalformedQueryException reports them)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from nimbus.protocol.errors import ServiceError

TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<quoted>`[^`]*`)
  | (?P<duration>\d+(?:\.\d+)?(?:ms|mo|s|m|h|d|w|q|y)(?![A-Za-z0-9_]))
  | (?P<number>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
  | (?P<name>[@A-Za-z_$][A-Za-z0-9_.@$]*)
  | (?P<op><=|>=|!=|=~|==|[=<>+\-*/%^|(),\[\]])
""", re.VERBOSE)
REGEX = re.compile(r"/((?:[^/\\]|\\.)*)/")
# After these an operand is expected, so a slash opens a regex rather than dividing.
OPERAND_NEXT = {"(", ",", "[", "=", "!=", "=~", "==", "<", ">", "<=", ">=", "like", "and", "or", "not", "|", "in"}


@dataclass
class Token:
    kind: str  # string, quoted, duration, number, name, op, regex, end
    text: str
    start: int
    end: int

    @property
    def word(self) -> str:
        return self.text.lower() if self.kind == "name" else self.text


def malformed(text: str, start: int, end: int, message: str | None = None) -> ServiceError:
    end = max(end, start)
    return ServiceError("MalformedQueryException", message or f"unexpected symbol found {text[start:end + 1] or 'EOF'} "
                        f"at line 1 and position {start + 1}",
                        queryCompileError={"location": {"startCharOffset": start, "endCharOffset": end},
                                           "message": message or f"mismatched input at position {start + 1}"})


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        previous = tokens[-1].word if tokens else "|"
        after_parse = len(tokens) >= 2 and tokens[-2].word == "parse"  # parse <field> /regex/
        if text[position] == "/" and (previous in OPERAND_NEXT or after_parse):
            match = REGEX.match(text, position)
            if match is None:
                raise malformed(text, position, len(text) - 1, "unterminated regular expression")
            tokens.append(Token("regex", match.group(1), position, match.end() - 1))
            position = match.end()
            continue
        match = TOKEN.match(text, position)
        if match is None:
            raise malformed(text, position, position)
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(Token(kind, match.group(kind), position, match.end() - 1))
        position = match.end()
    tokens.append(Token("end", "", len(text), len(text)))
    return tokens


def unquote(token: Token) -> str:
    if token.kind == "quoted":
        return token.text[1:-1]
    if token.kind == "string":
        return re.sub(r"\\(.)", r"\1", token.text[1:-1])
    return token.text
