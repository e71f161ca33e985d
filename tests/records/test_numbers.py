"""The numeric range (docs/design.md, "Values at run time"): every number read from a
file, a source or the command line has at most 12 digits before the decimal point and
6 after it, refused with a message naming the value and the limit, at its position."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from policyengine.decimals import NUMBER_RANGE, NumberRangeError, check_number, round_fraction
from policyengine.errors import PolicyError
from policyengine.records.model import load_holder, parse_decimal

UTC = ZoneInfo("UTC")
RANGE = "numbers have at most 12 digits before the decimal point and 6 after it"


@pytest.mark.parametrize(
    "raw",
    [
        "999999999999.999999",
        "0.000001",
        "1.500000000",  # trailing zeros are not digits of the value
        "1e3",
        "0",
        "000000000000001",
        Decimal("123456789012.5"),
        999_999_999_999,
    ],
)
def test_numbers_in_range(raw: object) -> None:
    assert parse_decimal(raw, "credits") == Decimal(str(raw))


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("1e999999", "1e999999"),
        (Decimal("1e999999"), "1E+999999"),
        ("9e999999", "9e999999"),
        ("1000000000000", "1000000000000"),
        (10**12, "1000000000000"),
        (10**5000, "1" + "0" * 39 + "… (5001 characters)"),
        ("0.0000001", "0.0000001"),
        ("1e-7", "1e-7"),
        ("1" + "0" * 4400, "1" + "0" * 39 + "… (4401 characters)"),
        ("1e999999999999999999", "1e999999999999999999"),
        ("1e9999999999999999999", "1e9999999999999999999"),  # InvalidOperation in Decimal()
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else type(v).__name__,
)
def test_numbers_out_of_range(raw: object, shown: str) -> None:
    with pytest.raises(NumberRangeError) as err:
        parse_decimal(raw, "credits")
    assert str(err.value) == f"credits {shown} is out of range: {RANGE}"


def test_the_range_is_stated_once() -> None:
    assert NUMBER_RANGE == RANGE
    assert check_number(Decimal("-999999999999.999999"), "x") == Decimal("-999999999999.999999")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal(10) / Decimal(60), Decimal("0.166666")),
        (Decimal("90"), Decimal("90")),
        (Decimal("1.5"), Decimal("1.5")),
        (Decimal("2.0000001"), Decimal("2")),
    ],
)
def test_round_fraction_keeps_six_decimals(value: Decimal, expected: Decimal) -> None:
    result = round_fraction(value)
    assert result == expected and str(result) == str(expected)


def test_holder_numbers_out_of_range_are_diagnostics(tmp_path: Path) -> None:
    path = tmp_path / "h.yaml"
    path.write_text(
        "holder: {id: m-1, name: X}\n"
        "records:\n"
        "  - id: r1\n"
        "    credits: 1e999999\n"
        "    earned_on: 2025-01-01\n"
        "  - id: r2\n"
        "    credits: 9e999999\n"
        "    earned_on: 2025-01-01\n"
        "  - id: r3\n"
        "    minutes: 0.1234567\n"
        "    earned_on: 2025-01-01\n"
        "  - id: r4\n"
        "    credits: '1000000000000'\n"
        "    earned_on: 2025-01-01\n"
        "  - id: r5\n"
        "    credits: 1\n"
        "    registration: 10000000000000\n"
        "    earned_on: 2025-01-01\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as err:
        load_holder(str(path), UTC)
    found = [
        (d.location and (d.location.line, d.location.col), d.message) for d in err.value.diagnostics
    ]
    assert found == [
        ((4, 14), f"record 'r1': credits 1E+999999 is out of range: {RANGE}"),
        ((7, 14), f"record 'r2': credits 9E+999999 is out of range: {RANGE}"),
        ((10, 14), f"record 'r3': minutes 0.1234567 is out of range: {RANGE}"),
        ((13, 15), f"record 'r4': credits 1000000000000 is out of range: {RANGE}"),
        (
            (17, 19),
            "record 'r5': registration must be a whole number from 1 to 999999999999",
        ),
    ]


def test_record_problems_carry_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "h.yaml"
    path.write_text(
        "holder: {id: m-1}\n"
        "records:\n"
        "  - {id: r1, credits: 1e999999, earned_on: 2025-01-01}\n"
        "  - {id: r2, credits: 1, earned_at: 9999-12-31T23:59:59Z}\n"
        "  - {id: r3, credits: 1, earned_on: 2025-01-01, recorded_on: 2025-02-30}\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as err:
        load_holder(str(path), UTC)
    assert [d.hint for d in err.value.diagnostics] == [
        "write a number below 1000000000000 with at most 6 decimals",
        "write e.g. 2025-07-31T23:30:00-07:00 (no offset: the policy's time zone)",
        "write YYYY-MM-DD, e.g. 2025-07-31",
    ]
