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
