"""Why a record is not needed (docs/evaluation.md, ``not-needed``): the sentence says
whether the period was already complete, or the record adds nothing the incomplete
period still lacks (worth 0 credits, or only toward what is met or capped)."""

from __future__ import annotations

import pytest

from tests.helpers import credit, evaluate_holder, policy_from_snippet, rec

PERIODS = """\
periods:
  renewal:
    start: holder.designated_on
    length: 1 year
"""
HOLDER = {"id": "h", "designated_on": "2025-01-01"}


@pytest.mark.parametrize("order", ["chronological", "optimal"])
def test_a_record_worth_0_credits_in_an_incomplete_period(tmp_path, order):
    """45 minutes under a 50-minute credit with a 1-credit minimum is worth 0; the period
    has 1.2 of 40: it was never complete (the sentence once said it was)."""
    pol = policy_from_snippet(
        tmp_path,
        PERIODS
        + f"""\
records:
  conversion: {{minutes_per_credit: 50, increment: 0.2, rounding: down, minimum: 1}}
allocation: {{order: {order}}}
requirements:
  - id: total
    min: 40
""",
    )
    records = [
        {"id": "a", "earned_on": "2025-02-01", "minutes": 60},
        {"id": "b", "earned_on": "2025-03-01", "minutes": 45},
    ]
    doc, _ = evaluate_holder(pol, HOLDER, records, "2025-06-01")
    b = rec(doc, "b")
    assert (b["credits"], b["disposition"]) == ("0", "not-needed")
    assert b["explanation"] == (
        "not counted: it is worth 0 credits, so it adds nothing to the renewal period 1 "
        "(2025-01-01 to 2025-12-31)"
    )


def test_a_record_over_a_cap_in_an_incomplete_period(tmp_path):
    pol = policy_from_snippet(
        tmp_path,
        PERIODS
        + """\
allocation: {apply: until-complete}
requirements:
  - id: total
    min: 40
  - id: self-study
    where: record.kind == "self-study"
    max: 2
""",
    )
    records = [
        credit("a", "2025-02-01", 2, kind="self-study"),
        credit("b", "2025-03-01", 3, kind="self-study"),
    ]
    doc, _ = evaluate_holder(pol, HOLDER, records, "2025-06-01")
    assert rec(doc, "a")["disposition"] == "applied"
    b = rec(doc, "b")
    assert b["disposition"] == "not-needed"
    assert b["explanation"].startswith(
        "not needed: what it counts toward in the renewal period 1 (2025-01-01 to 2025-12-31) "
        "is already met or capped"
    )


def test_a_record_after_the_period_completed_keeps_its_sentence(tmp_path):
    pol = policy_from_snippet(
        tmp_path,
        PERIODS
        + "allocation: {apply: until-complete, unused: discard}\nrequirements:\n  - id: total\n    min: 2\n",
    )
    records = [credit("a", "2025-02-01", 2), credit("b", "2025-03-01", 3)]
    doc, _ = evaluate_holder(pol, HOLDER, records, "2025-06-01")
    # with unused: discard it does not stay available (it used to say it did)
    assert rec(doc, "b")["explanation"] == (
        "not needed: the renewal period 1 (2025-01-01 to 2025-12-31) was already complete; "
        "it counts toward no other period (allocation.unused: discard)"
    )
