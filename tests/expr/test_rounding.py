"""``round_down``, ``round_up`` and ``round_half_up`` land on the right side of ``n``
over the whole accepted range: every number below 10**12 an expression can hold, with
the decimal context's 28 significant digits (``1 / 3``), and every positive step.

They used to divide in the 28-digit context, so a quotient needing more digits was
rounded before it was floored: ``round_down(999999999998.9999999999999999, 3)`` gave
999999999999, above ``n``.
"""

from __future__ import annotations

from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policyengine.expr import Scope, compile_expression
from policyengine.expr.functions import builtin_functions

FUNCTIONS = builtin_functions()
round_down = FUNCTIONS.get("round_down").impl  # type: ignore[union-attr]
round_up = FUNCTIONS.get("round_up").impl  # type: ignore[union-attr]
round_half_up = FUNCTIONS.get("round_half_up").impl  # type: ignore[union-attr]

# checks the properties exactly: enough digits for any two numbers drawn below
EXACT = Context(prec=200, Emax=MAX_EMAX, Emin=MIN_EMIN)


@st.composite
def numbers(draw: st.DrawFn, *, positive: bool = False) -> Decimal:
    """A number an expression can hold: at most 28 significant digits, below 10**12."""
    digits = draw(st.integers(min_value=1, max_value=28))
    coefficient = draw(st.integers(min_value=1 if positive else 0, max_value=10**digits - 1))
    # the exponent puts the number anywhere from 1e-40 to just below 10**12
    top = 12 - len(str(coefficient))
    exponent = draw(st.integers(min_value=-40 - len(str(coefficient)), max_value=top))
    value = Decimal(coefficient).scaleb(exponent)
    if not positive and draw(st.booleans()):
        value = -value
    return value


def _multiple(result: Decimal, step: Decimal) -> bool:
    return EXACT.remainder(result, step) == 0


@settings(max_examples=500, deadline=None)
@given(numbers(), numbers(positive=True))
def test_round_down_is_the_largest_multiple_not_above(n: Decimal, step: Decimal) -> None:
    r = round_down(n, step)
    assert r <= n < EXACT.add(r, step)
    assert _multiple(r, step)


@settings(max_examples=500, deadline=None)
@given(numbers(), numbers(positive=True))
def test_round_up_is_the_smallest_multiple_not_below(n: Decimal, step: Decimal) -> None:
    r = round_up(n, step)
    assert EXACT.subtract(r, step) < n <= r
    assert _multiple(r, step)


@settings(max_examples=500, deadline=None)
@given(numbers(), numbers(positive=True))
def test_round_half_up_is_the_nearest_multiple(n: Decimal, step: Decimal) -> None:
    r = round_half_up(n, step)
    # copy_abs, not abs(): abs() rounds to the default context's 28 digits, and the
    # result of a tie may need more (0.01 rounded to a step of 4.503599627370496E-38)
    distance = EXACT.subtract(n, r).copy_abs()
    assert EXACT.multiply(distance, 2) <= step  # the nearest multiple
    if EXACT.multiply(distance, 2) == step:  # a tie: away from zero
        assert r.copy_abs() > n.copy_abs()
    assert _multiple(r, step)


def test_a_tie_needing_more_than_28_digits_rounds_away_from_zero() -> None:
    n, step = Decimal("0.01"), Decimal("4.503599627370496E-38")
    assert round_half_up(n, step) == Decimal(
        "0.01000000000000000000000000000000000002251799813685248"
    )


@pytest.mark.parametrize(
    ("impl", "n", "step", "expected"),
    [
        (round_down, "999999999998.9999999999999999", "3", "999999999996"),
        (round_up, "999999999996.0000000000000001", "3", "999999999999"),
        (round_half_up, "999999999997.4999999999999999", "3", "999999999996"),
        (round_half_up, "999999999997.5", "3", "999999999999"),
        (round_down, "0.3333333333333333333333333333", "0.1", "0.3"),
    ],
)
def test_roundings_at_28_digits(impl: object, n: str, step: str, expected: str) -> None:
    assert str(impl(Decimal(n), Decimal(step))) == expected  # type: ignore[operator]


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("round_down(999999999999 - 0.000001 * 0.000001 * 0.0001, 3)", "999999999996"),
        ("round_down(1.37, 0.2)", "1.2"),
        ("round_up(1.37, 0.2)", "1.4"),
        ("round_half_up(2.5, 1)", "3"),
        ("round_half_up(0 - 2.5, 1)", "-3"),
        ("round_down(0 - 1.37, 0.2)", "-1.4"),
        ("round_down(2, 0.5)", "2.0"),
    ],
)
def test_roundings_in_expressions(call: str, expected: str) -> None:
    assert str(compile_expression(call, Scope())({})) == expected
