"""``evaluate(..., record_outcomes=False)`` (what ``batch`` does without ``--explain``):
the same status, periods and requirement results as a full evaluation, no records."""

from __future__ import annotations

import datetime as dt

import pytest

from policyengine import load_holder, load_policy
from policyengine.certification.engine import evaluate
from tests.helpers import POLICIES

HOLDERS = {
    "werc-crp-seed-examples.yaml": "werc-crp.yaml",
    "werc-crp-second-cycle.yaml": "werc-crp.yaml",
    "werc-gms-seed-examples.yaml": "werc-gms.yaml",
    "safety-seed-expired.yaml": "safety-certification.yaml",
    "cpa-uaa-licensed-2018.yaml": "cpa-uaa.yaml",
}


@pytest.mark.parametrize("holder_file", sorted(HOLDERS))
@pytest.mark.parametrize("as_of", ["2013-03-01", "2023-06-15", "2025-09-01", "2026-12-01"])
def test_the_holder_results_are_those_of_a_full_evaluation(holder_file, as_of):
    policy = load_policy(str(POLICIES / HOLDERS[holder_file]))
    holder, records = load_holder(str(POLICIES / "holders" / holder_file), policy)
    day = dt.date.fromisoformat(as_of)
    full = evaluate(policy, holder, records, day).as_dict()
    lean = evaluate(policy, holder, records, day, record_outcomes=False).as_dict()
    assert lean["records"] == [] and full["records"]
    assert {k: v for k, v in lean.items() if k != "records"} == {
        k: v for k, v in full.items() if k != "records"
    }
