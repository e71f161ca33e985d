"""``unused: carry-forward`` with ``apply: all`` (issue 14, item 3): every valid record is
applied. A record recorded after the period it was earned in completed, and valid for no
later period, is applied to its own period; it used to end as not valid for the next
period's window (and with ``min: 0`` nothing was applied at all)."""

from __future__ import annotations

import pytest

from tests.helpers import credit, evaluate_holder, period, policy_from_snippet, rec

HOLDER = {"id": "h", "designated_on": "2020-01-01"}


def body(minimum: int, validity: str = "") -> str:
    return f"""\
periods:
  renewal:
    start: date(2021, 1, 1)
    length: 1 year
{validity}allocation: {{unused: carry-forward, apply: all}}
requirements:
  - id: total
    min: {minimum}
"""


@pytest.mark.parametrize("minimum", [1, 0])
def test_a_record_after_completion_is_applied_to_its_period(tmp_path, minimum):
    pol = policy_from_snippet(tmp_path, body(minimum))
    records = [credit("a", "2021-06-01", 5), credit("b", "2021-09-01", 3)]
    doc, _ = evaluate_holder(pol, HOLDER, records, "2022-06-01")
    for rid in ("a", "b"):
        assert (rec(doc, rid)["disposition"], rec(doc, rid)["period"]) == ("applied", 1)
    first = period(doc, 1)
    assert first["status"] == "complete" and first["credits"] == "8"
    assert first["completed_on"] == ("2021-06-01" if minimum else "2021-01-01")


def test_a_record_the_next_period_may_use_still_carries_forward(tmp_path):
    """With a validity window reaching a year back, b (earned in period 1 after it
    completed) is valid for period 2 and goes there: carry-forward is unchanged."""
    validity = (
        "    validity: record.earned_on >= period.start - 1 year "
        "and record.earned_on <= period.end\n"
    )
    pol = policy_from_snippet(tmp_path, body(1, validity))
    records = [credit("a", "2021-06-01", 5), credit("b", "2021-09-01", 3)]
    doc, _ = evaluate_holder(pol, HOLDER, records, "2022-06-01")
    assert (rec(doc, "a")["period"], rec(doc, "b")["period"]) == (1, 2)
    assert period(doc, 2)["status"] == "complete"
