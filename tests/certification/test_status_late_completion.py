"""The holder's status on the day a period is completed late (issue 14, item 5): rolling
periods with a grace period. The next period starts the day after the completion; on
the completion day the status already gives the new dates, never a ``valid_until``
before the as-of date."""

from __future__ import annotations

import pytest

from tests.helpers import credit, evaluate_holder, period, policy_from_snippet

BODY = """\
periods:
  renewal:
    start: date(2021, 1, 1)
    length: 1 year
    layout: rolling
  grace: 90 days
allocation: {unused: discard}
requirements:
  - id: total
    min: 5
"""
HOLDER = {"id": "h", "designated_on": "2020-01-01"}
RECORDS = [credit("a", "2021-06-01", 2), credit("b", "2022-02-10", 3)]  # b completes it late


@pytest.mark.parametrize("as_of", ["2022-02-10", "2022-02-11"])
def test_certified_through_the_next_period_from_the_completion_day(tmp_path, as_of):
    doc, _ = evaluate_holder(policy_from_snippet(tmp_path, BODY), HOLDER, RECORDS, as_of)
    assert doc["status"]["code"] == "certified"
    assert doc["status"]["valid_until"] == "2023-02-10" >= as_of
    assert doc["status"]["period"] == 2
    first = period(doc, 1)
    assert (first["completed_on"], first["late"]) == ("2022-02-10", True)


def test_the_day_before_it_is_the_grace_period(tmp_path):
    doc, _ = evaluate_holder(policy_from_snippet(tmp_path, BODY), HOLDER, RECORDS, "2022-02-09")
    assert (doc["status"]["code"], doc["status"]["period"]) == ("grace", 1)
