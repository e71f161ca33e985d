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
