"""Requirements real programs publish (issue 6, docs/requirements.md): category
minimums and caps, nested categories, per-year minimums, optimal allocation versus
first-fit, prorated and birth-month cycles. Dates and numbers are written out."""

from __future__ import annotations

import textwrap

import pytest

from policyengine.errors import PolicyError
from tests.helpers import credit, evaluate_holder, policy_from_snippet, rec

CALENDAR_3Y = """\
periods:
  renewal:
    start: date(year(holder.designated_on) + 1, 1, 1)
    length: 3 years
allocation: {order: ORDER, unused: discard, apply: APPLY}
"""


def policy(tmp_path, body, order="chronological", apply="all", name="p.yaml"):
    body = body.replace("ORDER", order).replace("APPLY", apply)
    return policy_from_snippet(tmp_path, body, name=name)


def run(pol, records, as_of, holder=None):
    holder = holder or {"id": "h-1", "name": "Holder", "designated_on": "2022-05-10"}
    return evaluate_holder(pol, holder, records, as_of)[0]


def reqs(doc, number=1):
    period = next(p for p in doc["periods"] if p["number"] == number)
    return {r["id"]: r for r in period["requirements"]}


CATEGORIES = (
    CALENDAR_3Y
    + """\
requirements:
  - id: total
    min: 6
  - id: tax
    label: Tax
    where: '"tax" in record.tags'
    min: 2
  - id: ethics
    label: Ethics
    where: '"ethics" in record.tags'
    min: 2
"""
)

# A (2 credits, 2023-02-01) is tagged both tax and ethics; B (2 credits, 2023-03-01) is
# tax only; C (2 credits, 2023-04-01) is neither. A holder meets everything only if A
# counts for ethics and B for tax.
ADVERSARIAL = [
    credit("A", "2023-02-01", 2, tags=["tax", "ethics"]),
    credit("B", "2023-03-01", 2, tags=["tax"]),
    credit("C", "2023-04-01", 2, tags=[]),
]


def test_first_fit_fails_a_holder_who_meets_every_requirement(tmp_path):
    doc = run(policy(tmp_path, CATEGORIES), ADVERSARIAL, "2026-01-10")
    r = reqs(doc)
    # first-fit: A fills tax (listed first), B's tax credits are surplus, ethics gets 0
    assert (r["tax"]["counted"], r["ethics"]["counted"], r["total"]["counted"]) == ("4", "0", "6")
    assert r["ethics"]["met"] is False
    assert doc["status"]["code"] == "expired"


def test_optimal_allocation_finds_the_assignment_and_explains_it(tmp_path):
    doc = run(policy(tmp_path, CATEGORIES, order="optimal"), ADVERSARIAL, "2026-01-10")
    r = reqs(doc)
    assert (r["tax"]["counted"], r["ethics"]["counted"], r["total"]["counted"]) == ("2", "2", "6")
    assert all(x["met"] for x in r.values())
    assert rec(doc, "A")["counted_toward"] == [{"requirement": "ethics", "credits": "2"}]
    assert rec(doc, "B")["counted_toward"] == [{"requirement": "tax", "credits": "2"}]
    assert rec(doc, "C")["counted_toward"] == [{"requirement": "total", "credits": "2"}]
    period = doc["periods"][0]
    assert (period["status"], period["completed_on"]) == ("complete", "2023-04-01")


def test_a_credit_counts_toward_one_sibling_category_only(tmp_path):
    # one 3-credit record tagged tax and ethics: 2 to one, 1 to the other, never 3 + 3
    doc = run(
        policy(tmp_path, CATEGORIES, order="optimal"),
        [credit("X", "2023-02-01", 3, tags=["tax", "ethics"])],
        "2023-12-31",
    )
    r = reqs(doc)
    assert Decimal_sum(r["tax"]["counted"], r["ethics"]["counted"]) == 3
    assert r["total"]["counted"] == "3"
    assert doc["renewal"]["missing"][0] == "total: needs 3 more credits (3 of 6) by 2025-12-31"


def Decimal_sum(*xs):
    from decimal import Decimal

    return sum(Decimal(x) for x in xs)


def test_missing_category_sentence_names_amount_and_date(tmp_path):
    records = [
        credit("T1", "2023-02-01", 5.5, tags=["tax"]),
        credit("E1", "2024-06-01", 0.5, tags=["ethics"]),
    ]
    doc = run(policy(tmp_path, CATEGORIES, order="optimal"), records, "2024-07-01")
    assert doc["renewal"]["missing"] == ["Ethics: needs 1.5 more credits (0.5 of 2) by 2025-12-31"]


PMI_LIKE = (
    CALENDAR_3Y
    + """\
requirements:
  - id: total
    min: 10
  - id: education
    where: record.kind == "education"
    min: 6
  - id: technical
    within: education
    where: '"technical" in record.tags'
    min: 2
  - id: giving-back
    where: record.kind == "giving-back"
    max: 4
"""
)


def test_nested_category_counts_for_its_parent_and_cap_limits_giving_back(tmp_path):
    records = [
        credit("E1", "2023-01-10", 2, kind="education", tags=["technical"]),
        credit("E2", "2023-02-10", 4, kind="education", tags=[]),
        credit("G1", "2023-03-10", 3, kind="giving-back"),
        credit("G2", "2023-04-10", 3, kind="giving-back"),
    ]
    for order in ("chronological", "optimal"):
        doc = run(policy(tmp_path, PMI_LIKE, order=order), records, "2023-12-31")
        r = reqs(doc)
        assert r["technical"]["counted"] == "2"
        assert r["education"]["counted"] == "6"  # 2 technical + 4 other education
        assert (r["giving-back"]["counted"], r["giving-back"]["cap"]) == ("4", "4")
        assert r["total"]["counted"] == "10"  # 6 + at most 4 giving back, not 12
        assert doc["periods"][0]["status"] == "complete"


def test_cap_chronological_budget_can_starve_a_category_optimal_does_not(tmp_path):
    body = CALENDAR_3Y + textwrap.dedent("""\
    requirements:
      - id: total
        min: 4
      - id: ethics
        where: record.category == "ethics"
        min: 2
      - id: self-study
        where: record.kind == "self-study"
        max: 2
    """)
    records = [
        credit("S1", "2023-01-10", 2, kind="self-study", category="tax"),
        credit("S2", "2023-02-10", 2, kind="self-study", category="ethics"),
        credit("L1", "2023-03-10", 2, kind="live", category="tax"),
    ]
    first = run(policy(tmp_path, body), records, "2023-12-31")
    assert reqs(first)["ethics"]["counted"] == "0"  # S1 used up the self-study cap
    best = run(policy(tmp_path, body, order="optimal"), records, "2023-12-31")
    assert (reqs(best)["ethics"]["counted"], reqs(best)["total"]["counted"]) == ("2", "4")
    assert best["periods"][0]["status"] == "complete"


def test_overlapping_caps_are_refused_in_optimal_mode_with_the_records_named(tmp_path):
    body = CALENDAR_3Y + textwrap.dedent("""\
    requirements:
      - id: total
        min: 4
      - id: self-study
        where: record.kind == "self-study"
        max: 2
      - id: tax
        where: record.category == "tax"
        max: 3
    """)
    records = [
        credit("S1", "2023-01-10", 2, kind="self-study", category="tax"),
        credit("S2", "2023-02-10", 2, kind="self-study", category="ethics"),
        credit("L1", "2023-03-10", 2, kind="live", category="tax"),
    ]
    with pytest.raises(PolicyError) as err:
        run(policy(tmp_path, body, order="optimal"), records, "2023-12-31")
    [d] = err.value.diagnostics
    assert "caps 'self-study' and 'tax' overlap" in d.message and "S1" in d.message
    assert d.location.line == 17


def test_until_complete_takes_the_shortest_prefix_and_leaves_the_rest(tmp_path):
    records = [
        credit("A", "2023-02-01", 2, tags=["tax", "ethics"]),
        credit("B", "2023-03-01", 2, tags=["tax"]),
        credit("C", "2023-04-01", 2, tags=[]),
        credit("D", "2023-05-01", 2, tags=[]),
    ]
    doc = run(
        policy(tmp_path, CATEGORIES, order="optimal", apply="until-complete"), records, "2023-12-31"
    )
    assert doc["periods"][0]["applied"] == ["A", "B", "C"]
    assert doc["periods"][0]["completed_on"] == "2023-04-01"
    assert rec(doc, "D")["disposition"] == "not-needed"


PER_YEAR = (
    CALENDAR_3Y
    + """\
requirements:
  - id: total
    label: CPE hours
    min: 12
    per_year: {min: 3, years: calendar}
  - id: ethics
    where: record.category == "ethics"
    min: 1
"""
)


def test_per_year_minimum_missed_in_one_year_while_the_total_is_met(tmp_path):
    records = [
        credit("Y1", "2023-03-01", 8, category="tax"),
        credit("Y2", "2024-03-01", 1, category="ethics"),
        credit("Y3", "2025-03-01", 3, category="tax"),
    ]
    for order in ("chronological", "optimal"):
        doc = run(policy(tmp_path, PER_YEAR, order=order), records, "2026-01-05")
        total = reqs(doc)["total"]
        assert total["counted"] == "12" and total["met"] is False
        assert [
            (y["year"], y["start"], y["end"], y["counted"], y["met"]) for y in total["per_year"]
        ] == [
            (1, "2023-01-01", "2023-12-31", "8", True),
            (2, "2024-01-01", "2024-12-31", "1", False),
            (3, "2025-01-01", "2025-12-31", "3", True),
        ]
        assert doc["status"] == {
            "code": "expired",
            "period": 1,
            "expired_since": "2026-01-01",
            "text": "expired since 2026-01-01: the renewal period 1 (2023-01-01 to 2025-12-31) "
            "is not complete",
        }
        assert doc["renewal"]["missing"] == [
            "CPE hours: was 2 credits short in year 2 (2024-01-01 to 2024-12-31: 1 of 3) "
            "when it ended 2024-12-31"
        ]


def test_per_year_years_counted_from_the_period_start(tmp_path):
    body = """\
    periods:
      renewal: {start: holder.designated_on, length: 2 years}
    allocation: {order: optimal, unused: discard, apply: all}
    requirements:
      - id: total
        min: 4
        per_year: {min: 2}
    """
    doc = run(
        policy(tmp_path, body),
        [credit("a", "2023-05-09", 2), credit("b", "2023-05-10", 2)],
        "2024-05-09",
        holder={"id": "h", "designated_on": "2022-05-10"},
    )
    years = reqs(doc)["total"]["per_year"]
    assert [(y["start"], y["end"], y["counted"]) for y in years] == [
        ("2022-05-10", "2023-05-09", "2"),
        ("2023-05-10", "2024-05-09", "2"),
    ]
    assert doc["periods"][0]["status"] == "complete"


def test_prorated_first_cycle_one_credit_per_month_or_part_month(tmp_path):
    body = """\
    periods:
      renewal:
        start: holder.designated_on
        end: 'if period.renewal_number == 1 then date(year(period.start), 12, 31) else
          date(year(period.start) + 1, 12, 31)'
    allocation: {unused: discard, apply: all}
    requirements:
      - id: total
        min: 'if period.renewal_number == 1 then months_spanned(period.start, period.end)
          else 24'
    """
    pol = policy(tmp_path, body)
    doc = run(pol, [], "2022-06-01", holder={"id": "h", "designated_on": "2022-05-10"})
    # 2022-05-10 to 2022-12-31 touches May..December: 8 months, 8 credits
    assert doc["periods"][0]["end"] == "2022-12-31"
    assert reqs(doc)["total"]["required"] == "8"
    doc = run(pol, [], "2023-06-01", holder={"id": "h", "designated_on": "2022-05-10"})
    assert (doc["periods"][1]["start"], doc["periods"][1]["end"]) == ("2023-01-01", "2024-12-31")
    assert reqs(doc, 2)["total"]["required"] == "24"


def test_birth_month_cycles_end_on_the_last_day_of_the_birth_month(tmp_path):
    body = """\
    periods:
      renewal:
        start: holder.designated_on
        end: end_of_month(date(year(period.start) + 2, month(holder.birth_date), 1))
    allocation: {unused: discard, apply: all}
    requirements:
      - id: total
        min: 30
    """
    pol = policy(tmp_path, body)
    holder = {"id": "h", "designated_on": "2022-03-15", "birth_date": "1990-02-14"}
    doc = run(pol, [], "2026-02-01", holder=holder)
    assert [(p["start"], p["end"]) for p in doc["periods"]] == [
        ("2022-03-15", "2024-02-29"),  # a leap year: February has 29 days
        ("2024-03-01", "2026-02-28"),
    ]


def test_optimal_keeps_records_needed_for_items_and_courses_only(tmp_path):
    body = CALENDAR_3Y + textwrap.dedent("""\
    requirements:
      - id: total
        min: 4
      - id: courses
        measure: items
        where: record.kind == "course"
        min: 2
      - id: first-aid
        where: 'record.kind == "course"'
        courses: [FA-1]
    """)
    records = [
        credit("W1", "2023-01-10", 4, kind="webinar"),
        credit("C1", "2023-02-10", 0, kind="course", course="SAFE-1"),
        credit("C2", "2023-03-10", 0, kind="course", course="FA-1"),
        credit("C3", "2023-04-10", 0, kind="course", course="SAFE-2"),
    ]
    doc = run(
        policy(tmp_path, body, order="optimal", apply="until-complete"), records, "2023-12-31"
    )
    # the credits come from W1; C1 and C2 carry no credits but the items count and the
    # required course need them; C3 is not needed
    assert doc["periods"][0]["applied"] == ["W1", "C1", "C2"]
    assert doc["periods"][0]["completed_on"] == "2023-03-10"
    assert rec(doc, "C3")["disposition"] == "not-needed"


def test_a_period_that_cannot_complete_shows_every_credit_it_has(tmp_path):
    # ethics is short whatever happens; every credit still counts for the total
    records = [
        credit("T1", "2023-01-10", 3, tags=["tax"]),
        credit("T2", "2023-02-10", 3, tags=["tax"]),
        credit("G", "2023-03-10", 2, tags=[]),
    ]
    doc = run(
        policy(tmp_path, CATEGORIES, order="optimal", apply="until-complete"), records, "2023-12-31"
    )
    assert doc["periods"][0]["applied"] == ["T1", "T2", "G"]
    r = reqs(doc)
    assert (r["total"]["counted"], r["tax"]["counted"], r["ethics"]["counted"]) == ("8", "6", "0")
    assert doc["renewal"]["missing"] == ["Ethics: needs 2 more credits (0 of 2) by 2025-12-31"]


def test_an_absurd_number_of_periods_is_an_error_not_a_silent_cap(tmp_path):
    body = """\
    periods:
      renewal: {start: 2000-01-01, length: 1 day}
    allocation: {unused: discard, apply: all}
    requirements: [{id: total, min: 0}]
    """
    with pytest.raises(PolicyError) as err:
        run(policy(tmp_path, body), [], "2010-01-01")
    [d] = err.value.diagnostics
    assert d.message == (
        "more than 500 periods would be laid out for holder h-1 up to "
        "2010-01-01 (the last starts 2001-05-14); evaluation stopped"
    )
    assert d.location.line == 7
