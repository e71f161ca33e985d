"""Look-back windows that overlap (issue 14, item 8): "120 hours in the rolling
three-year period ending on each annual renewal date, at least 20 in each year". With
``periods.look_back`` each period is measured over the records of its window, which
reaches over earlier periods; a record counts in every period whose window holds it."""

from __future__ import annotations

import pytest

from policyengine.errors import PolicyError
from tests.helpers import evaluate_holder, period, policy_from_snippet, rec

BODY = """\
periods:
  renewal:
    start: date(2022, 1, 1)
    length: 1 year
  look_back: 3 years
allocation: {unused: discard, apply: all}
requirements:
  - id: total
    min: 12
    per_year: {min: 2, years: calendar}
"""
RECORDS = [
    {"id": "y2020", "earned_on": "2020-06-01", "credits": 4},
    {"id": "y2021", "earned_on": "2021-06-01", "credits": 4},
    {"id": "y2022", "earned_on": "2022-06-01", "credits": 4},
    {"id": "y2023", "earned_on": "2023-06-01", "credits": 1},
    {"id": "y2024", "earned_on": "2024-06-01", "credits": 7},
]


def total(doc: dict, number: int) -> dict:
    return next(r for r in period(doc, number)["requirements"] if r["id"] == "total")


def test_each_annual_period_counts_the_three_years_ending_on_it(tmp_path):
    pol = policy_from_snippet(tmp_path, BODY)
    doc, _ = evaluate_holder(pol, {"id": "h"}, RECORDS, "2024-12-31")
    # 2022: 2020-2022 -> 4 + 4 + 4 = 12, every year at least 2
    first = period(doc, 1)
    assert (first["window_start"], first["status"], first["completed_on"]) == (
        "2020-01-01",
        "complete",
        "2022-06-01",
    )
    assert total(doc, 1)["counted"] == "12"
    assert [y["start"] for y in total(doc, 1)["per_year"]] == [
        "2020-01-01",
        "2021-01-01",
        "2022-01-01",
    ]
    # 2023: 2021-2023 -> 4 + 4 + 1 = 9 of 12, and 2023 has 1 of 2
    second = total(doc, 2)
    assert (second["counted"], second["met"]) == ("9", False)
    assert [y["met"] for y in second["per_year"]] == [True, True, False]
    assert period(doc, 2)["status"] == "expired"
    # 2024: 2022-2024 -> 4 + 1 + 7 = 12, but 2023 still has 1 of 2
    third = total(doc, 3)
    assert (third["counted"], third["met"]) == ("12", False)
    # a record counts in every window that holds it; `period` is the first
    assert (rec(doc, "y2020")["period"], rec(doc, "y2020").get("also_applied_to")) == (1, None)
    assert (rec(doc, "y2021")["period"], rec(doc, "y2021")["also_applied_to"]) == (1, [2])
    assert (rec(doc, "y2022")["period"], rec(doc, "y2022")["also_applied_to"]) == (1, [2, 3])
    assert rec(doc, "y2022")["explanation"].endswith(
        "it also counts for the renewal period 2 (2023-01-01 to 2023-12-31) and the renewal "
        "period 3 (2024-01-01 to 2024-12-31), whose look-back windows hold it"
    )
    assert rec(doc, "y2024")["period"] == 3


def test_a_later_window_can_be_met_again_after_a_miss(tmp_path):
    pol = policy_from_snippet(tmp_path, BODY)
    records = [*RECORDS, {"id": "extra-2023", "earned_on": "2023-09-01", "credits": 3}]
    doc, _ = evaluate_holder(pol, {"id": "h"}, records, "2024-12-31")
    assert (total(doc, 2)["counted"], total(doc, 2)["met"]) == ("12", True)
    assert (total(doc, 3)["counted"], total(doc, 3)["met"]) == ("15", True)
    assert doc["status"]["code"] == "certified"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("  look_back: 3 years\n", "  look_back: 3 years\n  window: 6 months\n"),
        ("allocation: {unused: discard, apply: all}\n", "allocation: {apply: all}\n"),
        ("allocation:", "carry_over: {max: 5}\nallocation:"),
    ],
)
def test_what_a_look_back_window_does_not_go_with_is_refused(tmp_path, change, message):
    with pytest.raises(PolicyError) as err:
        policy_from_snippet(tmp_path, BODY.replace(change, message))
    texts = [d.message for d in err.value.diagnostics]
    assert any(
        t
        in (
            "'look_back' and 'window' both say which records a period counts; give one",
            "a look-back window needs allocation.unused: discard",
            "carry_over does not go with a look-back window",
        )
        for t in texts
    ), texts
