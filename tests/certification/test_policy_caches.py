"""What the engine keeps per policy (``requirements._FIXED``: each kind of period's
requirement list, and the tree, caps and minimums when they read only constants) is
shared by every holder's evaluation, changes no result, and does not keep a policy
alive once its caller drops it."""

from __future__ import annotations

import datetime as dt
import gc
import weakref

from policyengine import load_policy
from policyengine.certification import requirements as rq
from policyengine.certification.engine import evaluate
from policyengine.records.model import holder_from_document
from tests.helpers import POLICIES

AS_OF = dt.date(2025, 1, 1)


def _holder(policy, credits: str, earned: str):
    doc = {
        "holder": {"id": "h", "designated_on": "2020-01-01"},
        "records": [{"id": "r", "credits": credits, "earned_on": earned}],
    }
    return holder_from_document(doc, policy.tz)


def test_holders_share_the_requirement_list_and_their_results_stay_their_own() -> None:
    policy = load_policy(str(POLICIES / "werc-gms.yaml"))
    first = evaluate(policy, *_holder(policy, "20", "2021-01-01"), AS_OF).as_dict()
    other = evaluate(policy, *_holder(policy, "3", "2021-01-01"), AS_OF).as_dict()
    again = evaluate(policy, *_holder(policy, "20", "2021-01-01"), AS_OF).as_dict()
    assert first == again and first != other
    fixed = rq._FIXED[policy]["renewal"]
    assert fixed.template is not None and fixed.built is not None
    # the template holds no record a run has seen
    assert fixed.template._cache == {} and fixed.template._prepared == {}


def test_a_dropped_policy_is_not_kept_alive_by_the_engine() -> None:
    for name in ("werc-gms", "pmi-pmp"):
        policy = load_policy(str(POLICIES / f"{name}.yaml"))
        evaluate(policy, *_holder(policy, "3", "2021-01-01"), AS_OF)
        assert policy in rq._FIXED
        ref = weakref.ref(policy)
        del policy
        gc.collect()
        assert ref() is None, name
