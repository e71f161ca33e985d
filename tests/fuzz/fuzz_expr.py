"""Expression fuzzer: text derived from ``grammar/expr.lark``, and three oracles.

Generated (hypothesis strategies, seeded by the runner):

- *grammar*: a random derivation of the grammar's own rules (read with lark, so a new
  rule is fuzzed the day it is written), terminals drawn from their regular
  expressions or from pools of names the scope knows, extreme numbers, dates and
  strings; sometimes a character deleted or inserted. The expression is compiled in a
  scope of every type and run on drawn values. Contract: only ``ExprError`` (compile)
  and ``ExprRuntimeError`` (run) come out, the error converts to a diagnostic inside
  the text, and a result has the type the checker gave it.
- *decimal*: a tree of ``+ - * / %`` and unary ``-`` on decimal literals, against
  Python's ``decimal`` with the documented contexts (docs/design.md, expr/values.py)
  and the numeric range (literals of 12 digits before the point and 6 after, results
  of ``+ - * /`` below 10^12): the same value, or an error on both sides.
- *calendar*: a date or datetime plus and minus ``N days|weeks|months|years``, against
  ``dateutil.relativedelta`` (months and years clamp the day to the month's end, the
  rule docs/design.md states) and ``timedelta``; ``date - date`` against
  ``datetime``'s day count; instants stay from 0001-01-02 to 9999-12-30 UTC.
"""

from __future__ import annotations

import datetime as dt
import decimal
import random
import string
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hseed
from hypothesis import strategies as st

from tests.fuzz.contract import ROOT, Mismatch

NAME = "expr"
INPUT_TIMEOUT = 10.0
BATCH = 40  # examples per hypothesis run; the budget is checked between runs

# the documented contexts: + - * and unary - under decimal's default, / and % under
# expr.values.DIVISION_CONTEXT (the same settings)
CONTEXT = decimal.Context(
    prec=28,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
UNITS = ("day", "days", "week", "weeks", "month", "months", "year", "years")
ZONES = [dt.timezone.utc, dt.timezone(dt.timedelta(hours=14)), dt.timezone(dt.timedelta(hours=-12))]
ZONES.append(ZoneInfo("America/St_Johns"))


# ----------------------------------------------------------------------------- grammar


@dataclass
class Grammar:
    """The rules of grammar/expr.lark: nonterminal -> expansions, terminal -> pattern."""

    rules: dict[str, list[list[str]]]
    terminals: dict[str, tuple[str, str]]  # name -> (pattern type "str"/"re", value)
    depth: dict[str, int]  # the least derivation depth of each nonterminal

    @classmethod
    def load(cls, path: Path = ROOT / "grammar" / "expr.lark") -> Grammar:
        from lark import Lark

        parser = Lark(path.read_text(encoding="utf-8"), parser="lalr")
        rules: dict[str, list[list[str]]] = {}
        for rule in parser.rules:
            rules.setdefault(rule.origin.name, []).append([s.name for s in rule.expansion])
        terminals = {t.name: (t.pattern.type, t.pattern.value) for t in parser.terminals}
        depth: dict[str, int] = {}
        changed = True
        while changed:  # least fixed point: a rule's depth is 1 + its deepest symbol
            changed = False
            for name, expansions in rules.items():
                for exp in expansions:
                    if all(s in terminals or s in depth for s in exp):
                        d = 1 + max((depth.get(s, 0) for s in exp), default=0)
                        if d < depth.get(name, 10**9):
                            depth[name], changed = d, True
        return cls(rules, terminals, depth)


TYPES_OF_NAMES = {
    "n": "number", "m": "number", "d": "date", "e": "date", "t": "datetime", "s": "string",
    "b": "bool", "dur": "duration", "xs": "list<number>", "ds": "list<date>",
    "ss": "list<string>", "r": "record", "rs": "list<record>",
}  # fmt: skip
FIELDS = ("credits", "earned_on", "title", "tags")
FUNCTIONS = (
    "date", "year", "month", "day", "end_of_month", "start_of_month", "next_anniversary",
    "previous_anniversary", "add_months", "days_between", "months_spanned", "date_of", "abs",
    "floor", "ceil", "round_down", "round_up", "round_half_up", "len", "lower", "upper",
    "starts_with", "ends_with", "contains", "matches",
)  # fmt: skip
NUMBERS = ["0", "1", "2.5", "0.1", "9" * 40, "1" + "0" * 28, "0." + "0" * 40 + "1", "999999999"]
DATES = ["2024-02-29", "2023-02-29", "0001-01-01", "9999-12-31", "2024-13-45", "0000-00-00"]
STRINGS = ['""', '"a"', "'x'", '"\\n"', '"\\ud800"', '"(a+)+$"', '"' + "a" * 50 + '!"', '"\\"']
NAMES = [*TYPES_OF_NAMES, *FIELDS, *FUNCTIONS, "x", "record", "period", "today"]


def _random_terminal(rnd: random.Random, name: str) -> str | None:
    """A value of one of the grammar's regex terminals, biased to what matters."""
    if name == "NAME":
        if rnd.random() < 0.8:
            return rnd.choice(NAMES)
        return rnd.choice(string.ascii_letters) + "".join(
            rnd.choice(string.ascii_letters + string.digits + "_") for _ in range(rnd.randrange(8))
        )
    if name == "NUMBER":
        if rnd.random() < 0.5:
            return rnd.choice(NUMBERS)
        whole = str(rnd.randrange(10 ** rnd.choice((1, 2, 5, 30))))
        return whole + (f".{rnd.randrange(10**4)}" if rnd.random() < 0.3 else "")
    if name in ("DATE", "DATETIME"):
        if rnd.random() < 0.3:
            day = rnd.choice(DATES)
        else:
            day = (dt.date(1, 1, 1) + dt.timedelta(days=rnd.randrange(3652059))).isoformat()
        if name == "DATE":
            return day
        offset = rnd.choice(["Z", "+00:00", "+14:00", "-12:00", "+05:30", "-03:30"])
        return (
            f"{day}T{rnd.randrange(24):02d}:{rnd.randrange(60):02d}:{rnd.randrange(60):02d}{offset}"
        )
    if name == "DURATION":
        n = rnd.choice(
            ["0", "1", "2", "12", "31", "1.5", str(rnd.randrange(10 ** rnd.randrange(1, 14)))]
        )
        return f"{n} {rnd.choice(UNITS)}"
    if name == "STRING":
        if rnd.random() < 0.5:
            return rnd.choice(STRINGS)
        body = "".join(rnd.choice("ab \\n\"'.*+?()[]{}|^$é\t") for _ in range(rnd.randrange(12)))
        body = body.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{body}"'
    if name == "COMP_OP":
        return rnd.choice(["==", "!=", "<=", ">=", "<", ">"])
    return None


def derive(
    draw: Any, rnd: random.Random, grammar: Grammar, symbol: str, size: list[int]
) -> list[str]:
    """Tokens of a random derivation of ``symbol``. ``size`` counts down the rule
    expansions left; once spent, each rule takes its shortest expansion."""
    if symbol in grammar.terminals:
        kind, value = grammar.terminals[symbol]
        if kind == "str":
            return [value]
        text = _random_terminal(rnd, symbol)  # a terminal not known here: its own regex
        return [text if text is not None else draw(st.from_regex(value, fullmatch=True))]
    expansions = grammar.rules[symbol]
    size[0] -= 1

    def cost(exp: list[str]) -> int:
        return max((grammar.depth.get(s, 0) for s in exp), default=0)

    if size[0] <= 0:
        least = min(cost(exp) for exp in expansions)
        expansions = [exp for exp in expansions if cost(exp) == least]
    else:  # down the precedence levels more often than around them
        through = [exp for exp in expansions if len(exp) == 1 and exp[0] in grammar.rules]
        if through and rnd.random() < 0.6:
            expansions = through
    exp = rnd.choice(expansions)
    return [token for s in exp for token in derive(draw, rnd, grammar, s, size)]


def grammar_text(draw: Any, rnd: random.Random, grammar: Grammar) -> str:
    tokens = derive(draw, rnd, grammar, "start", [rnd.choice((5, 10, 20, 40))])
    text = " ".join(tokens)
    if text and rnd.randrange(10) == 0:  # a typo: the parser's errors and offsets
        at = rnd.randrange(len(text))
        text = text[:at] + rnd.choice(["", "(", ")", '"', "-", ".", "\n", "é"]) + text[at + 1 :]
    return text


# ----------------------------------------------------------------------------- values

EXTREME = ["0", "-0", "1", "-1", "0.5", "1E-30", "9" * 40, "1E+999990", "-1E+999990", "1E-999990"]


def number(rnd: random.Random) -> Decimal:
    if rnd.random() < 0.3:
        return Decimal(rnd.choice(EXTREME))
    return Decimal(rnd.randrange(-(10**8), 10**8)).scaleb(-rnd.randrange(0, 6))


def day(rnd: random.Random) -> dt.date:
    if rnd.random() < 0.2:
        return rnd.choice([dt.date.min, dt.date.max, dt.date(2024, 2, 29), dt.date(2024, 12, 31)])
    return dt.date.min + dt.timedelta(days=rnd.randrange(3652059))


def instant(rnd: random.Random) -> dt.datetime:
    when = dt.datetime.combine(day(rnd), dt.time(rnd.randrange(24), rnd.randrange(60)))
    return when.replace(tzinfo=rnd.choice(ZONES))


def text(rnd: random.Random, size: int = 12) -> str:
    return "".join(rnd.choice("ab Z.*()\\é\n\ud800\x00") for _ in range(rnd.randrange(size)))


def record(rnd: random.Random) -> dict[str, Any]:
    tags = tuple(text(rnd, 4) for _ in range(rnd.randrange(3)))
    return {"credits": number(rnd), "earned_on": day(rnd), "title": text(rnd), "tags": tags}


def scope_values(rnd: random.Random) -> dict[str, Any]:
    from policyengine.expr.values import Duration

    def some(make: Any) -> tuple[Any, ...]:
        return tuple(make(rnd) for _ in range(rnd.randrange(4)))

    return {
        "n": number(rnd), "m": number(rnd), "d": day(rnd), "e": day(rnd), "t": instant(rnd),
        "s": text(rnd), "b": rnd.random() < 0.5,
        "dur": Duration(rnd.randrange(-1000, 1000), rnd.randrange(-(10**6), 10**6)),
        "xs": some(number), "ds": some(day), "ss": some(text), "r": record(rnd),
        "rs": some(record),
    }  # fmt: skip


def scope() -> Any:
    from policyengine.expr import Scope
    from policyengine.expr import types as T

    rec = T.ObjectType(
        "record",
        {"credits": T.NUMBER, "earned_on": T.DATE, "title": T.STRING, "tags": T.ListType(T.STRING)},
    )
    simple = {"number": T.NUMBER, "date": T.DATE, "datetime": T.DATETIME, "string": T.STRING}
    simple.update({"bool": T.BOOL, "duration": T.DURATION, "record": rec})
    types = {
        k: simple[v] if v in simple else T.ListType(simple[v[5:-1]])
        for k, v in TYPES_OF_NAMES.items()
    }
    return Scope(types)


def check_type(value: Any, type_: Any) -> bool:
    from policyengine.expr import types as T
    from policyengine.expr.values import Duration

    expected = {
        T.NUMBER: Decimal, T.STRING: str, T.BOOL: bool, T.DURATION: Duration,
        T.DATETIME: dt.datetime,
    }  # fmt: skip
    if type_ == T.DATE:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    if type_ in expected:
        return isinstance(value, expected[type_])
    if isinstance(type_, T.ListType):
        return isinstance(value, tuple) and all(check_type(v, type_.elem) for v in value)
    return True


def run_grammar(state: Any, text: str, values: dict[str, Any]) -> str:
    from policyengine.cli.output import render
    from policyengine.expr import ExprError, ExprRuntimeError, compile_expression

    try:
        compiled = compile_expression(text, state.scope)
    except ExprError as err:
        render(err.to_diagnostic(text))
        if not 0 <= err.offset <= len(text):
            raise Mismatch("error offset", f"offset {err.offset} outside {text!r}") from None
        return "compile error"
    try:
        value = compiled(values)
    except ExprRuntimeError as err:
        render(err.to_diagnostic(text))
        return "runtime error"
    if not check_type(value, compiled.type):
        raise Mismatch("result type", f"{text!r} is {compiled.type} but gave {value!r}")
    return "value"


# ----------------------------------------------------------------------------- oracles


def decimal_tree(rnd: random.Random, depth: int = 3) -> tuple[str, Any]:
    """(text, oracle thunk) of an arithmetic expression on decimal literals."""
    if depth == 0 or rnd.randrange(4) == 0:
        whole = rnd.randrange(10 ** rnd.choice((1, 3, 12, 40)))
        frac = "".join(rnd.choice(string.digits) for _ in range(rnd.choice((0, 0, 2, 30))))
        literal = f"{whole}.{frac}" if frac else str(whole)
        return literal, lambda: read_literal(literal)
    op = rnd.choice(["+", "-", "*", "/", "%", "neg"])
    a_text, a = decimal_tree(rnd, depth - 1)
    if op == "neg":
        return f"-({a_text})", lambda: -a()
    b_text, b = decimal_tree(rnd, depth - 1)
    ops = {
        "+": lambda: bounded(a() + b()), "-": lambda: bounded(a() - b()),
        "*": lambda: bounded(a() * b()), "/": lambda: bounded(CONTEXT.divide(a(), b())),
        "%": lambda: CONTEXT.remainder(a(), b()),
    }  # fmt: skip
    return f"({a_text} {op} {b_text})", ops[op]


# The numeric range (docs/design.md): a number written has at most 12 digits before the
# point and 6 after it; a result of + - * / stays below 10^12 in magnitude.
LIMIT = Decimal(10) ** 12
STEP = Decimal("0.000001")


class OutOfRange(ArithmeticError):
    """What the engine must refuse: a literal or a result outside the numeric range."""


def read_literal(text: str) -> Decimal:
    value = Decimal(text)
    if abs(value) >= LIMIT or value != value.quantize(STEP):
        raise OutOfRange(text)
    return value


def bounded(value: Decimal) -> Decimal:
    if abs(value) >= LIMIT:
        raise OutOfRange(str(value))
    return value


def _engine(text: str) -> Any:
    """The engine's value of ``text``, or the error it gave (a literal out of range is
    refused at compile time, a division by zero at run time)."""
    from policyengine.expr import ExprError, ExprRuntimeError, compile_expression

    try:
        return compile_expression(text)({})
    except (ExprError, ExprRuntimeError) as err:
        return err


def _compare(what: str, label: str, text: str, got: Any, expected: Any, same: bool) -> str:
    """ "both error", "agree", or a Mismatch: an error on one side only, or values that
    are not ``same``."""
    if isinstance(expected, Exception) or isinstance(got, Exception):
        if isinstance(expected, Exception) != isinstance(got, Exception):
            raise Mismatch(what, f"{text}: engine {got!r}, {label} {expected!r}")
        return "both error"
    if not same:
        raise Mismatch(what, f"{text}: engine {got!r}, {label} {expected!r}")
    return "agree"


def run_decimal(text: str, oracle: Any) -> str:
    with decimal.localcontext(CONTEXT):
        try:
            expected: Any = oracle()
        except ArithmeticError as err:
            expected = err
    got = _engine(text)
    same = not isinstance(got, Exception) and got == expected and str(got) == str(expected)
    return _compare("decimal arithmetic", "decimal", text, got, expected, same)


def shift(value: Any, sign: int, n: int, unit: str) -> Any:
    unit = unit.rstrip("s")
    if unit in ("month", "year"):
        return value + relativedelta(**{f"{unit}s": sign * n})
    return value + sign * dt.timedelta(**{f"{unit}s": n})


def calendar_case(rnd: random.Random) -> tuple[str, Any]:
    """(text, oracle thunk): a date or datetime moved by durations, or date - date."""
    start: Any
    if rnd.random() < 0.6:
        start = day(rnd)
        shown = start.isoformat()
        if rnd.randrange(5) == 0:
            other = day(rnd)
            return f"{shown} - {other.isoformat()}", lambda: Decimal((start - other).days)
    else:
        start = instant(rnd).replace(tzinfo=rnd.choice(ZONES[:3]))
        shown = start.isoformat().replace("+00:00", "Z")
    steps = []
    for _ in range(rnd.randrange(1, 4)):
        sign = rnd.choice([1, -1])
        n = rnd.randrange(10 ** rnd.choice((1, 2, 3, 6, 13)))
        steps.append((sign, n, rnd.choice(UNITS)))
        shown += f" {'+' if sign > 0 else '-'} {n} {steps[-1][2]}"

    def oracle() -> Any:
        value = start
        in_calendar(value)
        for _sign, n, _unit in steps:
            if len(str(n)) > 12:  # a count of units is a number: 12 digits at most
                raise OverflowError(f"{n} units")
        for sign, n, unit in steps:
            value = in_calendar(shift(value, sign, n, unit))
        return value

    return shown, oracle


FIRST = dt.datetime(1, 1, 2, tzinfo=dt.timezone.utc)
LAST = dt.datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=dt.timezone.utc)


def in_calendar(value: Any) -> Any:
    """An instant (a datetime with a zone) is read and computed from 0001-01-02 to
    9999-12-30 UTC, so that every zone has a date for it (docs/design.md)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        try:
            inside = FIRST <= value <= LAST
        except OverflowError:
            inside = False
        if not inside:
            raise OverflowError(f"instant {value} out of range")
    return value


def run_calendar(text: str, oracle: Any) -> str:
    try:
        expected: Any = oracle()
    except (ValueError, OverflowError) as err:
        expected = err
    got = _engine(text)
    same = got == expected and type(got) is type(expected) and str(got) == str(expected)
    return _compare("calendar arithmetic", "oracle", text, got, expected, same)


# ----------------------------------------------------------------------------- the loop


@dataclass
class State:
    grammar: Grammar
    scope: Any


def setup(workdir: Path) -> State:
    return State(Grammar.load(), scope())


@st.composite
def cases(draw: Any, state: State) -> tuple[str, str, Any]:
    """One case: hypothesis picks the mode and the seed of the generator."""
    mode = draw(st.sampled_from(["grammar", "grammar", "decimal", "calendar"]))
    rnd = random.Random(draw(st.integers(0, 2**64)))  # a generator per case, seeded by hypothesis
    if mode == "grammar":
        return mode, grammar_text(draw, rnd, state.grammar), scope_values(rnd)
    text, oracle = decimal_tree(rnd) if mode == "decimal" else calendar_case(rnd)
    return mode, text, oracle


def loop(state: State, rng: Any, execute: Any, budget: Any) -> None:
    from policyengine.expr import ExprProblem

    def one(case: tuple[str, str, Any]) -> None:
        if budget.spent:
            return
        mode, text, extra = case
        if mode == "grammar":
            shown = f"{text}\nvalues: {extra!r}"
            execute("grammar", shown, lambda: run_grammar(state, text, extra), (ExprProblem,))
        elif mode == "decimal":
            execute("decimal oracle", text, lambda: run_decimal(text, extra))
        else:
            execute("calendar oracle", text, lambda: run_calendar(text, extra))

    test = settings(
        max_examples=BATCH,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )(given(cases(state))(one))
    while not budget.spent:
        hseed(rng.randrange(2**32))(test)()
