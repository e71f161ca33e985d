"""``evaluate``'s text output (certification/render.py): each requirement once, with what
it lacks and its deadline; credits only where the policy counts credits."""

from __future__ import annotations

from policyengine.certification.render import credits_text, evaluation_text
from tests.helpers import credit, evaluate_holder, policy_from_snippet

BODY = """\
periods:
  renewal:
    start: holder.designated_on
    length: 2 years
allocation: {apply: all, unused: discard}
requirements:
  - id: total
    label: CE credits
    min: 4
    per_year:
      years: period
      min: 2
"""
HOLDER = {"id": "h", "designated_on": "2025-01-01"}


def text(tmp_path, records, as_of):
    _doc, result = evaluate_holder(policy_from_snippet(tmp_path, BODY), HOLDER, records, as_of)
    return evaluation_text(result).splitlines()


def test_a_yearly_minimum_short_is_named_not_shown_as_missing_0(tmp_path):
    """4 of 4 credits, all in year 2: the total is there, year 1 is not ("missing 0" once)."""
    lines = text(tmp_path, [credit("a", "2026-03-01", 4)], "2026-06-01")
    assert lines[2] == (
        "  CE credits: 4 of 4 credits — the yearly minimum is not met in year 1 "
        "(needed by 2026-12-31)"
    )
    assert lines[3] == "    year 1 (2025-01-01 to 2025-12-31): 0 of 2 — missing 2"
    assert not [line for line in lines if "needs" in line]  # said once, not twice


def test_one_credit_is_singular_and_a_deadline_ahead_says_needed_by(tmp_path):
    lines = text(tmp_path, [credit("a", "2025-03-01", 1)], "2025-06-01")
    assert lines[2] == (
        "  CE credits: 1 of 4 credits — missing 3; the yearly minimum is not met in years 1, 2 "
        "(needed by 2026-12-31)"
    )
    assert (
        "  a (2025-03-01, 1 credit): applied to the renewal period 1 (2025-01-01 to 2026-12-31)"
        in lines
    )
    assert credits_text("1.0") == "1 credit" and credits_text("0") == "0 credits"


def test_a_period_line_gives_both_its_number_and_its_name(tmp_path):
    """JSON's status.period is the number over all kinds; the sentences name 'renewal
    period N'. The period list shows both, so the two can be matched."""
    lines = text(tmp_path, [credit("a", "2025-03-01", 1)], "2025-06-01")
    assert (
        "  1. renewal period 1, 2025-01-01 to 2026-12-31: in-progress; 1 applied, 1 credit" in lines
    )


def test_missing_sentences_speak_of_a_passed_deadline_in_the_past(tmp_path):
    """renewal.missing (JSON): "needs ... by" while the deadline is ahead; once it has
    passed, what the requirement lacked when it ended (issue 14, item 6)."""
    pol = policy_from_snippet(tmp_path, BODY)
    records = [credit("a", "2026-03-01", 1)]
    ahead, _ = evaluate_holder(pol, HOLDER, records, "2026-06-01")
    assert ahead["renewal"]["missing"] == [
        # each deadline on its own: year 1's has passed, the period's and year 2's are ahead
        "CE credits: needs 3 more credits (1 of 4) by 2026-12-31 and was 2 credits short in "
        "year 1 (2025-01-01 to 2025-12-31: 0 of 2) when it ended 2025-12-31 and needs 1 more "
        "credit in year 2 (2026-01-01 to 2026-12-31: 1 of 2) by 2026-12-31"
    ]
    passed, _ = evaluate_holder(pol, HOLDER, records, "2027-02-01")
    assert passed["status"]["code"] == "expired"
    assert passed["renewal"]["missing"] == [
        "CE credits: was 3 credits short (1 of 4) when it ended 2026-12-31 and was 2 credits "
        "short in year 1 (2025-01-01 to 2025-12-31: 0 of 2) when it ended 2025-12-31 and was "
        "1 credit short in year 2 (2026-01-01 to 2026-12-31: 1 of 2) when it ended 2026-12-31"
    ]
