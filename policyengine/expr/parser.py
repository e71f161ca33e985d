"""Parse expression text into our own AST.

The lark grammar (``grammar/expr.lark``) is loaded once, lazily, into one shared
LALR parser.  Lark's tree is converted into the frozen dataclass nodes of ``nodes.py``
(re-exported here), each carrying ``start``/``end``: 0-based character offsets into
the text.  Literals are validated here (real dates, time zones on datetimes, string
escapes, whole-number durations).  Every lark error becomes an :class:`ExprError`
with a plain message, the offending offset and, where useful, a hint.  Input size and
nesting depth are bounded before anything recursive runs, so hostile input gives an
``ExprError``, never a ``RecursionError``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from lark.tree import Meta

from policyengine.decimals import INTEGER_DIGITS, NUMBER_RANGE, in_range, number_shown
from policyengine.load.cachedir import cache_dir

from .nodes import (
    Aggregate,
    Binary,
    BoolOp,
    Call,
    Compare,
    Comprehension,
    Field,
    If,
    ListExpr,
    Literal,
    Name,
    Node,
    Quantifier,
    Unary,
    children,
    walk,
)
from .types import BOOL, DATE, DATETIME, DURATION, NUMBER, STRING
from .values import INSTANT_RANGE, Duration, ExprError, instant_in_range

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "Aggregate",
    "Binary",
    "BoolOp",
    "Call",
    "Compare",
    "Comprehension",
    "Field",
    "If",
    "ListExpr",
    "Literal",
    "Name",
    "Node",
    "Quantifier",
    "Unary",
    "children",
    "get_parser",
    "parse",
    "syntax_error",
    "walk",
]

MAX_LENGTH = 10_000
MAX_DEPTH = 64


# ----------------------------------------------------------------------------- lark

_parser: Lark | None = None
_lock = threading.Lock()


def _grammar_text() -> str:
    try:
        from importlib.resources import files

        return files("policyengine.grammar").joinpath("expr.lark").read_text(encoding="utf-8")
    except ModuleNotFoundError:  # source checkout: grammar/ is not installed as a package
        path = Path(__file__).resolve().parents[2] / "grammar" / "expr.lark"
        return path.read_text(encoding="utf-8")


def get_parser() -> Lark:
    """The shared LALR parser, built on first use.

    Building the LALR tables takes 50-90 ms; lark keeps them in a per-user cache file
    (:func:`cache_file`) and later processes load them in a few milliseconds. lark checks
    the file against a hash of the grammar and the options, so a changed grammar is never
    read from an old cache."""
    global _parser
    if _parser is None:
        with _lock:
            if _parser is None:
                grammar = _grammar_text()
                cache = cache_file(grammar)
                _parser = Lark(
                    grammar,
                    parser="lalr",
                    propagate_positions=True,
                    maybe_placeholders=True,
                    cache=str(cache) if cache is not None else False,
                )
    return _parser


def cache_file(grammar: str | None = None) -> Path | None:
    """Where the parser tables are cached: in the per-user cache folder
    (:func:`policyengine.load.cachedir.cache_dir`), named by the grammar's hash (two
    installed versions with different grammars do not overwrite each other's tables);
    None when there is none (turned off, or not private to this user: the cache is a
    pickle, so a file someone else could write is never loaded)."""
    folder = cache_dir()
    if folder is None:
        return None
    text = _grammar_text() if grammar is None else grammar
    return folder / f"expr-lalr-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}.pickle"


def _span(meta: Meta) -> tuple[int, int]:
    """A rule's (start, end) offsets: the first two fields of every node."""
    return meta.start_pos, meta.end_pos


def _token_span(tok: Token) -> tuple[int, int]:
    """A token's (start, end) offsets.  lark types them Optional (for tokens made by hand);
    its lexer always sets them."""
    assert tok.start_pos is not None and tok.end_pos is not None
    return tok.start_pos, tok.end_pos


_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "t": "\t"}
_UNITS = {"day": (0, 1), "week": (0, 7), "month": (1, 0), "year": (12, 0)}
_DURATION_RE = re.compile(r"(\d+)(\.\d+)?\s+([a-z]+?)s?\Z")


def _unescape(tok: Token) -> str:
    body: str = tok.value[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1]
            if nxt not in _ESCAPES:
                pos = _token_span(tok)[0] + 1 + i
                raise ExprError(
                    f"unknown escape '\\{nxt}' in string",
                    pos,
                    pos + 2,
                    hint="the escapes are \\\" \\' \\\\ \\n \\t",
                )
            out.append(_ESCAPES[nxt])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


# The children a rule's method receives, in the order of the grammar rule: tokens, the nodes
# already built for sub-rules, the keyword strings of quant_kw/agg_kw and None for an
# optional part that is absent (maybe_placeholders).
_Tokens = list[Token]
_Nodes = list[Node]
_Items = list[Node | None]
_Mixed = list[Any]  # tokens, nodes, keywords and None together: unpacked by the method

_BinaryNode = Binary | Compare | BoolOp


def _op(cls: type[_BinaryNode], op: str) -> Callable[[_ToAst, Meta, _Nodes], _BinaryNode]:
    """A transformer method building ``cls(op, left, right)``."""

    def method(self: _ToAst, meta: Meta, ch: _Nodes) -> _BinaryNode:
        return cls(*_span(meta), op=op, left=ch[0], right=ch[1])

    return method


@v_args(meta=True)
class _ToAst(Transformer[Token, Node]):
    def number(self, meta: Meta, ch: _Tokens) -> Literal:
        value = Decimal(ch[0].value)
        if not in_range(value):
            raise ExprError(
                f"number {number_shown(ch[0].value)} is out of range: {NUMBER_RANGE}",
                meta.start_pos,
                meta.end_pos,
            )
        return Literal(*_span(meta), value=value, type=NUMBER)

    def string(self, meta: Meta, ch: _Tokens) -> Literal:
        return Literal(*_span(meta), value=_unescape(ch[0]), type=STRING)

    def true(self, meta: Meta, ch: _Tokens) -> Literal:
        return Literal(*_span(meta), value=True, type=BOOL)

    def false(self, meta: Meta, ch: _Tokens) -> Literal:
        return Literal(*_span(meta), value=False, type=BOOL)

    def date(self, meta: Meta, ch: _Tokens) -> Literal:
        text: str = ch[0].value
        try:
            value = _dt.date.fromisoformat(text)
        except ValueError:
            raise ExprError(
                f"{text} is not a real date",
                meta.start_pos,
                meta.end_pos,
                hint="dates are written YYYY-MM-DD with a real month and day",
            ) from None
        return Literal(*_span(meta), value=value, type=DATE)

    def datetime(self, meta: Meta, ch: _Tokens) -> Literal:
        text: str = ch[0].value
        try:
            value = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ExprError(
                f"{text} is not a real date and time", meta.start_pos, meta.end_pos
            ) from None
        if value.tzinfo is None:
            raise ExprError(
                "a datetime needs a time zone offset",
                meta.start_pos,
                meta.end_pos,
                hint=f"write {text}Z for UTC or add an offset like {text}-07:00",
            )
        if not instant_in_range(value):
            raise ExprError(
                f"{text} is out of range: {INSTANT_RANGE}", meta.start_pos, meta.end_pos
            )
        return Literal(*_span(meta), value=value, type=DATETIME)

    def duration(self, meta: Meta, ch: _Tokens) -> Literal:
        m = _DURATION_RE.match(ch[0].value)
        assert m is not None
        if m.group(2):
            raise ExprError(
                "a duration needs a whole number of units",
                meta.start_pos,
                meta.end_pos,
                hint="use a smaller unit: '1 year + 6 months' rather than '1.5 years'",
            )
        if len(m.group(1).lstrip("0")) > INTEGER_DIGITS:  # also: int() refuses 4,300 digits
            raise ExprError(
                f"duration {number_shown(m.group(1))} {m.group(3)}s is out of range: "
                f"{NUMBER_RANGE}",
                meta.start_pos,
                meta.end_pos,
            )
        months, days = _UNITS[m.group(3)]
        n = int(m.group(1))
        return Literal(*_span(meta), value=Duration(months * n, days * n), type=DURATION)

    def name(self, meta: Meta, ch: _Tokens) -> Name:
        return Name(*_span(meta), name=ch[0].value)

    def field(self, meta: Meta, ch: _Mixed) -> Field:
        obj: Node = ch[0]
        name: Token = ch[1]
        return Field(*_span(meta), obj=obj, name=name.value, name_start=_token_span(name)[0])

    def list(self, meta: Meta, ch: _Items) -> ListExpr:
        return ListExpr(*_span(meta), items=tuple(c for c in ch if c is not None))

    def call(self, meta: Meta, ch: _Mixed) -> Call:
        name: Token = ch[0]
        args: _Items = ch[1:]
        return Call(
            *_span(meta),
            name=name.value,
            args=tuple(c for c in args if c is not None),
            name_end=_token_span(name)[1],
        )

    def neg(self, meta: Meta, ch: _Nodes) -> Unary:
        return Unary(*_span(meta), op="-", operand=ch[0])

    def not_op(self, meta: Meta, ch: _Nodes) -> Unary:
        return Unary(*_span(meta), op="not", operand=ch[0])

    add, sub, mul, div, mod = (_op(Binary, o) for o in "+-*/%")
    in_op, not_in_op = _op(Compare, "in"), _op(Compare, "not in")
    and_op, or_op = _op(BoolOp, "and"), _op(BoolOp, "or")

    def compare(self, meta: Meta, ch: _Mixed) -> Compare:
        left: Node
        op: Token
        right: Node
        left, op, right = ch
        return Compare(*_span(meta), op=op.value, left=left, right=right)

    def if_expr(self, meta: Meta, ch: _Mixed) -> If:
        cond: Node
        then_kw: Token
        then: Node
        else_: Node
        cond, then_kw, then, else_ = ch
        return If(
            *_span(meta), cond=cond, then=then, else_=else_, then_start=_token_span(then_kw)[0]
        )

    def quant_kw(self, meta: Meta, ch: _Tokens) -> str:
        kind: str = ch[0].value
        return kind

    agg_kw = quant_kw

    def quantifier(self, meta: Meta, ch: _Mixed) -> Quantifier:
        kind: str
        var: Token
        source: Node
        cond: Node
        kind, var, source, cond = ch
        return Quantifier(
            *_span(meta),
            kind=kind,
            var=var.value,
            var_start=_token_span(var)[0],
            source=source,
            cond=cond,
        )

    def count(self, meta: Meta, ch: _Mixed) -> Quantifier:
        var: Token
        source: Node
        cond: Node | None
        var, source, cond = ch
        return Quantifier(
            *_span(meta),
            kind="count",
            var=var.value,
            var_start=_token_span(var)[0],
            source=source,
            cond=cond,
        )

    def aggregate(self, meta: Meta, ch: _Mixed) -> Aggregate:
        kind: str = ch[0]
        args: _Nodes = ch[1:]
        return Aggregate(*_span(meta), kind=kind, args=tuple(args))

    def aggregate_comp(self, meta: Meta, ch: _Mixed) -> Comprehension:
        kind: str
        body: Node
        var: Token
        source: Node
        cond: Node | None
        kind, body, var, source, cond = ch
        return Comprehension(
            *_span(meta),
            kind=kind,
            body=body,
            var=var.value,
            var_start=_token_span(var)[0],
            source=source,
            cond=cond,
        )

    def list_comp(self, meta: Meta, ch: _Mixed) -> Comprehension:
        body: Node
        var: Token
        source: Node
        cond: Node | None
        body, var, source, cond = ch
        return Comprehension(
            *_span(meta),
            kind="list",
            body=body,
            var=var.value,
            var_start=_token_span(var)[0],
            source=source,
            cond=cond,
        )


_TRANSFORMER = _ToAst()


def parse(text: str) -> Node:
    """Parse ``text`` into an AST; raises :class:`ExprError`."""
    if len(text) > MAX_LENGTH:
        raise ExprError(
            f"expression is too long ({len(text)} characters; the limit is {MAX_LENGTH})",
            MAX_LENGTH,
            len(text),
            hint="split it into named definitions",
        )
    _unclosed(text)  # refuses bracket nesting deeper than MAX_DEPTH before lark runs
    try:
        tree = get_parser().parse(text)
    except UnexpectedInput as exc:
        raise syntax_error(exc, text) from None
    _check_depth(tree)
    try:
        return _TRANSFORMER.transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, ExprError):
            raise exc.orig_exc from None
        raise


def _unclosed(text: str) -> int | None:
    """Offset of the innermost bracket left open (strings skipped); checks the depth limit."""
    stack: list[int] = []
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote or ch == "\n":
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "([":
            stack.append(i)
            if len(stack) > MAX_DEPTH:
                raise ExprError(
                    f"expression is nested too deeply (more than {MAX_DEPTH} levels)", i
                )
        elif ch in ")]" and stack:
            stack.pop()
        i += 1
    return stack[-1] if stack else None


def _check_depth(tree: Tree[Token]) -> None:
    stack: list[tuple[Tree[Token], int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExprError(
                f"expression is nested too deeply (more than {MAX_DEPTH} levels)",
                node.meta.start_pos,
                node.meta.end_pos,
                hint="split it into smaller named definitions",
            )
        stack.extend((c, depth + 1) for c in node.children if isinstance(c, Tree))


# ----------------------------------------------------------------------------- errors

_STARTERS = {"NUMBER", "STRING", "DATE"}  # only ever expected where an expression starts
_COMPARISONS = {"COMP_OP", "IN", "NOT"}
_CLOSERS = {
    "RPAR": "')'",
    "RSQB": "']'",
    "THEN": "'then'",
    "ELSE": "'else'",
    "IN": "'in'",
    "WHERE": "'where'",
    "NAME": "a name",
}
_UNITS_WORDS = {u + s for u in _UNITS for s in ("", "s")}
_CHAR_HINTS = {
    "=": "use '==' to compare",
    "&": "use 'and'",
    "|": "use 'or'",
    "!": "use 'not' (or '!=')",
}


def _describe(tok: Token) -> str:
    if tok.type == "NAME":
        return f"name '{tok.value}'"
    if tok.type == "NUMBER":
        return f"number {tok.value}"
    if tok.type in ("STRING", "DATE", "DATETIME", "DURATION"):
        return f"{tok.type.lower()} {tok.value}"
    return f"'{tok.value}'"


def syntax_error(exc: UnexpectedInput, text: str) -> ExprError:
    """Translate a lark error into a plain-language :class:`ExprError`."""
    if isinstance(exc, UnexpectedCharacters):
        # lark declares pos_in_stream = None, untyped; UnexpectedCharacters always sets it to
        # the lexer's position, an int
        pos = cast(int, exc.pos_in_stream)
        ch = text[pos] if pos < len(text) else ""
        if ch in "\"'":
            nl = text.find("\n", pos)
            return ExprError(
                "unterminated string",
                pos,
                len(text) if nl < 0 else nl,
                hint=f"close it with {ch} on the same line",
            )
        if ch == "_":
            return ExprError(
                "names cannot start with '_'", pos, hint="use a name that starts with a letter"
            )
        return ExprError(f"unexpected character '{ch}'", pos, hint=_CHAR_HINTS.get(ch))
    if isinstance(exc, UnexpectedEOF) or (
        isinstance(exc, UnexpectedToken) and exc.token.type == "$END"
    ):
        expected = set(getattr(exc, "expected", ()) or ())
        pos = len(text.rstrip())
        if not text.strip():
            return ExprError("expected an expression", 0, hint="the expression is empty")
        if expected == {"NAME"}:
            return ExprError("expected a name at the end", pos)
        if expected & _STARTERS:
            return ExprError("expected an expression at the end", pos)
        opened = _unclosed(text)
        if opened is not None and {"RPAR", "RSQB"} & expected:
            closer = ")" if text[opened] == "(" else "]"
            return ExprError(
                f"expected '{closer}' at the end",
                pos,
                hint=f"the '{text[opened]}' at column {opened + 1} is not closed",
            )
        for closer, what in _CLOSERS.items():
            if closer in expected:
                return ExprError(f"expected {what} at the end", pos)
        return ExprError("unexpected end of expression", pos)
    assert isinstance(exc, UnexpectedToken)
    tok: Token = exc.token
    expected = set(exc.expected)
    pos, end = _token_span(tok)
    desc = _describe(tok)
    if expected == {"NAME"}:
        hint = (
            f"'{tok.value}' is a reserved word"
            if tok.type not in ("NAME",) and tok.value.isalpha()
            else None
        )
        return ExprError(f"expected a name, found {desc}", pos, end, hint=hint)
    if tok.type in _COMPARISONS and not expected & _STARTERS:
        return ExprError(
            "comparisons cannot be chained",
            pos,
            end,
            hint="combine them with 'and': a < b and b < c",
        )
    if expected & _STARTERS:
        return ExprError(f"expected an expression, found {desc}", pos, end)
    hint = None
    if tok.type == "NAME" and tok.value in _UNITS_WORDS:
        hint = (
            "a duration is a whole number and a unit; "
            f"for a computed amount write 'N * 1 {tok.value.rstrip('s')}'"
        )
    elif tok.type == "LPAR":
        hint = "only functions can be called, like year(d); methods do not exist"
    elif (
        tok.type in ("NAME", "NUMBER", "STRING", "DATE", "DATETIME", "DURATION")
        and "PLUS" in expected
    ):
        hint = "is an operator or a comma missing?"
    elif expected == {"IN"}:
        hint = "expected 'in'"
    else:
        wanted = [_CLOSERS[t] for t in _CLOSERS if t in expected]
        if len(wanted) == 1:
            hint = f"expected {wanted[0]}"
    return ExprError(f"unexpected {desc}", pos, end, hint=hint)
