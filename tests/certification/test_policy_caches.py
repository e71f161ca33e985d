"""What the engine keeps per policy is shared by every holder's evaluation, changes no
result, and does not keep a policy alive once its caller drops it:
``requirements._FIXED`` (each kind of period's requirement list, and the tree, caps and
minimums when they read only constants) and the answers of rules that read only record
fields (``Requirements._wheres``, ``Run.counter``; never while an observer watches)."""

from __future__ import annotations

import datetime as dt
import gc
import weakref
from decimal import Decimal

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


# -- answers of rules that read only record fields, kept per policy ----------------

MEMO_POLICY = """\
periods:
  renewal: {start: holder.designated_on, length: 1 year}
records:
  counts_when: record.status == "approved"
constants:
  since: 2021-06-01
requirements:
  - {id: total, min: 4}
  - {id: ethics, where: '"ethics" in record.tags', min: 1}
  - {id: recent, where: record.earned_on >= const.since}
"""


def _doc(*records: dict) -> dict:
    return {"holder": {"id": "h", "designated_on": "2021-01-01"}, "records": list(records)}


def test_remembered_answers_are_those_of_the_rules(tmp_path) -> None:
    from tests.helpers import policy_from_snippet

    policy = policy_from_snippet(tmp_path, MEMO_POLICY)
    as_of = dt.date(2022, 6, 1)
    docs = [
        _doc({"id": "a", "credits": 2, "earned_on": "2021-03-01", "tags": ["ethics"]}),
        _doc({"id": "a", "credits": 2, "earned_on": "2021-07-01", "status": "pending"}),
        _doc(
            {"id": "a", "credits": 3, "earned_on": "2021-07-01", "tags": ["ethics", "x"]},
            {"id": "b", "credits": 1, "earned_on": "2021-05-31"},
        ),
    ]
    cold = [evaluate(policy, *holder_from_document(d, policy.tz), as_of).as_dict() for d in docs]
    # the same holders again, every answer now remembered, then in another order
    warm = [evaluate(policy, *holder_from_document(d, policy.tz), as_of).as_dict() for d in docs]
    back = [
        evaluate(policy, *holder_from_document(d, policy.tz), as_of).as_dict()
        for d in reversed(docs)
    ]
    assert cold == warm == back[::-1]
    fields = {
        "requirements": rq._FIXED[policy]["renewal"].template._answers.fields,
    }
    # `recent` reads earned_on: a date, the effective one
    assert fields["requirements"] == ("earned_on", "tags")
    assert [r["met"] for r in cold[2]["periods"][0]["requirements"]] == [True, True, True]
    assert cold[1]["periods"][0]["requirements"][0]["counted"] == "0"  # pending: no count


def test_which_rules_answer_from_record_fields_alone(tmp_path) -> None:
    from policyengine.policy.rule import record_fields_read
    from tests.helpers import policy_from_snippet

    body = (
        MEMO_POLICY
        + """\
  - {id: titled, where: 'matches(record.title, "^Ethics")'}
  - {id: any-tag, where: 'any(t in record.tags where t == "x")'}
  - {id: holders, where: holder.status == "active"}
  - {id: in-period, where: record.earned_on >= period.start}
"""
    )
    rules = policy_from_snippet(tmp_path, body).rules
    assert record_fields_read([rules["records.counts_when"]]) == ("status",)
    assert record_fields_read([rules["requirements.1.where"]]) == ("tags",)
    assert record_fields_read([rules["requirements.2.where"]]) == ("earned_on",)
    for path in (
        "requirements.3.where",
        "requirements.4.where",
        "requirements.5.where",
        "requirements.6.where",
    ):
        assert record_fields_read([rules[path]]) is None, path  # a call, a variable, others


def test_values_that_cannot_be_keys_or_are_equal_across_types_are_told_apart(tmp_path) -> None:
    from policyengine.certification.requirements import Applied, Requirements
    from policyengine.records.model import Record, record_key
    from tests.helpers import policy_from_snippet

    day = dt.date(2021, 1, 1)
    one = Record("a", day, day, None, fields={"level": 1})
    true = Record("b", day, day, None, fields={"level": True})
    assert record_key(one, ("level",)) != record_key(true, ("level",))
    assert record_key(one, ("missing",)) is None
    # tags as a list (a plugin's source may give one): no key, the rules run
    reqs = Requirements(policy_from_snippet(tmp_path, MEMO_POLICY), "renewal")
    scope = {"const": {"since": dt.date(2021, 6, 1)}, "holder": {}, "period": {}}
    for tags in (["ethics"], ("ethics",)):
        listed = Record("c", day, day, None, fields={"tags": tags})
        assert reqs._wheres(Applied(listed, day, Decimal(1)), scope) == (True, True, False)
    assert len(reqs._answers.known) == 1  # the tuple's answers only


def test_an_observer_sees_every_rule_run_even_when_its_answer_is_remembered(tmp_path) -> None:
    from policyengine.policy.rule import observing
    from tests.helpers import policy_from_snippet

    class Counter:
        def __init__(self) -> None:
            self.paths: list[str] = []

        def run(self, rule, values):
            self.paths.append(rule.path)
            return rule.compiled(values)

    policy = policy_from_snippet(tmp_path, MEMO_POLICY)
    doc = _doc({"id": "a", "credits": 2, "earned_on": "2021-03-01", "tags": ["ethics"]})
    holder, records = holder_from_document(doc, policy.tz)
    evaluate(policy, holder, records, dt.date(2022, 6, 1))  # every answer remembered now
    with observing(Counter()) as seen:
        evaluate(policy, holder, records, dt.date(2022, 6, 1))
    assert "records.counts_when" in seen.paths
    assert {"requirements.1.where", "requirements.2.where"} <= set(seen.paths)


def _pmi_doc(rng, i: int) -> dict:
    """A PMP holder with education (one or two of the three areas) and giving-back
    records, some capped as practitioner work, over two cycles."""
    start = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(0, 900))
    records = []
    for j in range(rng.randrange(5, 30)):
        if rng.random() < 0.7:
            areas = ["ways-of-working", "power-skills", "business-acumen"]
            kind = {"kind": "education", "tags": rng.sample(areas, rng.choice([1, 2]))}
        else:
            practice = ["working-as-practitioner", "volunteering"]
            kind = {"kind": "giving-back", "category": rng.choice(practice)}
        day = start + dt.timedelta(days=rng.randrange(0, 2000))
        records.append(
            {"id": f"r{j}", "earned_on": day.isoformat(), "credits": rng.randrange(1, 12), **kind}
        )
    return {"holder": {"id": f"h{i}", "designated_on": start.isoformat()}, "records": records}


def test_a_records_nodes_and_caps_kept_by_its_answers_are_those_worked_out() -> None:
    """``Requirements.prepared`` keeps a record's match, nodes and caps by its own
    `where` answers, for every holder (``_Fixed.by_row``): the same evaluations as
    working them out for each record."""
    import random

    kept, worked_out = (load_policy(str(POLICIES / "pmi-pmp.yaml")) for _ in range(2))
    rq.Requirements.for_run(worked_out, "renewal")
    rq._FIXED[worked_out]["renewal"].template._by_row = False
    rng = random.Random(7)
    docs = [_pmi_doc(rng, i) for i in range(60)]
    for as_of in (dt.date(2022, 6, 30), dt.date(2025, 12, 31)):
        for doc in docs:
            a = evaluate(kept, *holder_from_document(doc, kept.tz), as_of).as_dict()
            b = evaluate(worked_out, *holder_from_document(doc, kept.tz), as_of).as_dict()
            assert a == b
    assert len(rq._FIXED[kept]["renewal"].by_row) > 3
    assert rq._FIXED[worked_out]["renewal"].by_row == {}
