"""Numbers in a policy obey the numeric range (at most 12 digits before the decimal
point and 6 after it): a minimum, a cap or a constant beyond it is a diagnostic at its
position when the policy is loaded, not a ``decimal.Overflow`` during allocation or a
``decimal.InvalidOperation`` while reading the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from policyengine.errors import PolicyError
from tests.helpers import policy_from_snippet

RANGE = "numbers have at most 12 digits before the decimal point and 6 after it"
BODY = """\
constants:
  big: {constant}
periods:
  renewal:
    start: holder.designated_on
    length: 3 years
requirements:
  - id: total
    min: {minimum}
"""


def _diagnostics(tmp_path: Path, minimum: str, constant: str = "1") -> list[tuple[int, int, str]]:
    with pytest.raises(PolicyError) as err:
        policy_from_snippet(tmp_path, BODY.format(minimum=minimum, constant=constant))
    return [
        (d.location.line, d.location.col, d.message)
        for d in err.value.diagnostics
        if d.location is not None
    ]


def test_a_minimum_with_a_huge_exponent(tmp_path: Path) -> None:
    assert _diagnostics(tmp_path, "1e99999999") == [
        (14, 10, f"number 1E+99999999 is out of range: {RANGE}")
    ]


def test_a_number_beyond_what_decimal_can_read(tmp_path: Path) -> None:
    """``Decimal('1e9999999999999999999')`` raises InvalidOperation."""
    assert _diagnostics(tmp_path, "1e9999999999999999999") == [
        (14, 10, f"number 1e9999999999999999999 is out of range: {RANGE}")
    ]


def test_constants_and_fractions(tmp_path: Path) -> None:
    assert _diagnostics(tmp_path, "0.0000001", constant="10000000000000") == [
        (7, 8, f"number 10000000000000 is out of range: {RANGE}"),
        (14, 10, f"number 0.0000001 is out of range: {RANGE}"),
    ]


def test_numbers_in_range_load(tmp_path: Path) -> None:
    policy = policy_from_snippet(
        tmp_path, BODY.format(minimum="999999999999.999999", constant="0.000001")
    )
    assert str(policy.constants["big"]) == "0.000001"
