"""Values at the edges of what expressions compute with: dates past 9999-12-31 and
instants outside the range timestamps are read in are errors inside the expression,
never a traceback."""

from __future__ import annotations

import pytest

from policyengine.expr import ExprError, ExprRuntimeError, Scope, compile_expression


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        (
            "9999-12-30T00:00:00Z + 2 days",
            "date out of range: 9999-12-30T00:00:00Z + 2 days is after 9999-12-30 (UTC), the last "
            "instant policyengine computes with",
            1,
        ),
        (
            "0001-01-02T00:00:00Z - 1 day",
            "date out of range: 0001-01-02T00:00:00Z - 1 day is before 0001-01-02 (UTC), the first "
            "instant policyengine computes with",
            1,
        ),
        (
            "next_anniversary(9999-12-31, 1, 1)",
            "next_anniversary(): date out of range: the anniversary in year 10000 is after "
            "9999-12-31, the last date policyengine computes with",
            1,
        ),
        ("add_months(9999-12-01, 1)", "add_months(): date out of range: 9999-12-01 + 1 month", 1),
        ("1 + year(2025-01-01 - 2025 years)", "date out of range: 2025-01-01 - 2025 years", 10),
    ],
)
def test_dates_past_the_calendar(text: str, message: str, column: int) -> None:
    compiled = compile_expression(text, Scope())
    with pytest.raises(ExprRuntimeError) as err:
        compiled({})
    assert err.value.message.startswith(message)
    assert err.value.offset + 1 == column


@pytest.mark.parametrize(
    "literal", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "9999-12-31T00:00:00Z"]
)
def test_datetime_literals_outside_the_instant_range(literal: str) -> None:
    text = f"2025-01-01T00:00:00Z < {literal}"
    with pytest.raises(ExprError) as err:
        compile_expression(text, Scope())
    assert err.value.message == (
        f"{literal} is out of range: instants are read from 0001-01-02 to 9999-12-30 (UTC), "
        "so that every time zone has a date for them"
    )
    assert (err.value.offset, err.value.end) == (23, len(text))


# ----------------------------------------------------------------------------- numbers

RANGE = "numbers have at most 12 digits before the decimal point and 6 after it"
HUGE = "1" + "0" * 4400  # beyond Python's int-to-string digit limit
SHOWN = "1" + "0" * 39 + "… (4401 characters)"


@pytest.mark.parametrize(
    ("text", "message", "span"),
    [
        (f"1 day * {HUGE}", f"number {SHOWN} is out of range: {RANGE}", (8, 8 + len(HUGE))),
        (f"{HUGE} days", f"duration {SHOWN} days is out of range: {RANGE}", (0, len(HUGE) + 5)),
        ("1 + 0.1234567", f"number 0.1234567 is out of range: {RANGE}", (4, 13)),
        ("1000000000000", f"number 1000000000000 is out of range: {RANGE}", (0, 13)),
        (
            "2025-01-01 + 1000000000000 days",
            f"duration 1000000000000 days is out of range: {RANGE}",
            (13, 31),
        ),
    ],
)
def test_literals_outside_the_numeric_range(text: str, message: str, span: tuple[int, int]) -> None:
    with pytest.raises(ExprError) as err:
        compile_expression(text, Scope())
    assert err.value.message == message
    assert (err.value.offset, err.value.end) == span


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        (
            "999999999999 * 999999999999",
            "result 999999999998000000000001 is out of range: numbers have at most 12 digits "
            "before the decimal point",
            1,
        ),
        ("1 + 999999999999.5 + 0.5", "result 1000000000000.5 is out of range", 1),
        ("2 * (0 - 999999999999)", "result -1999999999998 is out of range", 1),
        ("999999999999 / 0.000001", "result 999999999999000000 is out of range", 1),
        ("ceil(999999999999.5)", "ceil(): result 1000000000000 is out of range", 1),
        ("sum(x for x in [999999999999, 1])", "result 1000000000000 is out of range", 1),
        ("1 day * (999999999999 * 999999999999)", "result 999999999998000000000001", 10),
    ],
)
def test_arithmetic_results_outside_the_range(text: str, message: str, column: int) -> None:
    compiled = compile_expression(text, Scope())
    with pytest.raises(ExprRuntimeError) as err:
        compiled({})
    assert err.value.message.startswith(message)
    assert err.value.offset + 1 == column


def test_results_in_range_are_unchanged() -> None:
    from decimal import Decimal

    assert compile_expression("999999999999 + 0.999999", Scope())({}) == Decimal(
        "999999999999.999999"
    )
    assert compile_expression("1 / 3", Scope())({}) == Decimal("0.3333333333333333333333333333")
