"""Optimal allocation with carry-over (issue 14, item 1): among the assignments that
give the period its best result, the engine takes one that needs the least of the
records that may carry (``carry_over.where``), so what may carry, does. It used to take
whichever maximum flow came out and apply ``where`` afterwards (2 credits carried where
5 may)."""

from __future__ import annotations

import pytest

from tests.helpers import evaluate_holder, period, policy_from_snippet, rec

BODY = """\
periods:
  renewal:
    start: holder.designated_on
    length: 3 years
allocation: {{order: {order}, unused: discard, apply: all}}
carry_over: {{max: 20, where: record.earned_on > period.end - 1 year}}
requirements:
  - id: total
    min: 10
  - id: x
    where: '"x" in record.tags'
    min: 2
  - id: y
    where: '"y" in record.tags'
    min: 2
"""
RECORDS = [
    {"id": "x-early", "credits": 5, "earned_on": "2021-06-01", "tags": ["x"]},
    {"id": "y-early", "credits": 5, "earned_on": "2022-06-01", "tags": ["y"]},
    {"id": "x-late", "credits": 5, "earned_on": "2023-06-01", "tags": ["x"]},
]


@pytest.mark.parametrize("order", ["optimal", "chronological"])
def test_all_of_the_late_records_surplus_carries(tmp_path, order):
    pol = policy_from_snippet(tmp_path, BODY.format(order=order))
    doc, _ = evaluate_holder(pol, {"id": "h", "designated_on": "2021-01-01"}, RECORDS, "2024-02-01")
    first = period(doc, 1)
    assert first["status"] == "complete"
    assert first["carried_out"] == [{"record": "x-late", "credits": "5", "to_period": 2}]
    assert {r["id"]: r["counted"] for r in first["requirements"]} == {
        "total": "10",
        "x": "5",
        "y": "5",
    }
    assert rec(doc, "x-late")["carried"] == {"credits": "5", "from_period": 1, "to_period": 2}


@pytest.mark.parametrize("order", ["optimal", "chronological"])
def test_a_record_worth_0_credits_stays_applied_when_others_carry(tmp_path, order):
    """A 0-credit record (45 minutes under a 1-credit minimum) is applied to its period
    whether or not some of the period's credits carried over; it used to drop out of
    the period once anything carried ("not applied to any period")."""
    body = BODY.format(order=order).replace(
        "requirements:",
        "records:\n  conversion: {minutes_per_credit: 50, minimum: 1}\nrequirements:",
    )
    pol = policy_from_snippet(tmp_path, body)
    records = [*RECORDS, {"id": "short", "minutes": 45, "earned_on": "2023-07-01"}]
    for as_of in ("2023-12-01", "2024-02-01"):  # before and after anything carried
        doc, _ = evaluate_holder(pol, {"id": "h", "designated_on": "2021-01-01"}, records, as_of)
        short = rec(doc, "short")
        assert (short["credits"], short["disposition"], short["period"]) == ("0", "applied", 1)
    assert period(doc, 1)["carried_out"]  # something did carry
