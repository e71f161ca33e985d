"""Exact decimals as the engine reads and writes them, and the one numeric range.

Credits are ``decimal.Decimal`` everywhere (docs/design.md). People read them without
trailing zeros or exponents (``25.0`` -> ``25``, ``1.50`` -> ``1.5``); JSON output keeps
the exact string instead (``"25.0"``), except where a value is documented as normalized.

The numeric range (docs/design.md, "Values at run time"): a number read from a file, a
credit source, the command line or an expression literal has at most
:data:`INTEGER_DIGITS` digits before the decimal point and :data:`FRACTION_DIGITS` after
it (trailing zeros do not count: ``1.500000000`` is ``1.5``). That is far beyond any
count of credits or minutes, and keeps every value at 18 significant digits: sums of
up to ten billion of them stay exact in the 28-digit decimal context, and nothing the
engine adds up can overflow. Values the engine computes keep the context's precision
(``1 / 3``), but never grow past 12 digits before the point.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

ZERO = Decimal(0)
INTEGER_DIGITS = 12
FRACTION_DIGITS = 6
NUMBER_LIMIT = Decimal(10) ** INTEGER_DIGITS  # the first number out of range
_STEP = Decimal(1).scaleb(-FRACTION_DIGITS)  # 0.000001
NUMBER_RANGE = (
    f"numbers have at most {INTEGER_DIGITS} digits before the decimal point "
    f"and {FRACTION_DIGITS} after it"
)
NUMBER_HINT = "write a number below 1000000000000 with at most 6 decimals"
MAGNITUDE_RANGE = f"numbers have at most {INTEGER_DIGITS} digits before the decimal point"


class NumberRangeError(ValueError):
    """A number outside the numeric range; the message names it and the limit."""


def decimal_text(value: Decimal | str | int) -> str:
    """A decimal for people: exact, without trailing zeros or exponent, never ``-0``."""
    number = Decimal(value)
    if number.is_zero():
        return "0"
    return format(number.normalize(), "f")


def number_shown(value: Decimal | int | str) -> str:
    """A number as a message quotes it: as written when it is text, never 4,400 digits."""
    if isinstance(value, str):
        text = value.strip()
    else:
        number = Decimal(value)
        # plainly when that is short (a product: 999999999999000000), else 1E+999999
        plain = number.is_finite() and -40 < number.adjusted() < 40
        text = format(number, "f") if plain else str(number)
    return text if len(text) <= 60 else f"{text[:40]}… ({len(text)} characters)"


def within_magnitude(value: Decimal) -> bool:
    """Whether ``value`` is finite with at most 12 digits before the decimal point."""
    return value.is_finite() and -NUMBER_LIMIT < value < NUMBER_LIMIT


def fraction_digits(value: Decimal) -> int:
    """Digits after the decimal point that the value needs (``1.500`` needs 1)."""
    _sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return 0
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -exponent - trailing) if any(digits) else 0


def few_decimals(value: Decimal) -> bool:
    """Whether ``value`` needs at most six digits after the point."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -FRACTION_DIGITS:
        return True  # at most six digits written, whatever they are (the usual case)
    return fraction_digits(value) <= FRACTION_DIGITS


def in_range(value: Decimal) -> bool:
    """Whether ``value`` is within the numeric range (12 digits before the point, 6 after)."""
    return within_magnitude(value) and few_decimals(value)


def check_number(value: Decimal, what: str, text: str | None = None) -> Decimal:
    """``value`` when it is within the numeric range; else NumberRangeError naming
    ``what`` and the value (``text``, as written, when given)."""
    if not in_range(value):
        shown = number_shown(text if text is not None else value)
        raise NumberRangeError(f"{what} {shown} is out of range: {NUMBER_RANGE}")
    return value


def round_fraction(value: Decimal, rounding: str = ROUND_FLOOR) -> Decimal:
    """A computed value (minutes from timestamps, credits from minutes) with at most six
    decimals, so it is in the range numbers are read in; as few digits as it needs."""
    if few_decimals(value) or not within_magnitude(value):
        return value  # nothing to round, or out of range anyway (check_number says so)
    rounded = value.quantize(_STEP, rounding=rounding)
    if rounded == rounded.to_integral_value():
        return rounded.quantize(Decimal(1))
    return rounded.normalize()
