"""GitHub Actions expressions: find ``${{ }}`` in text and parse what is inside into a small tree.

The grammar is the documented one: literals, context references with ``.name``, ``.*`` and ``[index]``,
function calls, ``!``, comparisons, ``&&`` and ``||``. Unknown syntax raises ``ExpressionError`` so the
caller can treat the expression as opaque instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?))"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*)|(?P<op>==|!=|<=|>=|&&|\|\||[()\[\].,!<>*]))"
)
_SPAN_PART = re.compile(r"'[^']*'|\}\}")
_KEYWORDS = {"true": True, "false": False, "null": None}
_BINARY = (("||",), ("&&",), ("==", "!="), ("<", "<=", ">", ">="))
MAX_DEPTH = 50
MAX_TOKENS = 1000


class ExpressionError(ValueError):
    """An expression that does not follow the documented grammar."""


@dataclass(frozen=True)
class Span:
    """One ``${{ ... }}`` in a text: offsets of the whole span and the expression inside."""

    start: int
    end: int
    source: str


@dataclass(frozen=True)
class Literal:
    value: str | float | bool | None


@dataclass(frozen=True)
class Context:
    """A context name such as ``github``, ``env`` or ``steps``."""

    name: str


@dataclass(frozen=True)
class Access:
    """``base.key``; ``key`` is ``"*"`` for ``.*`` and ``None`` for an index computed at run time."""

    base: Expr
    key: str | None
    index: Expr | None = None


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Unary:
    operator: str
    operand: Expr


@dataclass(frozen=True)
class Binary:
    operator: str
    left: Expr
    right: Expr


Expr = Literal | Context | Access | Call | Unary | Binary


def find_spans(text: str) -> list[Span]:
    """Every ``${{ ... }}`` in ``text``; string literals inside may contain ``}}``."""
    spans: list[Span] = []
    position = text.find("${{")
    while position != -1:
        end = _span_end(text, position + 3)
        if end == -1:
            break
        spans.append(Span(position, end, text[position + 3 : end - 2].strip()))
        position = text.find("${{", end)
    return spans


def _span_end(text: str, index: int) -> int:
    for match in _SPAN_PART.finditer(text, index):
        if match.group(0) == "}}":
            return match.end()
    return -1


@lru_cache(maxsize=8192)
def parse(source: str) -> Expr:
    """Parse the inside of ``${{ }}``; raises ``ExpressionError`` for anything else."""
    tokens = list(_tokens(source))
    if len(tokens) > MAX_TOKENS:
        raise ExpressionError(f"expression has more than {MAX_TOKENS} tokens")
    parser = _Parser(tokens)
    expr = parser.expression(0)
    if parser.position != len(parser.tokens):
        raise ExpressionError(f"unexpected {parser.peek()!r} in {source!r}")
    return expr


def _tokens(source: str) -> Iterator[tuple[str, str]]:
    position = 0
    source = source.rstrip()
    while position < len(source):
        match = _TOKEN.match(source, position)
        if not match or match.end() == position:
            raise ExpressionError(f"cannot read {source[position : position + 20]!r}")
        kind = match.lastgroup or "op"
        yield kind, match.group(kind)
        position = match.end()


class _Parser:
    """Precedence climbing over the token list."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.position = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise ExpressionError("unexpected end of expression")
        token = self.tokens[self.position]
        if expected is not None and token[1] != expected:
            raise ExpressionError(f"expected {expected!r}, found {token[1]!r}")
        self.position += 1
        return token

    def expression(self, level: int) -> Expr:
        if level == 0:
            return self.nested(lambda: self._binary(0))
        return self._binary(level)

    def nested(self, parse: Callable[[], Expr]) -> Expr:
        """Parse one level deeper; refuse expressions nested beyond ``MAX_DEPTH``."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError("expression nests too deeply")
        try:
            return parse()
        finally:
            self.depth -= 1

    def _binary(self, level: int) -> Expr:
        if level == len(_BINARY):
            return self.unary()
        left = self._binary(level + 1)
        while self.peek() in _BINARY[level] and self.tokens[self.position][0] == "op":
            operator = self.take()[1]
            left = Binary(operator, left, self._binary(level + 1))
        return left

    def unary(self) -> Expr:
        if self.peek() == "!":
            self.take()
            return Unary("!", self.nested(self.unary))
        return self.postfix(self.primary())

    def primary(self) -> Expr:
        kind, text = self.take()
        if kind == "string":
            return Literal(text[1:-1].replace("''", "'"))
        if kind == "number":
            return Literal(float(int(text, 16)) if text.lower().startswith(("0x", "-0x")) else float(text))
        if kind == "name":
            return self.name(text)
        if text == "(":
            inner = self.expression(0)
            self.take(")")
            return inner
        raise ExpressionError(f"unexpected {text!r}")

    def name(self, text: str) -> Expr:
        if text in _KEYWORDS and self.peek() != "(":
            return Literal(_KEYWORDS[text])
        if self.peek() != "(":
            return Context(text)
        self.take("(")
        args: list[Expr] = []
        while self.peek() != ")":
            args.append(self.expression(0))
            if self.peek() != ")":
                self.take(",")
        self.take(")")
        return Call(text.lower(), tuple(args))

    def postfix(self, expr: Expr) -> Expr:
        while self.peek() in (".", "["):
            if self.take()[1] == ".":
                kind, key = self.take()
                if kind not in ("name", "op") or (kind == "op" and key != "*"):
                    raise ExpressionError(f"unexpected {key!r} after '.'")
                expr = Access(expr, key)
            else:
                expr = self._index(expr)
        return expr

    def _index(self, expr: Expr) -> Expr:
        if self.peek() == "*":
            self.take()
            self.take("]")
            return Access(expr, "*")
        index = self.expression(0)
        self.take("]")
        if isinstance(index, Literal) and isinstance(index.value, str):
            return Access(expr, index.value)
        if isinstance(index, Literal):
            return Access(expr, "*")
        return Access(expr, None, index)


def path_of(expr: Expr) -> tuple[str, ...] | None:
    """``github.event.issue.title`` as a tuple of lower-case keys; numeric or computed indexes are ``*``."""
    keys: list[str] = []
    while isinstance(expr, Access):
        keys.append("*" if expr.key is None else expr.key.lower())
        expr = expr.base
    if not isinstance(expr, Context):
        return None
    keys.append(expr.name.lower())
    return tuple(reversed(keys))
