"""Requirement lists that are not a tree, or that optimal allocation cannot solve, are
refused when the policy is loaded, at the offending key (docs/requirements.md)."""

from __future__ import annotations

import pytest

from policyengine.errors import PolicyError
from tests.helpers import policy_from_snippet

BASE = """format: 1
kind: certification
id: x
name: X
timezone: UTC
periods:
  renewal:
    start: 2020-01-01
    length: 3 years
"""


def load(tmp_path, extra):
    return policy_from_snippet(tmp_path, extra, head=BASE)


def problem(tmp_path, extra):
    with pytest.raises(PolicyError) as err:
        load(tmp_path, extra)
    [d] = err.value.diagnostics
    return d


def test_within_an_unknown_requirement_suggests_the_close_id(tmp_path):
    d = problem(
        tmp_path,
        """requirements:
  - {id: total, min: 10}
  - {id: education, where: 'record.kind == "education"', min: 5}
  - {id: technical, within: educaton, where: 'record.kind == "x"', min: 2}
""",
    )
    assert d.message == "'within: educaton' names no other requirement of this list"
    assert d.hint == "did you mean 'education'?"
    assert (d.location.line, d.location.col) == (13, 29)


def test_within_cycle_is_refused(tmp_path):
    with pytest.raises(PolicyError) as err:
        load(
            tmp_path,
            """requirements:
  - {id: a, within: b, where: 'true', min: 1}
  - {id: b, within: a, where: 'true', min: 1}
""",
        )
    assert [(d.location.line, "within itself" in d.message) for d in err.value.diagnostics] == [
        (11, True),
        (12, True),
    ]


def test_per_year_on_a_category_with_sub_categories_is_refused(tmp_path):
    d = problem(
        tmp_path,
        """requirements:
  - {id: total, min: 10}
  - {id: education, where: 'record.kind == "education"', min: 5, per_year: {min: 1}}
  - {id: technical, within: education, where: 'record.kind == "x"', min: 2}
""",
    )
    assert "per-year minimums on 'education'" in d.message
    assert d.location.line == 12


def test_per_year_total_with_caps_and_categories_is_refused_only_when_optimal(tmp_path):
    body = """requirements:
  - {id: total, min: 10, per_year: {min: 2}}
  - {id: ethics, where: 'record.category == "ethics"', min: 1}
  - {id: self-study, where: 'record.kind == "self-study"', max: 4}
"""
    load(tmp_path, "allocation: {order: chronological}\n" + body)
    d = problem(tmp_path, "allocation: {order: optimal}\n" + body)
    assert "not supported by optimal allocation" in d.message
    assert d.hint.startswith("use order: chronological")


def test_every_issue_6_key_is_accepted(tmp_path):
    pol = load(
        tmp_path,
        """  grace: 90 days
  window: 1 year
allocation: {order: optimal, unused: discard}
carry_over: {max: 'period.number * 5', where: 'record.credits > 0'}
statuses:
  - {id: suspended, label: Suspended, when: 'status == "grace" and not period.complete'}
requirements:
  - {id: total, min: 'months_spanned(period.start, period.end)', per_year: {min: 2, years: calendar, carried_may_count: false}}
  - {id: ethics, where: 'record.category == "ethics"', min: 1, carried_may_count: false}
""",
    )
    assert pol.carry_over is not None
    assert str(pol.rules["carry_over.max"].text) == "period.number * 5"


def test_status_rules_see_only_their_names(tmp_path):
    d = problem(
        tmp_path,
        """statuses:
  - {id: odd, when: 'record.credits > 0'}
requirements: [{id: total, min: 1}]
""",
    )
    assert "record" in d.message and d.location.line == 11


def test_carried_may_count_false_on_the_total_is_refused(tmp_path):
    d = problem(
        tmp_path,
        """allocation: {unused: discard}
carry_over: {max: 5}
requirements:
  - {id: total, min: 10, carried_may_count: false}
""",
    )
    assert d.message.startswith("carried credits always count toward the total")
    assert (d.location.line, d.location.col) == (13, 26)
