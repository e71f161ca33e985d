"""The incremental tally against a full measurement: the same answers, record by record.

Chronological allocation decides, for each record, "is the period complete?" and "does
this record bring it closer?". The tally (certification/tally.py) answers from state kept
between records; ``Requirements.measure`` answers by measuring the whole prefix again.
For random records under policies with nested categories, caps, per-year minimums (on
categories, on the total alone, on the total beside categories), item counts and
required courses, both must give the same progress and completeness after every record.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policyengine.certification.periods import Period
from policyengine.certification.requirements import Applied, Requirements, progress
from policyengine.certification.tally import Tally
from policyengine.records.model import Record
from tests.helpers import policy_from_snippet

PERIODS = """\
periods:
  renewal: {start: holder.designated_on, length: 3 years}
"""

POLICIES = {
    "nested categories and caps": PERIODS
    + """\
requirements:
  - {id: total, min: 12}
  - {id: a, where: '"a" in record.tags', min: 4}
  - {id: a1, where: '"a1" in record.tags', within: a, min: 2}
  - {id: b, where: '"b" in record.tags', min: 3}
  - {id: cap-b, where: '"b" in record.tags', max: 5}
  - {id: cap-c, where: 'record.kind == "c"', max_share: 0.25}
""",
    "per-year minimums on a category and the total": PERIODS
    + """\
requirements:
  - {id: total, min: 10, per_year: {min: 2, years: calendar}}
  - {id: a, where: '"a" in record.tags', min: 3, per_year: {min: 1}}
  - {id: b, where: '"b" in record.tags', min: 2}
""",
    "per-year minimums on the total alone": PERIODS
    + """\
requirements:
  - {id: total, min: 9, per_year: {min: 3}}
  - {id: cap, where: 'record.kind == "c"', max: 4}
""",
    "items and courses": PERIODS
    + """\
requirements:
  - {id: total, min: 6}
  - {id: count, measure: items, where: '"a" in record.tags', min: 2}
  - {id: core, where: 'record.kind == "c"', courses: [C1, C2]}
""",
    # the plain path (tally._add_plain): one total, nothing to share credits among
    "one total": PERIODS
    + """requirements:
  - {id: total, min: 7}
""",
    "one total and an item count": PERIODS
    + """requirements:
  - {id: total, min: 7}
  - {id: count, measure: items, min: 3}
  - {id: label, label: everything}
""",
}

START = dt.date(2021, 1, 1)


def records(draw: st.DrawFn) -> list[Record]:
    n = draw(st.integers(0, 14))
    out = []
    for i in range(n):
        day = START + dt.timedelta(days=draw(st.integers(0, 3 * 365 - 1)))
        credits = Decimal(draw(st.sampled_from(["0", "0.5", "1", "1.5", "2", "3", "5"])))
        tags = tuple(sorted(set(draw(st.lists(st.sampled_from(["a", "a1", "b"]), max_size=3)))))
        kind = draw(st.sampled_from(["c", "d"]))
        course = draw(st.sampled_from([None, "C1", "C2"]))
        fields = {
            "id": f"r{i}",
            "title": "",
            "kind": kind,
            "source": "",
            "category": "",
            "course": course or "",
            "provider": "",
            "registration": Decimal(1),
            "credits": credits,
            "minutes": Decimal(0),
            "tags": tags,
            "status": "approved",
        }
        out.append(Record(f"r{i}", day, day, credits, course=course, fields=fields, order=i))
    return out


HOLDER = {"id": "h", "name": "", "status": "", "designated_on": START}


def _period() -> Period:
    return Period(1, "renewal", 1, START, dt.date(2023, 12, 31), dt.date(2023, 12, 31), START)


def _in_order(recs: list[Record]) -> list[Applied]:
    """The records applied as earned, in the order a period takes them."""
    return [
        Applied(r, r.earned_on, r.credits or Decimal(0))
        for r in sorted(recs, key=lambda r: (r.earned_on, r.order))
    ]


@st.composite
def histories(draw: st.DrawFn) -> tuple[str, list[Record]]:
    return draw(st.sampled_from(sorted(POLICIES))), records(draw)


def fresh(reqs: Requirements) -> Requirements:
    """A new Requirements of the same policy. One serves one evaluation: it caches what a
    record matches by the record's key, date and credits, and the histories here reuse
    keys (r0, r1...) with other tags, so a shared one answered from another history's
    records (a rare, random failure)."""
    return Requirements(reqs.policy, "renewal")


@pytest.fixture(scope="module")
def requirement_sets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Requirements]:
    out = {}
    for name, body in POLICIES.items():
        folder: Path = tmp_path_factory.mktemp("tally")
        out[name] = Requirements(policy_from_snippet(folder, body), "renewal")
    return out


@settings(max_examples=200, deadline=None)
@given(history=histories())
def test_the_tally_answers_as_a_full_measurement_after_every_record(
    requirement_sets: dict[str, Requirements], history: tuple[str, list[Record]]
) -> None:
    name, recs = history
    reqs = fresh(requirement_sets[name])
    period, holder = _period(), HOLDER
    tally = Tally(reqs, period.values(), holder, period.number)
    applied: list[Applied] = []
    before = reqs.measure(applied, period.values(), holder, period.number)
    for r in sorted(recs, key=lambda r: (r.earned_on, r.order)):
        # every third record as if carried over from period 0
        a = Applied(r, r.earned_on, r.credits or Decimal(0), 0 if r.order % 3 == 2 else None)
        after = reqs.measure([*applied, a], period.values(), holder, period.number)
        helps = any(
            n > o for n, o in zip(progress(after.results), progress(before.results), strict=True)
        )
        assert tally.helps(a) == helps, (name, a.key)
        tally.add(a)
        applied.append(a)
        assert tally.complete() == after.feasible, (name, [x.key for x in applied])
        assert tally._progress(tally.state) == progress(after.results), name
        before = after
    whole = tally.measurement()  # what the output shows: the same as measuring again
    assert whole.results == before.results, name
    assert whole.assignment == before.assignment, name
    assert all(whole.toward(a.key) == before.toward(a.key) for a in applied), name


@settings(max_examples=100, deadline=None)
@given(history=histories())
def test_first_complete_and_add_all_give_what_adding_one_by_one_gives(
    requirement_sets: dict[str, Requirements], history: tuple[str, list[Record]]
) -> None:
    """``first_complete`` then ``add_all`` (how ``apply: all`` fills a period; one loop
    on the plain path) against ``measure`` of each prefix and of them all."""
    name, recs = history
    reqs = fresh(requirement_sets[name])
    period, holder = _period(), HOLDER
    applied = _in_order(recs)
    tally = Tally(reqs, period.values(), holder, period.number)
    n = tally.first_complete(applied)
    shortest = next(
        (
            k
            for k in range(len(applied) + 1)
            if reqs.measure(applied[:k], period.values(), holder).feasible
        ),
        None,
    )
    assert n == shortest, name
    tally.add_all(applied[len(applied) if n is None else n :])
    whole = tally.measurement()
    again = reqs.measure(applied, period.values(), holder)
    assert whole.results == again.results, name
    assert whole.assignment == again.assignment, name


def test_first_complete_is_the_shortest_complete_prefix(requirement_sets):
    reqs = fresh(requirement_sets["nested categories and caps"])
    period, holder = _period(), HOLDER

    def rec(i: int, tags: tuple[str, ...], credits: str) -> Applied:
        day = START + dt.timedelta(days=i)
        fields = {"id": f"r{i}", "kind": "d", "tags": tags, "credits": Decimal(credits)}
        return Applied(
            Record(f"r{i}", day, day, Decimal(credits), fields=fields, order=i),
            day,
            Decimal(credits),
        )

    # a 4 (of which a1 2), b 3, total 12: complete with the fifth record, not before
    candidates = [
        rec(0, ("a", "a1"), "2"),
        rec(1, ("a",), "2"),
        rec(2, ("b",), "3"),
        rec(3, (), "4"),
        rec(4, (), "1"),
        rec(5, (), "9"),
    ]
    tally = Tally(reqs, period.values(), holder, period.number)
    assert tally.first_complete(candidates) == 5
    assert reqs.measure(candidates[:5], period.values(), holder).feasible
    assert not reqs.measure(candidates[:4], period.values(), holder).feasible


@pytest.fixture(scope="module")
def optimal_sets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Requirements]:
    # optimal allocation needs nested caps: cap-bc lies inside cap-b
    nested = (
        PERIODS
        + """\
requirements:
  - {id: total, min: 12}
  - {id: a, where: '"a" in record.tags', min: 4}
  - {id: a1, where: '"a1" in record.tags', within: a, min: 2}
  - {id: b, where: '"b" in record.tags', min: 3}
  - {id: cap-b, where: '"b" in record.tags', max: 5}
  - {id: cap-bc, where: '"b" in record.tags and record.kind == "c"', max_share: 0.25}
"""
    )
    bodies = {
        "nested categories and caps": nested,
        "per-year minimums on the total alone": POLICIES["per-year minimums on the total alone"],
        "items and courses": POLICIES["items and courses"],
    }
    out = {}
    for name, body in bodies.items():
        folder: Path = tmp_path_factory.mktemp("optimal")
        out[name] = Requirements(
            policy_from_snippet(folder, "allocation: {order: optimal}\n" + body), "renewal"
        )
    return out


@settings(max_examples=150, deadline=None)
@given(history=histories())
def test_the_flow_alone_says_what_a_full_optimal_measurement_says(
    optimal_sets: dict[str, Requirements], history: tuple[str, list[Record]]
) -> None:
    """Optimal allocation's binary search asks only "is this prefix complete?": the
    maximum flow's answer must equal the full measurement's."""
    name, recs = history
    if name not in optimal_sets:
        return
    reqs = fresh(optimal_sets[name])
    period, holder = _period(), HOLDER
    applied = _in_order(recs)
    for n in range(len(applied) + 1):
        prefix = applied[:n]
        assert (
            reqs.feasible(prefix, period.values(), holder)
            == reqs.measure(prefix, period.values(), holder).feasible
        ), (name, n)


def test_a_plain_total_is_complete_when_it_reaches_the_minimum_exactly(requirement_sets):
    reqs = fresh(requirement_sets["one total"])  # min: 7
    period, holder = _period(), HOLDER
    applied = []
    for i, credits in enumerate(["3", "4.0", "2"]):
        day = START + dt.timedelta(days=i)
        record = Record(f"r{i}", day, day, Decimal(credits), fields={"id": f"r{i}"}, order=i)
        applied.append(Applied(record, day, Decimal(credits)))
    tally = Tally(reqs, period.values(), holder, period.number)
    assert tally.first_complete(applied) == 2
    tally.add_all(applied[2:])
    whole = tally.measurement()
    assert str(whole.results[0].counted) == "9.0"  # 3 + 4.0 + 2, exactly as written
    assert whole.results == reqs.measure(applied, period.values(), holder).results
