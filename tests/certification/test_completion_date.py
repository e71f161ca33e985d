"""``periods.completion_date`` (issue 14, item 11): a period completed by a record recorded
late counts as completed on the date that record was earned (``earned``, the default) or
on the date it was recorded (``recorded``); in a rolling layout the next period starts
the day after."""

from __future__ import annotations

import pytest

from policyengine.errors import PolicyError
from tests.helpers import evaluate_holder, period, policy_from_snippet

BODY = """\
periods:
  renewal:
    start: date(2021, 1, 1)
    length: 1 year
    layout: rolling
  grace: 90 days
{option}allocation: {{unused: discard}}
requirements:
  - id: total
    min: 5
"""
RECORDS = [
    {"id": "a", "earned_on": "2021-06-01", "credits": 2},
    # earned in the grace period, reported three weeks later: it completes period 1
    {"id": "b", "earned_on": "2022-02-10", "recorded_on": "2022-03-03", "credits": 3},
]


@pytest.mark.parametrize(
    ("option", "completed", "next_start"),
    [
        ("", "2022-02-10", "2022-02-11"),
        ("  completion_date: earned\n", "2022-02-10", "2022-02-11"),
        ("  completion_date: recorded\n", "2022-03-03", "2022-03-04"),
    ],
)
def test_the_completion_date_and_the_next_rolling_period(tmp_path, option, completed, next_start):
    pol = policy_from_snippet(tmp_path, BODY.format(option=option))
    doc, _ = evaluate_holder(pol, {"id": "h"}, RECORDS, "2022-06-01")
    first, second = period(doc, 1), period(doc, 2)
    assert (first["completed_on"], first["late"]) == (completed, True)
    assert second["start"] == next_start


def test_an_unknown_value_is_refused(tmp_path):
    from policyengine.errors import PolicyError

    with pytest.raises(PolicyError) as err:
        policy_from_snippet(tmp_path, BODY.format(option="  completion_date: reported\n"))
    assert "'reported' is not one of: earned, recorded" in str(err.value.diagnostics[0].message)


PREVIOUS_END = """\
periods:
  renewal:
    start: date(2021, 1, 1)
    layout: rolling
    end: {end}
allocation: {{unused: discard}}
requirements:
  - id: total
    min: 1
"""


def test_a_rolling_end_counted_from_the_previous_end(tmp_path):
    """``period.previous_end``: the new end is one year after the old one, whenever the
    period was completed ("use the certification expiry date")."""
    end = (
        "if period.renewal_number == 1 then date(2021, 12, 31) "
        "else add_months(period.previous_end, 12)"
    )
    pol = policy_from_snippet(tmp_path, PREVIOUS_END.format(end=repr(end)))
    records = [{"id": "a", "earned_on": "2021-03-01", "credits": 1}]
    doc, _ = evaluate_holder(pol, {"id": "h"}, records, "2022-06-01")
    assert (period(doc, 2)["start"], period(doc, 2)["end"]) == ("2021-03-02", "2022-12-31")


def test_previous_end_is_absent_for_the_first_period(tmp_path):
    pol = policy_from_snippet(tmp_path, PREVIOUS_END.format(end="period.previous_end"))
    with pytest.raises(PolicyError) as info:
        evaluate_holder(pol, {"id": "h"}, [], "2021-06-01")
    assert "period has no value for field 'previous_end'" in str(info.value)
