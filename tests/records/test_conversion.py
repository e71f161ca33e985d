"""``credits_from_minutes``: the policy's minutes-to-credits rule, exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest

from policyengine.records.conversion import credits_from_minutes

WERC = {"minutes_per_credit": 50, "increment": Decimal("0.2"), "rounding": "down", "minimum": 1}


@pytest.mark.parametrize(
    ("minutes", "conversion", "expected"),
    [
        # 50 min/credit, 0.2 increments, rounded down, a minimum first credit
        ("49", WERC, "0"),
        ("50", WERC, "1"),
        ("59", WERC, "1"),
        ("60", WERC, "1.2"),
        ("75", WERC, "1.4"),
        ("100", WERC, "2"),
        ("0", WERC, "0"),
        ("59.99", WERC, "1"),
        ("200", WERC, "4"),
        # rounding up and half-up to the increment
        ("51", {**WERC, "rounding": "up"}, "1.2"),
        ("55", {**WERC, "rounding": "half-up"}, "1.2"),
        ("54.99", {**WERC, "rounding": "half-up"}, "1"),
        ("45", {"minutes_per_credit": 50, "increment": "0.5", "rounding": "half-up"}, "1"),
        # no minimum: small amounts still count
        ("10", {"minutes_per_credit": 50, "increment": "0.2"}, "0.2"),
        ("9", {"minutes_per_credit": 50, "increment": "0.2"}, "0"),
        # no increment: the exact quotient
        ("75", {"minutes_per_credit": 50}, "1.5"),
        ("90", {"minutes_per_credit": 60, "minimum": "1"}, "1.5"),
        ("30", {"minutes_per_credit": 60, "minimum": "1"}, "0"),
        # exact decimals, where floats would drift (0.1 * 3 != 0.3)
        ("30", {"minutes_per_credit": 10, "increment": "0.1"}, "3"),
        ("7", {"minutes_per_credit": "0.7", "increment": "0.1"}, "10"),
    ],
)
def test_credits_from_minutes_table(minutes: str, conversion: dict, expected: str) -> None:
    result = credits_from_minutes(Decimal(minutes), conversion)
    assert result == Decimal(expected)
    assert str(result) == expected


@pytest.mark.parametrize(
    ("conversion", "message"),
    [
        ({}, "minutes_per_credit"),
        ({"minutes_per_credit": 0}, "greater than 0"),
        ({"minutes_per_credit": "x"}, "must be a number"),
        ({"minutes_per_credit": 50, "increment": 0}, "increment"),
        ({"minutes_per_credit": 50, "rounding": "sideways"}, "rounding"),
        ({"minutes_per_credit": 50, "minimum": -1}, "minimum"),
    ],
)
def test_bad_conversion_rules_are_refused(conversion: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        credits_from_minutes(Decimal(10), conversion)


def test_negative_minutes_are_refused() -> None:
    with pytest.raises(ValueError, match="minutes"):
        credits_from_minutes(Decimal(-1), WERC)
