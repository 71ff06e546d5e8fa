"""Splits SOQL text into tokens; string escapes follow Salesforce's rules."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sfemulator.soql.errors import malformed

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\dT]))
  | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
  | (?P<name>[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)
  | (?P<string>')
  | (?P<op>!=|<>|<=|>=|=|<|>)
  | (?P<punct>[(),])
    """,
    re.VERBOSE,
)
_ESCAPES = {
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
    '"': '"',
    "'": "'",
    "\\": "\\",
    "_": "_",
    "%": "%",
}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    value: str = ""
    raw: str = ""

    @property
    def word(self) -> str:
        return self.text.upper() if self.kind == "name" else ""


def tokenize(text: str) -> list[Token]:
    """The tokens of `text`, ending with an "end" token."""
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise malformed(f"unexpected character: '{text[position]}'")
        kind = match.lastgroup or ""
        if kind == "string":
            token, position = _string(text, position + 1)
            tokens.append(token)
            continue
        if kind != "space":
            tokens.append(Token(kind, match.group()))
        position = match.end()
    tokens.append(Token("end", "<EOF>"))
    return tokens


def _string(text: str, position: int) -> tuple[Token, int]:
    chars: list[str] = []
    start = position
    while position < len(text):
        char = text[position]
        if char == "'":
            raw = text[start:position]
            return Token("string", f"'{raw}'", "".join(chars), raw), position + 1
        if char == "\\":
            escaped = text[position + 1 : position + 2]
            if escaped == "u" and re.fullmatch(
                r"[0-9a-fA-F]{4}", text[position + 2 : position + 6]
            ):
                chars.append(chr(int(text[position + 2 : position + 6], 16)))
                position += 6
                continue
            if escaped not in _ESCAPES:
                raise malformed("Invalid string literal: bad escape sequence")
            chars.append(_ESCAPES[escaped])
            position += 2
            continue
        chars.append(char)
        position += 1
    raise malformed("unexpected token: unterminated string literal")
