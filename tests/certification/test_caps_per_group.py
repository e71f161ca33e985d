"""Caps per group of records (issue 14, item 9): "at most 8 hours counted per calendar
day", per course, per provider — a requirement's ``max`` with ``per: <expression over
the record>`` caps each group of records with one value of it, before the period's
totals, in both allocation orders."""

from __future__ import annotations

import pytest

from policyengine.errors import PolicyError
from tests.helpers import evaluate_holder, period, policy_from_snippet, rec

BODY = """\
periods:
  renewal: {{start: "date(2024, 1, 1)", length: 1 year}}
allocation: {{order: {order}, unused: discard, apply: all}}
requirements:
  - id: total
    min: 20
  - id: ethics
    where: '"ethics" in record.tags'
    min: 4
  - id: daily
    label: At most 8 hours a day
    max: 8
    per: record.earned_on
"""


def requirement(doc: dict, rid: str, number: int = 1) -> dict:
    return next(r for r in period(doc, number)["requirements"] if r["id"] == rid)


@pytest.mark.parametrize("order", ["chronological", "optimal"])
def test_at_most_8_hours_count_per_calendar_day(tmp_path, order):
    pol = policy_from_snippet(tmp_path, BODY.format(order=order))
    records = [
        {"id": "a", "earned_on": "2024-03-01", "credits": 6},
        {"id": "b", "earned_on": "2024-03-01", "credits": 5},  # 2 of 5 fit the day's 8
        {"id": "c", "earned_on": "2024-03-02", "credits": 4, "tags": ["ethics"]},
        {"id": "d", "earned_on": "2024-04-10", "credits": 9},  # 8 of 9
    ]
    doc, _ = evaluate_holder(pol, {"id": "h"}, records, "2024-06-01")
    total = requirement(doc, "total")
    # 8 + 4 + 8 = 20
    assert (total["counted"], total["met"]) == ("20", True)
    daily = requirement(doc, "daily")
    assert daily["cap"] == "8" and daily["cap_per"] == "record.earned_on"
    assert daily["capped_groups"] == [
        {"group": "2024-03-01", "counted": "8"},
        {"group": "2024-04-10", "counted": "8"},
    ]
    assert daily["counted"] == "20"
    assert period(doc, 1)["completed_on"] == "2024-04-10"
    assert rec(doc, "b")["counted_toward"] == [{"requirement": "daily", "credits": "2"}]


def test_optimal_chooses_which_credits_of_a_capped_day_count(tmp_path):
    """A day with 6 general and 4 ethics hours, 8 count: chronological takes the general
    hours first and leaves ethics 2 short; optimal counts all 4 ethics hours."""
    records = [
        {"id": "general", "earned_on": "2024-03-01", "credits": 6},
        {"id": "ethics", "earned_on": "2024-03-01", "credits": 4, "tags": ["ethics"]},
        {"id": "more", "earned_on": "2024-05-01", "credits": 8},
        {"id": "last", "earned_on": "2024-06-01", "credits": 4},
    ]
    first_fit = policy_from_snippet(tmp_path, BODY.format(order="chronological"), name="c.yaml")
    doc, _ = evaluate_holder(first_fit, {"id": "h"}, records, "2024-12-31")
    assert requirement(doc, "ethics")["counted"] == "2"
    assert requirement(doc, "total")["counted"] == "20"
    assert period(doc, 1)["status"] != "complete"
    best = policy_from_snippet(tmp_path, BODY.format(order="optimal"), name="o.yaml")
    doc, _ = evaluate_holder(best, {"id": "h"}, records, "2024-12-31")
    assert requirement(doc, "ethics")["counted"] == "4"
    assert (requirement(doc, "total")["counted"], period(doc, 1)["status"]) == ("20", "complete")


def test_a_cap_per_course_within_a_category(tmp_path):
    """'at most 3 credits per course' for webinars: a webinar repeated counts once."""
    pol = policy_from_snippet(
        tmp_path,
        """\
        periods:
          renewal: {start: "date(2024, 1, 1)", length: 1 year}
        allocation: {unused: discard, apply: all}
        requirements:
          - id: total
            min: 10
          - id: webinars
            where: record.kind == "webinar"
            max: 3
            per: record.course
        """,
    )
    records = [
        {"id": "w1", "earned_on": "2024-02-01", "credits": 2, "kind": "webinar", "course": "W"},
        {"id": "w2", "earned_on": "2024-03-01", "credits": 2, "kind": "webinar", "course": "W"},
        {"id": "x1", "earned_on": "2024-03-05", "credits": 3, "kind": "webinar", "course": "X"},
        {"id": "k", "earned_on": "2024-04-01", "credits": 2, "kind": "course", "course": "W"},
    ]
    doc, _ = evaluate_holder(pol, {"id": "h"}, records, "2024-06-01")
    # W: 2 + 1 (cap 3), X: 3 (at the cap), the course is no webinar: 2 -> 8
    assert requirement(doc, "total")["counted"] == "8"
    assert requirement(doc, "webinars")["capped_groups"] == [
        {"group": "W", "counted": "3"},
        {"group": "X", "counted": "3"},
    ]


def test_per_without_a_cap_is_refused_at_its_key(tmp_path):
    with pytest.raises(PolicyError) as err:
        policy_from_snippet(
            tmp_path,
            """\
            periods:
              renewal: {start: "date(2024, 1, 1)", length: 1 year}
            requirements:
              - id: total
                min: 10
                per: record.earned_on
            """,
        )
    (d,) = err.value.diagnostics
    assert d.message == "'per' makes a cap per group, and this requirement has no cap"
    assert (d.location.line, d.location.col) == (11, 5)


def test_a_cap_per_group_with_no_where_is_not_the_total(tmp_path):
    """Listed first, a cap for every record does not take the total's place."""
    body = BODY.format(order="chronological")
    body = body.replace(
        "requirements:\n",
        "requirements:\n  - id: first-cap\n    max: 100\n    per: record.provider\n",
    )
    pol = policy_from_snippet(tmp_path, body)
    doc, _ = evaluate_holder(
        pol, {"id": "h"}, [{"id": "a", "earned_on": "2024-03-01", "credits": 20}], "2024-06-01"
    )
    assert requirement(doc, "total")["counted"] == "8"
    assert rec(doc, "a")["counted_toward"] == [{"requirement": "daily", "credits": "8"}]


# -- the same as one cap per group, written out --------------------------------------
DAYS = ("2024-03-01", "2024-03-02", "2024-03-03")
GROUPED = """\
  - id: daily
    max: 5
    per: record.earned_on
"""
WRITTEN_OUT = "".join(
    f"  - id: day-{n}\n    where: record.earned_on == {day}\n    max: 5\n"
    for n, day in enumerate(DAYS)
)
SIMPLE = """\
periods:
  renewal: {{start: "date(2024, 1, 1)", length: 1 year}}
allocation: {{order: {order}, unused: discard, apply: all}}
requirements:
  - id: total
    min: 12
  - id: ethics
    where: '"ethics" in record.tags'
    min: 3
"""


@pytest.mark.parametrize("order", ["chronological", "optimal"])
def test_a_cap_per_day_counts_as_one_cap_per_day_written_out(tmp_path, order):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    grouped = policy_from_snippet(tmp_path, SIMPLE.format(order=order) + GROUPED, name="g.yaml")
    written = policy_from_snippet(tmp_path, SIMPLE.format(order=order) + WRITTEN_OUT, name="w.yaml")
    record = st.tuples(st.sampled_from(DAYS), st.integers(0, 6), st.booleans())

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(record, max_size=6))
    def check(drawn):
        records = [
            {"id": f"r{i}", "earned_on": day, "credits": c, "tags": ["ethics"] if e else []}
            for i, (day, c, e) in enumerate(drawn)
        ]
        a, _ = evaluate_holder(grouped, {"id": "h"}, records, "2024-12-31")
        b, _ = evaluate_holder(written, {"id": "h"}, records, "2024-12-31")
        for rid in ("total", "ethics"):
            assert requirement(a, rid) == requirement(b, rid)
        assert a["status"] == b["status"]
        for r in records:
            got = {t["credits"] for t in rec(a, r["id"]).get("counted_toward", [])}
            want = {t["credits"] for t in rec(b, r["id"]).get("counted_toward", [])}
            assert got == want, r

    check()


def test_the_text_output_names_the_groups_that_reached_the_cap(tmp_path):
    from policyengine.certification.render import evaluation_text

    pol = policy_from_snippet(tmp_path, BODY.format(order="chronological"))
    records = [
        {"id": "a", "earned_on": "2024-03-01", "credits": 6},
        {"id": "b", "earned_on": "2024-03-01", "credits": 5},
    ]
    _, result = evaluate_holder(pol, {"id": "h"}, records, "2024-06-01")
    text = evaluation_text(result)
    assert "  At most 8 hours a day: 8 credits\n" in text
    assert "    at most 8 per record.earned_on — reached by 2024-03-01: 8\n" in text


def test_an_untaken_record_in_a_new_group_carries_over_within_its_cap(tmp_path):
    """until-complete: the 2021-12-01 record is not needed; its day has no applied
    record, so the day's cap is untouched and 5 credits carry over (at most 8 would)."""
    pol = policy_from_snippet(
        tmp_path,
        """\
        periods:
          renewal: {start: "date(2021, 1, 1)", length: 1 year}
        allocation: {unused: discard}
        carry_over: {max: 10}
        requirements:
          - id: total
            min: 8
          - id: daily
            max: 8
            per: record.earned_on
        """,
    )
    records = [
        {"id": "a", "earned_on": "2021-03-01", "credits": 8},
        {"id": "b", "earned_on": "2021-12-01", "credits": 5},
        {"id": "c", "earned_on": "2021-12-02", "credits": 12},
    ]
    doc, _ = evaluate_holder(pol, {"id": "h"}, records, "2022-06-01")
    # b: 5 (under its day's 8); c: 8 of 12 (its day's cap), but only 5 fit under max 10
    assert period(doc, 2)["carried_in"] == [
        {"record": "b", "credits": "5", "from_period": 1},
        {"record": "c", "credits": "5", "from_period": 1},
    ]
