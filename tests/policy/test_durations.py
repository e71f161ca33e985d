"""Durations in policy files (dates.parse_duration): one or more ``N unit`` parts,
``1 year 30 days`` (issue 14, item 12): years and months add up to the months, weeks and
days to the days; a date moves by the months first (clamped to the month's end), then
by the days."""

from __future__ import annotations

import pytest

from policyengine import dates
from policyengine.decimals import NumberRangeError
from policyengine.expr.values import Duration
from tests.helpers import evaluate_holder, period, policy_from_snippet


@pytest.mark.parametrize(
    ("text", "months", "days"),
    [
        ("3 years", 36, 0),
        ("1 year 30 days", 12, 30),
        ("  2 weeks 1 day ", 0, 15),
        ("1 year 2 months 3 weeks 4 days", 14, 25),
        ("30 days 1 year", 12, 30),
    ],
)
def test_parts_add_up(text: str, months: int, days: int) -> None:
    assert dates.parse_duration(text) == Duration(months, days)


@pytest.mark.parametrize("text", ["1.5 years", "1 year and 30 days", "1 year,30 days", "year"])
def test_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        dates.parse_duration(text)


def test_each_part_is_in_the_numeric_range() -> None:
    with pytest.raises(NumberRangeError, match="duration 1234567890123 days is out of range"):
        dates.parse_duration("1 year 1234567890123 days")


def test_a_period_of_one_year_and_30_days(tmp_path) -> None:
    pol = policy_from_snippet(
        tmp_path,
        """\
periods:
  renewal:
    start: holder.designated_on
    length: 1 year 30 days
  grace: 1 month 15 days
requirements:
  - id: total
    min: 1
""",
    )
    doc, _ = evaluate_holder(pol, {"id": "h", "designated_on": "2025-01-31"}, [], "2026-03-31")
    first = period(doc, 1)
    # 2025-01-31 + 12 months = 2026-01-31, + 30 days = 2026-03-02: the end is the day before
    assert (first["start"], first["end"]) == ("2025-01-31", "2026-03-01")
    # grace: 2026-03-01 + 1 month = 2026-04-01, + 15 days = 2026-04-16
    assert first["grace_end"] == "2026-04-16"


@pytest.mark.parametrize(
    ("option", "opens"),
    [
        ("", "2025-06-01"),
        ("  window_from: day-after-end\n", "2025-06-01"),
        ("  window_from: end\n", "2025-05-31"),
    ],
)
def test_a_window_of_two_months_counts_back_by_calendar_months(tmp_path, option, opens) -> None:
    """docs/requirements.md: the end is the last valid day; the window counts back from
    the day after it (the first expired day), or with ``window_from: end`` from the end."""
    pol = policy_from_snippet(
        tmp_path,
        f"""\
periods:
  renewal:
    start: date(2022, 8, 1)
    length: 3 years
  window: 2 months
{option}requirements:
  - id: total
    min: 1
""",
    )
    doc, _ = evaluate_holder(pol, {"id": "h"}, [], "2025-07-01")
    assert (period(doc, 1)["end"], period(doc, 1)["window_start"]) == ("2025-07-31", opens)
