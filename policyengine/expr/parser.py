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
import re
import threading
from decimal import Decimal
from pathlib import Path

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

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
from .values import Duration, ExprError

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
    """The shared LALR parser, built on first use."""
    global _parser
    if _parser is None:
        with _lock:
            if _parser is None:
                _parser = Lark(
                    _grammar_text(),
                    parser="lalr",
                    propagate_positions=True,
                    maybe_placeholders=True,
                )
    return _parser


def _span(meta: object) -> dict[str, int]:
    return {"start": meta.start_pos, "end": meta.end_pos}  # type: ignore[attr-defined]


_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "t": "\t"}
_UNITS = {"day": (0, 1), "week": (0, 7), "month": (1, 0), "year": (12, 0)}
_DURATION_RE = re.compile(r"(\d+)(\.\d+)?\s+([a-z]+?)s?\Z")


def _unescape(tok: Token) -> str:
    body = tok.value[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1]
            if nxt not in _ESCAPES:
                pos = tok.start_pos + 1 + i
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


def _op(cls: type, op: str):  # a transformer method building cls(op, left, right)
    def method(self, meta, ch):
        return cls(**_span(meta), op=op, left=ch[0], right=ch[1])

    return method


@v_args(meta=True)
class _ToAst(Transformer):
    def number(self, meta, ch):
        return Literal(**_span(meta), value=Decimal(ch[0].value), type=NUMBER)

    def string(self, meta, ch):
        return Literal(**_span(meta), value=_unescape(ch[0]), type=STRING)

    def true(self, meta, ch):
        return Literal(**_span(meta), value=True, type=BOOL)

    def false(self, meta, ch):
        return Literal(**_span(meta), value=False, type=BOOL)

    def date(self, meta, ch):
        text = ch[0].value
        try:
            value = _dt.date.fromisoformat(text)
        except ValueError:
            raise ExprError(
                f"{text} is not a real date",
                meta.start_pos,
                meta.end_pos,
                hint="dates are written YYYY-MM-DD with a real month and day",
            ) from None
        return Literal(**_span(meta), value=value, type=DATE)

    def datetime(self, meta, ch):
        text = ch[0].value
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
        return Literal(**_span(meta), value=value, type=DATETIME)

    def duration(self, meta, ch):
        m = _DURATION_RE.match(ch[0].value)
        assert m is not None
        if m.group(2):
            raise ExprError(
                "a duration needs a whole number of units",
                meta.start_pos,
                meta.end_pos,
                hint="use a smaller unit: '1 year + 6 months' rather than '1.5 years'",
            )
        months, days = _UNITS[m.group(3)]
        n = int(m.group(1))
        return Literal(**_span(meta), value=Duration(months * n, days * n), type=DURATION)

    def name(self, meta, ch):
        return Name(**_span(meta), name=ch[0].value)

    def field(self, meta, ch):
        return Field(**_span(meta), obj=ch[0], name=ch[1].value, name_start=ch[1].start_pos)

    def list(self, meta, ch):
        return ListExpr(**_span(meta), items=tuple(c for c in ch if c is not None))

    def call(self, meta, ch):
        return Call(
            **_span(meta),
            name=ch[0].value,
            args=tuple(c for c in ch[1:] if c is not None),
            name_end=ch[0].end_pos,
        )

    def neg(self, meta, ch):
        return Unary(**_span(meta), op="-", operand=ch[0])

    def not_op(self, meta, ch):
        return Unary(**_span(meta), op="not", operand=ch[0])

    add, sub, mul, div, mod = (_op(Binary, o) for o in "+-*/%")
    in_op, not_in_op = _op(Compare, "in"), _op(Compare, "not in")
    and_op, or_op = _op(BoolOp, "and"), _op(BoolOp, "or")

    def compare(self, meta, ch):
        return Compare(**_span(meta), op=ch[1].value, left=ch[0], right=ch[2])

    def if_expr(self, meta, ch):
        return If(**_span(meta), cond=ch[0], then=ch[2], else_=ch[3], then_start=ch[1].start_pos)

    def quant_kw(self, meta, ch):
        return ch[0].value

    agg_kw = quant_kw

    def quantifier(self, meta, ch):
        kind, var, source, cond = ch
        return Quantifier(
            **_span(meta),
            kind=kind,
            var=var.value,
            var_start=var.start_pos,
            source=source,
            cond=cond,
        )

    def count(self, meta, ch):
        var, source, cond = ch
        return Quantifier(
            **_span(meta),
            kind="count",
            var=var.value,
            var_start=var.start_pos,
            source=source,
            cond=cond,
        )

    def aggregate(self, meta, ch):
        return Aggregate(**_span(meta), kind=ch[0], args=tuple(ch[1:]))

    def aggregate_comp(self, meta, ch):
        kind, body, var, source, cond = ch
        return Comprehension(
            **_span(meta),
            kind=kind,
            body=body,
            var=var.value,
            var_start=var.start_pos,
            source=source,
            cond=cond,
        )

    def list_comp(self, meta, ch):
        body, var, source, cond = ch
        return Comprehension(
            **_span(meta),
            kind="list",
            body=body,
            var=var.value,
            var_start=var.start_pos,
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


def _check_depth(tree: Tree) -> None:
    stack: list[tuple[Tree, int]] = [(tree, 1)]
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
        pos = exc.pos_in_stream
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
    tok = exc.token
    expected = set(exc.expected)
    pos, end = tok.start_pos, tok.end_pos
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
