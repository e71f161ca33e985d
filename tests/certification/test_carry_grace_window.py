"""Carry-over, grace periods, recertification windows and policy statuses (issue 6,
docs/requirements.md), with the dates and credits written out."""

from __future__ import annotations

import pytest

from policyengine.errors import PolicyError
from tests.helpers import SNIPPET_HEAD, credit, evaluate_holder, period, policy_from_snippet, rec

HEAD = (
    SNIPPET_HEAD
    + """\
periods:
  renewal:
    start: date(year(holder.designated_on) + 1, 1, 1)
    length: 2 years
"""
)

HOLDER = {"id": "h-1", "name": "Holder", "designated_on": "2021-06-01"}  # cycles from 2022


def policy(tmp_path, body):
    return policy_from_snippet(tmp_path, body, head=HEAD)


def run(pol, records, as_of):
    return evaluate_holder(pol, HOLDER, records, as_of)[0]


CARRY = """\
allocation: {unused: discard, apply: all}
carry_over:
  max: 5
  where: record.earned_on > period.end - 1 year   # only the cycle's last year
requirements:
  - id: total
    min: 10
  - id: ethics
    where: record.category == "ethics"
    min: 2
    carried_may_count: false
"""


def test_carry_over_moves_last_year_excess_up_to_the_cap(tmp_path):
    records = [
        credit("a", "2022-03-01", 6),  # year 1: needed, never carries
        credit("b", "2023-02-01", 4, category="ethics"),  # year 2: 2 ethics + 2 total needed
        credit("c", "2023-09-01", 7),  # year 2: 7 spare, 5 may carry
    ]
    doc = run(policy(tmp_path, CARRY), records, "2024-06-30")
    first, second = period(doc, 1), period(doc, 2)
    assert first["status"] == "complete" and first["completed_on"] == "2023-02-01"
    # needed: a 6 + b 4 = 10 (ethics 2 of b's 4); c's 7 are spare, 5 carry (the cap)
    assert first["carried_out"] == [{"record": "c", "credits": "5", "to_period": 2}]
    assert second["carried_in"] == [{"record": "c", "credits": "5", "from_period": 1}]
    assert {r["id"]: r["counted"] for r in first["requirements"]} == {"total": "12", "ethics": "4"}
    assert {r["id"]: r["counted"] for r in second["requirements"]} == {"total": "5", "ethics": "0"}
    c = rec(doc, "c")
    assert c["disposition"] == "applied" and c["period"] == 1
    assert c["carried"] == {"credits": "5", "from_period": 1, "to_period": 2}
    assert "5 of its credits carried over to the renewal period 2" in c["explanation"]


def test_carried_credits_do_not_count_where_the_policy_says_not(tmp_path):
    records = [
        credit("a", "2022-03-01", 8),
        credit("b", "2023-02-01", 2, category="ethics"),
        credit("e", "2023-10-01", 3, category="ethics"),
    ]
    doc = run(policy(tmp_path, CARRY), records, "2024-06-30")
    # e's 3 ethics credits were not needed (b met ethics); they carry, but ethics of
    # period 2 may not count carried credits, the total may
    assert period(doc, 2)["carried_in"] == [{"record": "e", "credits": "3", "from_period": 1}]
    reqs = {r["id"]: r for r in period(doc, 2)["requirements"]}
    assert (reqs["total"]["counted"], reqs["ethics"]["counted"]) == ("3", "0")


def test_nothing_carries_from_an_incomplete_period_or_from_early_years(tmp_path):
    doc = run(policy(tmp_path, CARRY), [credit("a", "2022-03-01", 9)], "2024-06-30")
    assert "carried_out" not in period(doc, 1) and "carried_in" not in period(doc, 2)
    records = [credit("a", "2022-03-01", 14, category="ethics")]  # all in year 1
    doc = run(policy(tmp_path, CARRY), records, "2024-06-30")
    assert period(doc, 1)["status"] == "complete" and "carried_out" not in period(doc, 1)


def test_a_record_wholly_carried_says_so(tmp_path):
    body = CARRY.replace("apply: all", "apply: until-complete")
    records = [
        credit("a", "2022-03-01", 8, category="ethics"),
        credit("b", "2023-02-01", 2),
        credit("c", "2023-03-01", 2),
    ]
    doc = run(policy(tmp_path, body), records, "2024-06-30")
    c = rec(doc, "c")
    assert (c["disposition"], c["period"]) == ("carried-over", 2)
    assert c["explanation"] == (
        "not needed by the period it was earned in; 2 credits carried "
        "over to the renewal period 2 (2024-01-01 to 2025-12-31)"
    )


def test_carry_over_needs_discard_allocation(tmp_path):
    with pytest.raises(PolicyError) as err:
        policy(tmp_path, "carry_over: {max: 5}\nrequirements: [{id: total, min: 1}]\n")
    [d] = err.value.diagnostics
    assert "carry_over needs 'allocation.unused: discard'" in d.message
    assert (d.location.line, d.location.col) == (10, 1)


GRACE = """\
periods:
  renewal:
    start: date(year(holder.designated_on) + 1, 1, 1)
    length: 2 years
  grace: 90 days
allocation: {unused: discard, apply: all}
statuses:
  - id: suspended
    label: Suspended until the late credits are in
    when: status == "grace"
  - id: lapsed
    when: status == "expired" and as_of <= period.grace_end + 1 year
requirements:
  - id: total
    min: 10
"""


def grace_policy(tmp_path):
    return policy_from_snippet(tmp_path, GRACE, name="g.yaml")


def test_grace_period_completion_is_late_and_extra_records_go_on(tmp_path):
    records = [
        credit("a", "2023-06-01", 8),
        credit("late1", "2024-02-10", 2),  # in the grace period (to 2024-03-30)
        credit("late2", "2024-03-01", 3),
    ]  # not needed by period 1
    doc = run(grace_policy(tmp_path), records, "2024-06-30")
    first = period(doc, 1)
    assert (first["status"], first["completed_on"], first["late"], first["grace_end"]) == (
        "complete",
        "2024-02-10",
        True,
        "2024-03-30",
    )
    assert first["applied"] == ["a", "late1"]
    assert rec(doc, "late1")["explanation"] == (
        "applied to the renewal period 1 (2022-01-01 to 2023-12-31) (late: earned in the grace "
        "period ending 2024-03-30)"
    )
    assert (rec(doc, "late2")["disposition"], rec(doc, "late2")["period"]) == ("applied", 2)


def test_status_during_and_after_the_grace_period(tmp_path):
    pol = grace_policy(tmp_path)
    during = run(pol, [credit("a", "2023-06-01", 8)], "2024-02-01")["status"]
    assert (during["code"], during["builtin"], during["grace_until"]) == (
        "suspended",
        "grace",
        "2024-03-30",
    )
    assert during["text"].startswith(
        "Suspended until the late credits are in: in the grace period until 2024-03-30"
    )
    after = run(pol, [credit("a", "2023-06-01", 8)], "2024-04-01")["status"]
    assert (after["code"], after["builtin"], after["expired_since"]) == (
        "lapsed",
        "expired",
        "2024-03-31",
    )
    much_later = run(pol, [credit("a", "2023-06-01", 8)], "2025-04-01")["status"]
    assert much_later["code"] == "expired" and "builtin" not in much_later


def test_window_only_counts_the_last_year(tmp_path):
    body = """\
    allocation: {unused: discard, apply: all}
    requirements: [{id: total, min: 4}]
    """
    pol = policy_from_snippet(tmp_path, body, head=HEAD + "  window: 1 year\n", name="w.yaml")
    records = [credit("early", "2022-12-31", 3), credit("in", "2023-01-01", 4)]
    doc = run(pol, records, "2023-12-31")
    assert period(doc, 1)["window_start"] == "2023-01-01"
    assert rec(doc, "early")["disposition"] == "before-window"
    assert rec(doc, "early")["explanation"] == (
        "earned 2022-12-31, before the recertification window of the renewal period 1 "
        "(2022-01-01 to 2023-12-31) opened on 2023-01-01; it does not count"
    )
    assert period(doc, 1)["applied"] == ["in"]


def test_credits_over_a_cap_never_carry(tmp_path):
    body = """\
    allocation: {unused: discard, apply: all}
    carry_over: {max: 10}
    requirements:
      - {id: total, min: 10}
      - {id: giving-back, where: 'record.kind == "giving-back"', max: 4}
    """
    records = [credit("a", "2022-03-01", 8), credit("g", "2023-03-01", 8, kind="giving-back")]
    doc = run(policy(tmp_path, body), records, "2024-06-30")
    # g counts 4 (the cap), 2 of them needed (8 + 2 = 10): 2 carry, the 4 over the cap do not
    assert period(doc, 1)["carried_out"] == [{"record": "g", "credits": "2", "to_period": 2}]
    assert {r["id"]: r["counted"] for r in period(doc, 1)["requirements"]} == {
        "total": "10",
        "giving-back": "2",
    }
    assert period(doc, 1)["credits"] == "10"
    assert {r["id"]: r["counted"] for r in period(doc, 2)["requirements"]} == {
        "total": "2",
        "giving-back": "2",
    }


def test_grace_records_that_cannot_complete_the_old_period_count_for_the_new_one(tmp_path):
    records = [credit("a", "2023-06-01", 5), credit("late1", "2024-02-10", 2)]
    doc = run(grace_policy(tmp_path), records, "2024-03-01")
    # 5 + 2 = 7 of 10: period 1 stays incomplete (in grace); late1 counts for period 2
    assert period(doc, 1)["applied"] == ["a"] and period(doc, 1)["status"] == "grace"
    assert (rec(doc, "late1")["disposition"], rec(doc, "late1")["period"]) == ("applied", 2)
    assert doc["status"]["code"] == "suspended"


def test_records_outside_a_validity_rule_never_carry(tmp_path):
    body = CARRY + "validity: 'record.kind != \"excluded\"'\n"
    records = [
        credit("a", "2022-03-01", 8),
        credit("e", "2022-04-01", 2, category="ethics"),
        credit("x", "2023-06-01", 4, kind="excluded"),
        credit("c", "2023-07-01", 3),
    ]
    doc = run(policy(tmp_path, body), records, "2024-06-30")
    # x is in the last year and unneeded, but not valid for the period: it never carries
    assert period(doc, 1)["carried_out"] == [{"record": "c", "credits": "3", "to_period": 2}]
    assert rec(doc, "x")["disposition"] == "not-valid"
