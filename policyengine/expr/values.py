"""Run-time values of the expression language and the errors it reports.

Values are plain Python objects (see docs/design.md): ``Decimal`` numbers, ``str``,
``bool``, ``datetime.date``, tz-aware ``datetime.datetime``, :class:`Duration`,
tuples for lists and mappings for objects.  This module holds the calendar
arithmetic (months clamp to the last day of the target month), exact decimal
helpers, the canonical text form (:func:`format_value`) and the JSON form
(:func:`to_json`), plus :class:`ExprError` / :class:`ExprRuntimeError` (both an
:class:`ExprProblem`).

Arithmetic: ``+ - *`` use Python's ``Decimal`` operators (28 significant digits,
the decimal default); division uses :data:`DIVISION_CONTEXT` (28 significant
digits, round-half-even), so ``1 / 3`` is ``0.3333333333333333333333333333`` and
exact quotients stay exact (``10 / 4`` is ``2.5``); ``round_down``/``round_up``/
``round_half_up`` are exact whatever the digits (:func:`round_to_step`).  ``a % b`` is
the remainder of truncated division (its sign follows ``a``: ``-7 % 3`` is ``-1``).
Dividing by zero is an :class:`ExprRuntimeError`.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)
from typing import TypeVar

from policyengine.errors import Diagnostic, Location, PolicyError

DIVISION_CONTEXT = Context(
    prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)


class ExprProblem(Exception):
    """A message about characters ``offset``..``end`` of an expression's text.

    The shared shape of :class:`ExprError` (compiling) and :class:`ExprRuntimeError`
    (evaluating): code that only reports a problem, such as turning it into a
    :class:`Diagnostic`, takes an ``ExprProblem``.
    """

    def __init__(
        self, message: str, offset: int = 0, end: int | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.end = max(end if end is not None else offset + 1, offset + 1)
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} (at offset {self.offset})"

    def to_diagnostic(
        self, text: str, file: str = "<expr>", code: str = "expression"
    ) -> Diagnostic:
        """A :class:`Diagnostic` for this problem inside ``text`` (line/col computed)."""
        offset = min(self.offset, len(text))
        line_start = text.rfind("\n", 0, offset) + 1
        line_end = text.find("\n", offset)
        line_end = len(text) if line_end < 0 else line_end
        line = text.count("\n", 0, offset) + 1
        width = max(1, min(self.end, line_end) - offset)
        return Diagnostic(
            message=self.message,
            location=Location(file, line, offset - line_start + 1),
            hint=self.hint,
            code=code,
            source_line=text[line_start:line_end],
            width=width,
        )


class ExprError(ExprProblem):
    """A syntax or type error found while compiling an expression."""


class ExprRuntimeError(ExprProblem):
    """An error while evaluating a compiled expression (division by zero, ...)."""


# The instants policyengine reads (dates.parse_datetime, datetime literals): a day inside
# the ends of Python's calendar. No UTC offset reaches a day, so every instant in the range
# has a date in every time zone, and converting it anywhere cannot overflow.
FIRST_INSTANT = _dt.datetime(1, 1, 2)
LAST_INSTANT = _dt.datetime(9999, 12, 30, 23, 59, 59, 999999)
INSTANT_RANGE = (
    "instants are read from 0001-01-02 to 9999-12-30 (UTC), "
    "so that every time zone has a date for them"
)


def instant_in_range(value: _dt.datetime) -> bool:
    """Whether the aware ``value`` lies in the range instants are read in (UTC)."""
    offset = value.utcoffset() or _dt.timedelta(0)
    try:
        utc = value.replace(tzinfo=None) - offset
    except OverflowError:  # before 0001-01-01 or after 9999-12-31 in UTC
        return False
    return FIRST_INSTANT <= utc <= LAST_INSTANT


class FunctionError(Exception):
    """Raised by function implementations; becomes an ExprRuntimeError at the call.

    A ``specialize`` hook raising it at compile time may set ``arg`` to the 0-based index
    of the argument at fault: the ExprError then points at that argument.
    """

    arg: int | None = None


class DateOutOfRange(FunctionError, PolicyError):
    """A date computed past 9999-12-31 or before 0001-01-01 (``datetime`` has no other).

    Inside an expression it is a :class:`FunctionError` like any other (a run-time error
    at the operator or call). Outside one, code that lays out periods or expiry dates
    from a policy's durations may let it pass: it is a :class:`PolicyError` too, at the
    duration's place in the policy file when the duration knows it (``Duration.where``).
    """

    HINT = (
        "policyengine computes dates from 0001-01-01 to 9999-12-31: check the dates it "
        "was computed from (in the data, or the as-of date or --at)"
    )

    def __init__(self, message: str, where: Location | None = None) -> None:
        PolicyError.__init__(
            self, Diagnostic(message, where, hint=self.HINT, code="date.out-of-range")
        )
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Duration:
    """A calendar duration: whole ``months`` (1 year = 12) plus whole ``days`` (1 week = 7).

    Adding to a date applies the months first (clamping the day to the end of the
    target month), then the days. ``where`` is the duration's place in a policy file,
    when it was read from one: a date computed from it past the calendar's end is
    reported there (it takes no part in equality).
    """

    months: int = 0
    days: int = 0
    where: Location | None = field(default=None, compare=False, repr=False)

    def __add__(self, other: object) -> Duration:
        if not isinstance(other, Duration):
            return NotImplemented
        return Duration(self.months + other.months, self.days + other.days)

    def __sub__(self, other: object) -> Duration:
        if not isinstance(other, Duration):
            return NotImplemented
        return Duration(self.months - other.months, self.days - other.days)

    def __neg__(self) -> Duration:
        return Duration(-self.months, -self.days, self.where)

    def scaled(self, factor: int) -> Duration:
        return Duration(self.months * factor, self.days * factor)

    def __str__(self) -> str:
        return format_duration(self)


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def last_day(year: int, month: int) -> int:
    """The number of days of ``month`` (1-12) in ``year`` (``calendar.monthrange``'s
    answer, without working out the weekday)."""
    if month == 2 and calendar.isleap(year):
        return 29
    return _MONTH_DAYS[month]


# a date or a datetime: calendar arithmetic keeps the kind it was given
_D = TypeVar("_D", bound=_dt.date)


LAST_DATE_TEXT = "9999-12-31, the last date policyengine computes with"
FIRST_DATE_TEXT = "0001-01-01, the first date policyengine computes with"
LAST_INSTANT_TEXT = "9999-12-30 (UTC), the last instant policyengine computes with"
FIRST_INSTANT_TEXT = "0001-01-02 (UTC), the first instant policyengine computes with"


def _out_of_range(
    start: _dt.date, change: str, forward: bool, where: Location | None
) -> DateOutOfRange:
    """``start`` moved by ``change`` (``+ 3 years``) lands outside the calendar."""
    if isinstance(start, _dt.datetime) and start.tzinfo is not None:
        edge = LAST_INSTANT_TEXT if forward else FIRST_INSTANT_TEXT
    else:
        edge = LAST_DATE_TEXT if forward else FIRST_DATE_TEXT
    side = "after" if forward else "before"
    return DateOutOfRange(
        f"date out of range: {format_value(start)} {change} is {side} {edge}", where
    )


def add_months(d: _D, months: int) -> _D:
    """``d`` moved by ``months`` calendar months, day clamped to the month's end (a
    date's answers are kept: a membership's periods move the same few dates)."""
    if type(d) is _dt.date:
        return _date_add_months(d, months)  # type: ignore[return-value]
    return _add_months(d, months)


@functools.lru_cache(maxsize=4096)
def _date_add_months(d: _dt.date, months: int) -> _dt.date:
    return _add_months(d, months)


def _add_months(d: _D, months: int) -> _D:
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        n = abs(months)
        change = f"{'+' if months >= 0 else '-'} {n} month{'' if n == 1 else 's'}"
        raise _out_of_range(d, change, months >= 0, None)
    month += 1
    return d.replace(year=year, month=month, day=min(d.day, last_day(year, month)))


def add_duration(d: _D, dur: Duration) -> _D:
    """``date``/``datetime`` plus a duration (months first, then days).

    Raises :class:`DateOutOfRange` (at ``dur.where``) when the result, or a datetime's
    instant, is outside the calendar (see :data:`INSTANT_RANGE`)."""
    start = d
    try:
        if dur.months:
            d = add_months(d, dur.months)
        if dur.days:
            d = d + _dt.timedelta(days=dur.days)
        if isinstance(d, _dt.datetime) and d.tzinfo is not None and not instant_in_range(d):
            raise OverflowError("instant out of range")
    except (OverflowError, ValueError, DateOutOfRange):
        backward = dur.months < 0 or (dur.months == 0 and dur.days < 0)
        text = f"- {-dur}" if backward else f"+ {dur}"
        raise _out_of_range(start, text, not backward, dur.where) from None
    return d


def to_int(n: Decimal, what: str = "number") -> int:
    """``n`` as an ``int``; FunctionError when it is not a whole number."""
    if not n.is_finite() or n != n.to_integral_value():
        raise FunctionError(f"{what} must be a whole number, not {format_value(n)}")
    return int(n)


def round_to_step(n: Decimal, step: Decimal, rounding: str) -> Decimal:
    """The multiple of ``step`` (> 0) next to ``n`` in the direction of ``rounding``
    (``ROUND_FLOOR``, ``ROUND_CEILING`` or ``ROUND_HALF_UP``: halves away from zero),
    computed exactly.

    Dividing in the 28-digit context rounds a quotient that needs more digits before it
    is floored, landing on the wrong side of ``n`` (999999999998.9999999999999999 / 3).
    Here the context holds every digit from the larger magnitude down to the smaller
    exponent: the whole quotient, the product and the remainder are exact, and
    ``Inexact`` is trapped, so a slip would be an error, never a wrong multiple.
    """
    top = max(n.adjusted(), step.adjusted()) + 2
    bottom = min(_exponent(n), _exponent(step))
    exact = Context(
        prec=max(28, top - bottom + 2),
        Emax=MAX_EMAX,
        Emin=MIN_EMIN,
        traps=[InvalidOperation, DivisionByZero, Overflow, Inexact],
    )
    steps = exact.divide_int(n, step)  # truncated toward zero
    rest = exact.subtract(n, exact.multiply(steps, step))  # the sign of n, or 0
    if rest:
        away = Decimal(1).copy_sign(n)
        if rounding == ROUND_FLOOR and rest < 0:
            steps = exact.subtract(steps, 1)
        elif rounding == ROUND_CEILING and rest > 0:
            steps = exact.add(steps, 1)
        elif rounding == ROUND_HALF_UP and exact.multiply(abs(rest), 2) >= step:
            steps = exact.add(steps, away)
    return exact.multiply(steps, step)


def _exponent(n: Decimal) -> int:
    exponent = n.as_tuple().exponent
    assert isinstance(exponent, int)  # finite: numbers in expressions always are
    return exponent


def divide(a: Decimal, b: Decimal) -> Decimal:
    if not b:
        raise FunctionError("division by zero")
    return DIVISION_CONTEXT.divide(a, b)


def remainder(a: Decimal, b: Decimal) -> Decimal:
    if not b:
        raise FunctionError("division by zero (in %)")
    return DIVISION_CONTEXT.remainder(a, b)


# ----------------------------------------------------------------------------- text


def format_decimal(n: Decimal) -> str:
    """A decimal as written, never in exponent form: ``1.50``, ``0.3``, ``100``."""
    if n.is_zero():
        n = abs(n)  # no "-0"
    return format(n, "f")


def format_duration(d: Duration) -> str:
    """``1 year``, ``365 days``, ``1 year 2 months 3 days``, ``0 days``, ``-1 month``."""
    if d.months <= 0 and d.days <= 0 and (d.months or d.days):
        return "-" + format_duration(-d)
    years, months = divmod(abs(d.months), 12)
    sign = -1 if d.months < 0 else 1
    parts = [
        f"{amount} {unit}{'' if abs(amount) == 1 else 's'}"
        for amount, unit in ((sign * years, "year"), (sign * months, "month"), (d.days, "day"))
        if amount
    ]
    return " ".join(parts) if parts else "0 days"


def format_value(v: object) -> str:
    """The canonical text of a value (what ``policyengine expr`` prints)."""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, Decimal):
        return format_decimal(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return v
    if isinstance(v, _dt.datetime):
        return v.isoformat().replace("+00:00", "Z")
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, Duration):
        return format_duration(v)
    if isinstance(v, (tuple, list)):
        return "[" + ", ".join(_format_item(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{k}: {_format_item(x)}" for k, x in sorted(v.items())) + "}"
    return repr(v)


def _format_item(v: object) -> str:
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return format_value(v)


def to_json(v: object) -> object:
    """JSON-ready data: decimals and durations as strings, dates ISO, lists as lists."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, (Decimal, int, _dt.date, Duration)):
        return format_value(v)
    if isinstance(v, (tuple, list)):
        return [to_json(x) for x in v]
    if isinstance(v, Mapping):
        return {str(k): to_json(x) for k, x in v.items()}
    return repr(v)
