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


def test_the_renewal_sentences_are_built_only_when_the_renewal_is_read(monkeypatch):
    """``Evaluation.renewal`` (with its "missing" sentences) is worked out when read;
    ``batch`` without ``--explain`` reads the results it needs without it."""
    from policyengine.batch.summary import summary
    from policyengine.certification import requirement_result as rr
    from policyengine.certification.status import renewal_readiness

    policy = load_policy(str(POLICIES / "werc-gms.yaml"))
    holder, records = load_holder(str(POLICIES / "holders" / "werc-gms-seed-examples.yaml"), policy)
    day = dt.date(2023, 6, 15)
    made = []
    sentence = rr.RequirementResult.sentence

    def counted(self, *args):
        made.append(self.id)
        return sentence(self, *args)

    monkeypatch.setattr(rr.RequirementResult, "sentence", counted)
    ev = evaluate(policy, holder, records, day, record_outcomes=False)
    out = summary(ev, "h.yaml:1")
    assert made == [] and out["requirements"] and out["can_invoice"] is False
    renewal = ev.renewal
    assert renewal is not None and renewal["missing"] and made == ["total"]
    assert ev.renewal is renewal and made == ["total"]  # built once
    assert renewal == renewal_readiness(ev.current, ev.results, day)
    assert out["requirements"] == [
        {k: r[k] for k in ("id", "counted", "required", "missing", "met")}
        for r in renewal["requirements"]
    ]
