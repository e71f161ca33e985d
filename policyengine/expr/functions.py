"""Functions callable from expressions: typed signatures and a registry.

A :class:`Function` has a name, parameter types, a return type and a Python
implementation working on run-time values (see values.py).  Implementations report
bad input by raising :class:`~policyengine.expr.values.FunctionError` (or
``ValueError``/``ArithmeticError``); the compiled expression turns that into an
``ExprRuntimeError`` pointing at the call.  ``specialize`` lets a function look at
its literal arguments at compile time (``matches`` compiles its regex once) and
reject bad ones early by raising ``FunctionError``.

``matches`` runs on RE2 (google-re2), not Python's ``re``: policies and the data they
match are untrusted input, and ``re`` backtracks (``(a+)+$`` on 31 characters runs for
minutes). RE2 matches in time linear in the string; the patterns that need
backtracking (backreferences, lookaround) do not compile, and neither does a pattern
whose program exceeds MAX_REGEX_PROGRAM instructions, which bounds the cost per
character. Both are refused at the pattern when it is a literal (``validate``).

:class:`FunctionRegistry` maps names to functions; third parties add theirs with
``register(fn, owner="plugin name")`` and a duplicate name is refused with an error
naming both owners.  :func:`builtin_functions` returns a fresh registry holding the
built-ins (so registering into it never changes anyone else's registry).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

import re2

from .types import ANY_LIST, BOOL, DATE, DATETIME, NUMBER, STRING, Type
from .values import (
    FIRST_DATE_TEXT,
    LAST_DATE_TEXT,
    DateOutOfRange,
    FunctionError,
    add_months,
    last_day,
    round_to_step,
    to_int,
)

# Not a literal value: what ``specialize`` receives for an argument known only at run time.
UNKNOWN = object()

# A function's implementation: called with run-time values (see values.py).
Impl = Callable[..., object]
# specialize(literal_args) -> a replacement implementation, or None to keep ``impl``.
Specializer = Callable[[tuple[object, ...]], Impl | None]

MAX_REGEX_LENGTH = 200
# RE2 instructions of a compiled pattern: a pattern near the limit costs a few
# microseconds per character of the string at worst ("WC-[0-9]+" has 9).
MAX_REGEX_PROGRAM = 1000
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
RESERVED = frozenset(
    [
        "and",
        "or",
        "not",
        "in",
        "if",
        "then",
        "else",
        "true",
        "false",
        "for",
        "where",
        "any",
        "all",
        "count",
        "sum",
        "min",
        "max",
    ]
)


@dataclass(frozen=True)
class Function:
    """One callable: ``impl(*args)`` receives values matching ``params``."""

    name: str
    params: tuple[Type, ...]
    returns: Type
    impl: Impl
    doc: str = ""
    # specialize(literal_args) -> replacement impl or None; literal_args holds each
    # argument's value when it is a literal, else UNKNOWN.  May raise FunctionError.
    specialize: Specializer | None = None

    def signature(self) -> str:
        return f"{self.name}({', '.join(str(p) for p in self.params)}) -> {self.returns}"


class DuplicateFunctionError(ValueError):
    """A second function was registered under a name already taken."""


class FunctionRegistry:
    """Functions by name, remembering who registered each one."""

    def __init__(self) -> None:
        self._functions: dict[str, Function] = {}
        self._owners: dict[str, str] = {}

    def register(self, fn: Function, owner: str = "builtin") -> Function:
        if not _NAME_RE.match(fn.name) or fn.name in RESERVED:
            raise ValueError(f"{owner}: {fn.name!r} cannot be a function name")
        if fn.name in self._functions:
            raise DuplicateFunctionError(
                f"function '{fn.name}' from {owner!r} is already registered by "
                f"{self._owners[fn.name]!r}"
            )
        self._functions[fn.name] = fn
        self._owners[fn.name] = owner
        return fn

    def get(self, name: str) -> Function | None:
        return self._functions.get(name)

    def owner(self, name: str) -> str | None:
        return self._owners.get(name)

    def names(self) -> list[str]:
        return sorted(self._functions)

    def copy(self) -> FunctionRegistry:
        new = FunctionRegistry()
        new._functions = dict(self._functions)
        new._owners = dict(self._owners)
        return new

    def __contains__(self, name: object) -> bool:
        return name in self._functions

    def __iter__(self) -> Iterator[Function]:
        return iter(self._functions[n] for n in self.names())

    def __len__(self) -> int:
        return len(self._functions)


# ----------------------------------------------------------------------------- dates


def _date(y: Decimal, m: Decimal, d: Decimal) -> _dt.date:
    try:
        return _dt.date(to_int(y, "year"), to_int(m, "month"), to_int(d, "day"))
    except ValueError as exc:
        raise FunctionError(f"not a real date: {exc}") from None


def _anniversary_in(year: int, month: int, day: int) -> _dt.date:
    if not 1 <= year <= 9999:
        edge = LAST_DATE_TEXT if year > 9999 else FIRST_DATE_TEXT
        raise DateOutOfRange(
            f"date out of range: the anniversary in year {year} is "
            f"{'after' if year > 9999 else 'before'} {edge}"
        )
    return _dt.date(year, month, min(day, last_day(year, month)))


def _month_day(m: Decimal, d: Decimal) -> tuple[int, int]:
    month, day = to_int(m, "month"), to_int(d, "day")
    if not 1 <= month <= 12 or not 1 <= day <= last_day(2000, month):
        raise FunctionError(f"no such day of the year: month {month}, day {day}")
    return month, day


def _next_anniversary(d: _dt.date, m: Decimal, dd: Decimal) -> _dt.date:
    month, day = _month_day(m, dd)
    candidate = _anniversary_in(d.year, month, day)
    return candidate if candidate >= d else _anniversary_in(d.year + 1, month, day)


def _previous_anniversary(d: _dt.date, m: Decimal, dd: Decimal) -> _dt.date:
    month, day = _month_day(m, dd)
    candidate = _anniversary_in(d.year, month, day)
    return candidate if candidate <= d else _anniversary_in(d.year - 1, month, day)


def _add_months(d: _dt.date, n: Decimal) -> _dt.date:
    return add_months(d, to_int(n, "number of months"))


# ----------------------------------------------------------------------------- numbers


def _months_spanned(a: _dt.date, b: _dt.date) -> Decimal:
    if b < a:
        return Decimal(0)
    return Decimal((b.year - a.year) * 12 + b.month - a.month + 1)


def _months_between(a: _dt.date, b: _dt.date) -> Decimal:
    """Whole months from ``a`` to ``b``: the largest n with add_months(a, n) <= b (the
    month-end rule: 2024-01-31 + 1 month is 2024-02-29); negative when b is earlier."""
    if b < a:
        return -_months_between(b, a)
    n = (b.year - a.year) * 12 + b.month - a.month
    if add_months(a, n) > b:
        n -= 1
    return Decimal(n)


def _round_to(rounding: str) -> Callable[[Decimal, Decimal], Decimal]:
    def impl(n: Decimal, step: Decimal) -> Decimal:
        if step <= 0:
            raise FunctionError(f"step must be greater than 0, not {step}")
        return round_to_step(n, step, rounding)  # exactly, whatever the digits

    return impl


# ----------------------------------------------------------------------------- strings


class RegexError(FunctionError):
    """A pattern ``matches`` cannot use; ``hint`` says what to write instead."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


_RE2_HINT = (
    "matches() uses RE2 syntax, which always runs in linear time: backreferences (\\1) "
    "and lookaround ((?=...), (?!...), (?<=...), (?<!...)) are not supported, "
    "and \\Z is written \\z"
)


def _re2_options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # RE2 would print each bad pattern on stderr
    return options


_OPTIONS = _re2_options()


def _compile_regex(pattern: str) -> re2._Regexp:
    if len(pattern) > MAX_REGEX_LENGTH:
        raise RegexError(f"regular expression longer than {MAX_REGEX_LENGTH} characters")
    try:
        rx = re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        why = exc.args[0] if exc.args else "cannot compile"
        text = why.decode("utf-8", "replace") if isinstance(why, bytes) else str(why)
        raise RegexError(f"invalid regular expression: {text}", _RE2_HINT) from None
    if rx.programsize > MAX_REGEX_PROGRAM:
        raise RegexError(
            f"regular expression is too complex ({rx.programsize} RE2 instructions; "
            f"the limit is {MAX_REGEX_PROGRAM})",
            "use smaller repetition counts ({n}) and fewer repeated groups",
        )
    return rx


_regex_cache: dict[str, re2._Regexp] = {}


def _matches(s: str, pattern: str) -> bool:
    rx = _regex_cache.get(pattern)
    if rx is None:
        rx = _compile_regex(pattern)
        if len(_regex_cache) < 256:
            _regex_cache[pattern] = rx
    return rx.fullmatch(s) is not None


def _specialize_matches(args: tuple[object, ...]) -> Impl | None:
    pattern = args[1]
    if not isinstance(pattern, str):
        return None
    try:
        rx = _compile_regex(pattern)
    except RegexError as exc:
        exc.arg = 1  # point the error at the pattern
        raise
    return lambda s, _p: rx.fullmatch(s) is not None


def builtin_functions() -> FunctionRegistry:
    """A new registry holding every built-in function."""
    reg = FunctionRegistry()
    n, s, d, b = NUMBER, STRING, DATE, BOOL

    def add(
        name: str,
        params: tuple[Type, ...],
        returns: Type,
        impl: Impl,
        doc: str,
        specialize: Specializer | None = None,
    ) -> None:
        reg.register(Function(name, params, returns, impl, doc, specialize), owner="builtin")

    add("date", (n, n, n), d, _date, "date(year, month, day): the calendar day")
    add("year", (d,), n, lambda x: Decimal(x.year), "the year of a date")
    add("month", (d,), n, lambda x: Decimal(x.month), "the month (1-12) of a date")
    add("day", (d,), n, lambda x: Decimal(x.day), "the day of the month of a date")
    add(
        "end_of_month",
        (d,),
        d,
        lambda x: x.replace(day=last_day(x.year, x.month)),
        "the last day of the date's month",
    )
    add("start_of_month", (d,), d, lambda x: x.replace(day=1), "the first day of the date's month")
    add(
        "next_anniversary",
        (d, n, n),
        d,
        _next_anniversary,
        "the first date on or after d falling on month/day (29 Feb is 28 Feb in other years)",
    )
    add(
        "previous_anniversary",
        (d, n, n),
        d,
        _previous_anniversary,
        "the last date on or before d falling on month/day (29 Feb is 28 Feb in other years)",
    )
    add("add_months", (d, n), d, _add_months, "d moved by n months, clamped to the month's end")
    add(
        "days_between",
        (d, d),
        n,
        lambda a, c: Decimal((c - a).days),
        "days from the first date to the second (negative when the second is earlier)",
    )
    add(
        "months_spanned",
        (d, d),
        n,
        _months_spanned,
        "calendar months from the first date's month to the second's, both counted: "
        "one per month or part-month (0 when the second is earlier)",
    )
    add(
        "months_between",
        (d, d),
        n,
        _months_between,
        "whole months from the first date to the second: the most months that can be added "
        "to the first without passing the second (negative when the second is earlier)",
    )
    add(
        "date_of",
        (DATETIME,),
        d,
        lambda x: x.date(),
        "the calendar day of a datetime (already in the policy's time zone)",
    )
    add("abs", (n,), n, abs, "the absolute value")
    add(
        "floor",
        (n,),
        n,
        lambda x: x.to_integral_value(rounding=ROUND_FLOOR),
        "round toward -infinity",
    )
    add(
        "ceil",
        (n,),
        n,
        lambda x: x.to_integral_value(rounding=ROUND_CEILING),
        "round toward +infinity",
    )
    add(
        "round_down",
        (n, n),
        n,
        _round_to(ROUND_FLOOR),
        "the largest multiple of step that is <= n: round_down(1.37, 0.2) = 1.2",
    )
    add(
        "round_up",
        (n, n),
        n,
        _round_to(ROUND_CEILING),
        "the smallest multiple of step that is >= n: round_up(1.37, 0.2) = 1.4",
    )
    add(
        "round_half_up",
        (n, n),
        n,
        _round_to(ROUND_HALF_UP),
        "the nearest multiple of step, halves away from zero: round_half_up(2.5, 1) = 3",
    )
    add("len", (ANY_LIST,), n, lambda xs: Decimal(len(xs)), "the number of items in a list")
    add("lower", (s,), s, str.lower, "the string in lower case")
    add("upper", (s,), s, str.upper, "the string in upper case")
    add("starts_with", (s, s), b, str.startswith, "whether s starts with the prefix")
    add("ends_with", (s, s), b, str.endswith, "whether s ends with the suffix")
    add("contains", (s, s), b, lambda x, p: p in x, "whether s contains the text")
    add(
        "matches",
        (s, s),
        b,
        _matches,
        f"whether the whole of s matches the regular expression (RE2 syntax: linear time, "
        f"no backreferences or lookaround; at most {MAX_REGEX_LENGTH} chars)",
        _specialize_matches,
    )
    return reg
