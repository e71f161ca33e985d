"""Dates computed past the calendar's ends (year 9999) while laying out periods are a
diagnostic at the policy value that computed them, never a ``FunctionError`` or an
``OverflowError`` traceback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from policyengine.errors import PolicyError
from tests.helpers import evaluate_holder, policy_from_snippet

RENEWAL = """\
periods:
  renewal:
    start: holder.designated_on
    length: 3 years
{extra}
requirements:
  - id: total
    min: 1
"""


def _fail(tmp_path: Path, extra: str, designated: str, as_of: str) -> PolicyError:
    policy = policy_from_snippet(tmp_path, RENEWAL.format(extra=extra))
    holder = {"id": "m-1", "name": "X", "designated_on": designated}
    with pytest.raises(PolicyError) as err:
        evaluate_holder(policy, holder, [], as_of)
    return err.value


def test_a_period_length_past_year_9999(tmp_path: Path) -> None:
    err = _fail(tmp_path, "", "9999-08-01", "9999-12-31")
    (diag,) = err.diagnostics
    assert diag.message == (
        "date out of range: 9999-08-01 + 3 years is after 9999-12-31, the last date "
        "policyengine computes with"
    )
    assert diag.location is not None
    assert (diag.location.file, diag.location.line, diag.location.col) == (
        str(tmp_path / "p.yaml"),
        9,
        13,
    )
    assert diag.hint and "check the dates it was computed from" in diag.hint


def test_a_grace_period_past_year_9999(tmp_path: Path) -> None:
    err = _fail(tmp_path, "  grace: 90 days", "9996-12-31", "9999-12-31")
    (diag,) = err.diagnostics
    assert diag.message.startswith("date out of range: 9999-12-30 + 90 days is after 9999-12-31")
    assert diag.location is not None and (diag.location.line, diag.location.col) == (10, 10)


def test_in_range_layouts_are_unchanged(tmp_path: Path) -> None:
    policy = policy_from_snippet(tmp_path, RENEWAL.format(extra=""))
    doc, _ = evaluate_holder(policy, {"id": "m-1", "designated_on": "9990-01-01"}, [], "9995-06-01")
    assert doc["periods"][0]["end"] == "9992-12-31"
    assert dt.date.fromisoformat(doc["periods"][-1]["end"]) <= dt.date(9999, 12, 31)


def test_a_date_computed_past_9999_in_an_expression(tmp_path: Path) -> None:
    """Inside an expression the error points at the operator, in the policy file."""
    body = RENEWAL.format(extra="").replace(
        "start: holder.designated_on", "start: holder.designated_on + 1 year"
    )
    policy = policy_from_snippet(tmp_path, body)
    with pytest.raises(PolicyError) as err:
        evaluate_holder(policy, {"id": "m-1", "designated_on": "9999-06-01"}, [], "9999-12-31")
    (diag,) = err.value.diagnostics
    assert diag.message == (
        "date out of range: 9999-06-01 + 1 year is after 9999-12-31, the last date "
        "policyengine computes with"
    )
    assert diag.location is not None and (diag.location.line, diag.location.col) == (8, 12)
    assert diag.source_line == "    start: holder.designated_on + 1 year"


END_ON_THE_LAST_DAY = """\
periods:
  renewal:
    start: holder.designated_on
    end: holder.designated_on + 10 days
    layout: {layout}
{extra}
requirements:
  - id: total
    min: 1
"""


@pytest.mark.parametrize(
    ("layout", "extra", "records"),
    [
        ("back-to-back", "  window: 1 year", []),
        ("rolling", "", [{"id": "r1", "earned_on": "9999-12-31", "credits": 1}]),
    ],
)
def test_a_period_ending_on_the_last_day(
    tmp_path: Path, layout: str, extra: str, records: list[dict[str, object]]
) -> None:
    """The day after 9999-12-31 (a window's start, or the next rolling period after a
    completion on the last day) is a diagnostic at the period's rules."""
    text = END_ON_THE_LAST_DAY.format(layout=layout, extra=extra)
    policy = policy_from_snippet(tmp_path, text)
    holder = {"id": "m-1", "designated_on": "9999-12-21"}
    with pytest.raises(PolicyError) as err:
        evaluate_holder(policy, holder, records, "9999-12-31")
    (diag,) = err.value.diagnostics
    assert "the day after 9999-12-31" in diag.message, diag.message
    assert diag.location is not None and diag.location.file == str(tmp_path / "p.yaml")
