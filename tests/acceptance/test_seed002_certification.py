"""Seed 002 ("Credit Processing for Certification Periods") on policies/safety-certification.yaml.

The bundled policy: the initial period opens on the registration date and ends
December 31 of that year; items completed up to two years before registration are
valid for it. Renewal periods are calendar years starting January 1 after
certification; items completed within one year before the period start, or during the
period, are valid. Two approved course items complete a period. Options that must
change are written into variants of the policy under ``tmp_path``.
"""

from __future__ import annotations

import datetime as dt

import pytest

from policyengine import load_policy
from policyengine.certification.engine import evaluate
from policyengine.certification.render import evaluation_text
from policyengine.cli.output import dumps
from policyengine.records.model import load_holder
from tests.helpers import POLICIES, evaluate_holder, rec, write_variant

SAFETY = POLICIES / "safety-certification.yaml"
REGISTERED_2010 = {"id": "u-1", "name": "Robin Learner", "registered_on": "2010-03-01"}


@pytest.fixture(scope="module")
def safety():
    return load_policy(str(SAFETY))


def variant(tmp_path, *changes):
    """The bundled policy with (old, new) text replacements, written under tmp_path."""
    return load_policy(str(write_variant(tmp_path, SAFETY.name, *changes)))


def item(rid, earned_on, **extra):
    return {
        "id": rid,
        "kind": "course",
        "course": extra.pop("course", rid.upper()),
        "earned_on": earned_on,
        **extra,
    }


def run(policy, records, as_of, holder=REGISTERED_2010):
    return evaluate_holder(policy, holder, records, as_of)


def applied(doc):
    return [(p["number"], p["applied"]) for p in doc["periods"]]


def statuses(doc):
    return [
        (p["number"], p["start"], p["end"], p["status"], p["completed_on"]) for p in doc["periods"]
    ]


# "all available training items at the time the user registers ... are arranged in
# chronological order of their completion ... then applied in order to the initial period"


def test_chronological_application_at_registration(safety):
    doc, _ = run(
        safety,
        [item("c", "2009-12-01"), item("a", "2009-06-01"), item("b", "2010-01-15")],
        "2010-06-01",
    )
    assert applied(doc)[0] == (1, ["a", "c"])
    assert rec(doc, "b")["disposition"] == "not-needed"
    assert rec(doc, "b")["explanation"] == (
        "not needed: the initial period (2010-03-01 to 2010-12-31) was already complete; "
        "it stays available for later periods"
    )


# "the user will become automatically certified upon registration ... If this option is
# set to 'Certification Registration date,' then the ... certification completion date is
# set to their certification registration date"


def test_automatic_certification_at_registration_dated_registration(safety):
    doc, result = run(safety, [item("a", "2009-06-01"), item("c", "2009-12-01")], "2010-06-01")
    assert statuses(doc)[0] == (1, "2010-03-01", "2010-12-31", "complete", "2010-03-01")
    assert doc["status"] == {
        "code": "certified",
        "period": 1,
        "valid_from": "2010-03-01",
        "valid_until": "2010-12-31",
        "text": "certified since 2010-03-01 until 2010-12-31",
    }
    assert (
        "1. initial period, 2010-03-01 to 2010-12-31: complete, completed 2010-03-01"
        in evaluation_text(result)
    )


# "If this option is set to 'Last training item completion date,' then ... the date on
# which the last required training item was completed"


def test_automatic_certification_last_item_dated_last_applied_item(tmp_path):
    policy = variant(tmp_path, "certification_date: registration", "certification_date: last-item")
    doc, _ = run(
        policy,
        [item("a", "2009-06-01"), item("c", "2009-12-01"), item("surplus", "2010-02-01")],
        "2010-06-01",
    )
    assert statuses(doc)[0] == (1, "2010-03-01", "2010-12-31", "complete", "2009-12-01")
    assert doc["status"]["valid_from"] == "2009-12-01"


def test_last_item_option_when_predating_item_recorded_after_registration(tmp_path):
    policy = variant(tmp_path, "certification_date: registration", "certification_date: last-item")
    doc, _ = run(
        policy,
        [item("a", "2009-06-01"), item("c", "2010-01-05", recorded_on="2010-05-01")],
        "2010-06-01",
    )
    assert statuses(doc)[0] == (1, "2010-03-01", "2010-12-31", "complete", "2010-01-05")


def test_initial_period_completed_after_registration_dated_last_item_either_option(
    safety, tmp_path
):
    records = [item("a", "2009-06-01"), item("b", "2010-05-01")]
    doc, _ = run(safety, records, "2010-06-01")
    assert statuses(doc)[0][3:] == ("complete", "2010-05-01")
    policy = variant(tmp_path, "certification_date: registration", "certification_date: last-item")
    doc, _ = run(policy, records, "2010-06-01")
    assert statuses(doc)[0][3:] == ("complete", "2010-05-01")


# "If an item is not used because it does not meet a validity period, it continues to be
# evaluated for every future period to which it may be able to be applied."


def test_item_failing_period_validity_stays_available_for_later_period(safety):
    records = [
        item("a", "2009-06-01"),
        item("b", "2009-07-01"),  # initial period
        item("c", "2011-02-01"),  # only one for 2011
        item("next", "2012-03-01"),  # too late for 2011
        item("late", "2011-05-01", recorded_on="2012-06-01"),  # completes 2011
        item("d", "2012-04-01"),
    ]
    doc, _ = run(safety, records, "2012-05-01")
    assert rec(doc, "next")["disposition"] == "not-valid"
    assert rec(doc, "next")["explanation"] == (
        "completed 2012-03-01, after the validity window of the renewal period 1 (2011-01-01 "
        "to 2011-12-31): completed within 1 year before 2011-01-01 or by 2011-12-31; it stays "
        "available for later periods"
    )
    doc, _ = run(safety, records, "2012-07-01")
    assert applied(doc) == [(1, ["a", "b"]), (2, ["c", "late"]), (3, ["next", "d"]), (4, [])]
    assert rec(doc, "next")["disposition"] == "applied"
    assert statuses(doc)[1][3:] == ("complete", "2011-05-01")
    assert statuses(doc)[2][3:] == ("complete", "2012-04-01")


def test_item_too_old_for_initial_period_explained_with_period_and_rule(safety):
    doc, _ = run(safety, [item("old", "2008-02-29"), item("edge", "2008-03-01")], "2010-06-01")
    assert rec(doc, "old")["disposition"] == "not-valid"
    assert rec(doc, "old")["explanation"] == (
        "completed 2008-02-29, before the validity window of the initial period (2010-03-01 "
        "to 2010-12-31): completed between 2010-03-01 minus 2 years and 2010-12-31; it stays "
        "available for later periods"
    )
    assert rec(doc, "edge")["disposition"] == "applied"  # exactly start - 2 years


# "If an item could have applied to a previous period but was not used because there was
# sufficient training without it, then this item continues to be evaluated"; "If a
# renewal period begins and the user has already completed enough training ... the renewal
# period is automatically completed ... set to the period start date".


def test_item_not_needed_stays_available_and_renewal_completes_at_period_start(safety):
    records = [
        item("a", "2009-06-01"),
        item("b", "2009-07-01"),
        item("c", "2010-01-15"),
        item("d", "2010-02-20"),
    ]
    doc, _ = run(safety, records, "2011-01-01")
    assert applied(doc)[:2] == [(1, ["a", "b"]), (2, ["c", "d"])]
    assert statuses(doc)[1] == (2, "2011-01-01", "2011-12-31", "complete", "2011-01-01")
    assert (
        rec(doc, "c")["explanation"] == "applied to the renewal period 1 (2011-01-01 to 2011-12-31)"
    )
    doc, _ = run(safety, records, "2010-12-31")
    assert rec(doc, "c")["disposition"] == "not-needed"


def test_renewal_period_completed_during_period_dated_last_item(safety):
    records = [
        item("a", "2009-06-01"),
        item("b", "2009-07-01"),
        item("c", "2010-06-15"),
        item("d", "2011-09-09"),
    ]
    doc, _ = run(safety, records, "2011-12-01")
    assert statuses(doc)[1] == (2, "2011-01-01", "2011-12-31", "complete", "2011-09-09")
    doc, _ = run(safety, records, "2011-09-08")
    assert statuses(doc)[1] == (2, "2011-01-01", "2011-12-31", "in-progress", None)
    assert doc["renewal"]["missing"] == [
        "Safety training items: needs 1 more item (1 of 2) by 2011-12-31"
    ]


# "Users remain in a renewal period until they complete all requirements ... if it is
# 2013, the initial period is dated 2010, and the user only has enough items to complete
# all periods through 2011, then the user is in an Expired status for the 2012 period."


def test_holder_stays_in_period_until_complete_seed_example_expired_for_2012(safety):
    holder, records = load_holder(str(POLICIES / "holders/safety-seed-expired.yaml"), safety.tz)
    doc = evaluate(safety, holder, records, dt.date(2013, 3, 1)).as_dict()
    assert statuses(doc) == [
        (1, "2010-03-01", "2010-12-31", "complete", "2010-03-01"),
        (2, "2011-01-01", "2011-12-31", "complete", "2011-04-04"),
        (3, "2012-01-01", "2012-12-31", "expired", None),
    ]
    assert applied(doc) == [
        (1, ["fire-2009", "ladder-2010"]),
        (2, ["lift-2010", "chem-2011"]),
        (3, ["ppe-2012"]),
    ]
    assert doc["status"] == {
        "code": "expired",
        "period": 3,
        "expired_since": "2013-01-01",
        "text": "expired since 2013-01-01: the renewal period 2 (2012-01-01 to 2012-12-31) "
        "is not complete",
    }
    assert doc["renewal"]["can_invoice"] is False


def test_holder_stuck_in_2012_gets_no_2013_period_even_with_2013_items(safety):
    records = [
        item("a", "2009-06-01"),
        item("b", "2009-07-01"),
        item("c", "2010-06-01"),
        item("d", "2011-02-01"),
        item("e", "2013-01-10"),
        item("f", "2013-02-10"),
    ]
    doc, _ = run(safety, records, "2013-03-01")
    assert [p["number"] for p in doc["periods"]] == [1, 2, 3]
    assert statuses(doc)[2][3] == "expired"
    assert rec(doc, "e")["disposition"] == "not-valid"
    assert (
        "after the validity window of the renewal period 2 (2012-01-01 to 2012-12-31)"
        in rec(doc, "e")["explanation"]
    )


# "If completed training items are applied ... after they register ... the application
# of these training items begins with their current period. Any items that had been
# previously applied to earlier periods remain credited for those periods".


def test_items_recorded_later_applied_from_current_period_earlier_applications_stay(safety):
    records = [
        item("x", "2009-05-01"),
        item("a", "2009-06-01"),
        item("c", "2011-02-01"),
        item("d", "2011-03-01"),
        item("e", "2012-02-01"),
        item("older", "2009-01-01", recorded_on="2012-03-01"),
        item("late", "2011-06-01", recorded_on="2012-03-01"),
    ]
    doc, _ = run(safety, records, "2012-06-01")
    assert applied(doc)[:3] == [(1, ["x", "a"]), (2, ["c", "d"]), (3, ["e", "late"])]
    assert rec(doc, "late")["period"] == 3
    assert rec(doc, "older")["disposition"] == "not-valid"
    assert (
        "before the validity window of the renewal period 2 (2012-01-01 to 2012-12-31)"
        in rec(doc, "older")["explanation"]
    )
    assert statuses(doc)[2][3:] == ("complete", "2012-02-01")


def test_item_recorded_while_stuck_in_expired_period_completes_it(safety):
    records = [
        item("a", "2009-06-01"),
        item("b", "2009-07-01"),
        item("c", "2011-02-01"),
        item("late", "2011-11-11", recorded_on="2012-02-15"),
    ]
    doc, _ = run(safety, records, "2012-02-01")
    assert doc["status"]["code"] == "expired"
    assert rec(doc, "late")["disposition"] == "not-yet-recorded"
    doc, _ = run(safety, records, "2012-02-15")
    assert applied(doc)[1] == (2, ["c", "late"])
    assert statuses(doc)[1][3:] == ("complete", "2011-11-11")
    assert statuses(doc)[2] == (3, "2012-01-01", "2012-12-31", "in-progress", None)
    assert doc["status"]["code"] == "certified"


# "Only the current registration number for any training item will be credited for any
# given period" (option current_registration_only).


def test_current_registration_only_retake_supersedes_registration_1(safety):
    records = [
        item("a1", "2009-11-02", course="A", registration=1),
        item("b", "2009-12-01"),
        item("a2", "2010-02-01", course="A", registration=2),
    ]
    doc, _ = run(safety, records, "2010-06-01")
    assert applied(doc)[0] == (1, ["b", "a2"])
    assert rec(doc, "a1")["disposition"] == "superseded-registration"
    assert rec(doc, "a1")["explanation"] == (
        "registration 1 of course A: only the current registration of a training item is credited"
    )


def test_without_current_registration_only_both_registrations_credited(tmp_path):
    policy = variant(
        tmp_path, "current_registration_only: true", "current_registration_only: false"
    )
    records = [
        item("a1", "2009-11-02", course="A", registration=1),
        item("b", "2009-12-01"),
        item("a2", "2010-02-01", course="A", registration=2),
    ]
    doc, _ = run(policy, records, "2010-06-01")
    assert applied(doc)[0] == (1, ["a1", "b"])
    assert rec(doc, "a2")["disposition"] == "not-needed"


def test_retake_recorded_later_leaves_earlier_registration_credited(safety):
    records = [
        item("a1", "2009-11-02", course="A", registration=1),
        item("b", "2009-12-01"),
        item("a2", "2011-02-01", course="A", registration=2),
        item("c", "2011-03-01"),
    ]
    doc, _ = run(safety, records, "2011-06-01")
    assert applied(doc)[:2] == [(1, ["a1", "b"]), (2, ["a2", "c"])]


# --- edge cases (issue 3)


def test_edge_period_with_no_items_expires(safety):
    doc, result = run(safety, [item("a", "2009-06-01"), item("b", "2009-07-01")], "2012-02-01")
    assert statuses(doc)[1] == (2, "2011-01-01", "2011-12-31", "expired", None)
    assert doc["periods"][1]["applied"] == []
    assert doc["periods"][1]["credits"] == "0"
    assert doc["status"]["expired_since"] == "2012-01-01"
    assert doc["renewal"]["missing"] == [
        "Safety training items: was 2 items short (0 of 2) when it ended 2011-12-31"
    ]
    assert "  2. renewal period 1, 2011-01-01 to 2011-12-31: expired; 0 applied" in evaluation_text(
        result
    )


def test_edge_item_exactly_on_period_boundary(safety):
    records = [
        item("a", "2009-06-01"),
        item("end", "2010-12-31"),
        item("start", "2011-01-01"),
        item("s2", "2011-01-01"),
    ]
    doc, _ = run(safety, records, "2011-02-01")
    assert applied(doc)[:2] == [(1, ["a", "end"]), (2, ["start", "s2"])]
    assert statuses(doc)[0][3:] == ("complete", "2010-12-31")
    assert statuses(doc)[1][3:] == ("complete", "2011-01-01")


def test_edge_two_items_on_same_day_stable_input_order(safety):
    records = [item("zeta", "2009-06-01"), item("alpha", "2009-06-01"), item("mid", "2009-06-01")]
    doc, _ = run(safety, records, "2010-06-01")
    assert applied(doc)[0] == (1, ["zeta", "alpha"])
    assert rec(doc, "mid")["disposition"] == "not-needed"
    assert [r["id"] for r in doc["records"]] == ["zeta", "alpha", "mid"]


def test_edge_retake_on_same_day(safety):
    records = [
        item("a2", "2009-06-01", course="A", registration=2),
        item("a1", "2009-06-01", course="A", registration=1),
        item("b", "2009-06-01"),
    ]
    doc, _ = run(safety, records, "2010-06-01")
    assert applied(doc)[0] == (1, ["a2", "b"])
    assert rec(doc, "a1")["disposition"] == "superseded-registration"


def test_edge_as_of_before_registration_not_registered(safety):
    records = [item("a", "2009-11-02"), item("b", "2010-02-20", recorded_on="2010-02-25")]
    doc, _ = run(safety, records, "2010-02-21")
    assert doc["status"]["code"] == "not-registered"
    assert doc["status"]["text"] == "registers on 2010-03-01; not certified yet"
    assert statuses(doc) == [(1, "2010-03-01", "2010-12-31", "future", None)]
    assert rec(doc, "a")["disposition"] == "awaiting-registration"
    assert rec(doc, "a")["explanation"] == (
        "completed 2009-11-02; it will be applied when the holder registers on 2010-03-01"
    )
    assert rec(doc, "b")["disposition"] == "not-yet-recorded"
    assert rec(doc, "b")["explanation"] == "recorded 2010-02-25, after the as-of date 2010-02-21"
    assert doc["renewal"] is None


def test_pending_item_not_applied(safety):
    doc, _ = run(
        safety, [item("a", "2009-06-01"), item("p", "2009-07-01", status="pending")], "2010-06-01"
    )
    assert rec(doc, "p")["disposition"] == "pending"
    assert doc["status"]["code"] == "in-progress"


def test_determinism_byte_identical_json_and_text(safety):
    holder, records = load_holder(str(POLICIES / "holders/safety-seed-expired.yaml"), safety.tz)
    one = evaluate(safety, holder, records, dt.date(2013, 3, 1))
    two = evaluate(load_policy(str(SAFETY)), holder, list(records), dt.date(2013, 3, 1))
    assert dumps(one.as_dict()).encode() == dumps(two.as_dict()).encode()
    assert evaluation_text(one) == evaluation_text(two)
    assert one.as_dict()["format"] == "policyengine.evaluation/1"


# "If the certification has renewal periods, then the renewal period start date depends
# upon the configuration of the certification."


def test_last_item_certification_date_keeps_renewals_after_initial_period(tmp_path):
    policy = variant(tmp_path, "certification_date: registration", "certification_date: last-item")
    doc, _ = run(
        policy,
        [item("a", "2009-06-01"), item("c", "2009-12-01"), item("s", "2010-02-01")],
        "2011-01-01",
    )
    assert statuses(doc)[:2] == [
        (1, "2010-03-01", "2010-12-31", "complete", "2009-12-01"),
        (2, "2011-01-01", "2011-12-31", "in-progress", None),
    ]
    assert applied(doc)[1] == (2, ["s"])


def test_rolling_renewal_periods_start_day_after_completion(tmp_path):
    policy = variant(tmp_path, "    length: 1 year\n", "    length: 1 year\n    layout: rolling\n")
    records = [
        item("a", "2009-06-01"),
        item("b", "2009-07-01"),
        item("c", "2011-03-01"),
        item("d", "2011-04-10"),
    ]
    doc, _ = run(policy, records, "2011-06-01")
    assert statuses(doc) == [
        (1, "2010-03-01", "2010-12-31", "complete", "2010-03-01"),
        (2, "2011-01-01", "2011-12-31", "complete", "2011-04-10"),
        (3, "2011-04-11", "2012-04-10", "in-progress", None),
    ]


def test_renewal_start_before_initial_period_is_a_policy_error(tmp_path):
    from policyengine.errors import PolicyError

    policy = variant(
        tmp_path,
        "start: date(year(holder.registered_on) + 1, 1, 1)",
        "start: holder.certified_on + 1 day",
        "certification_date: registration",
        "certification_date: last-item",
    )
    with pytest.raises(PolicyError) as err:
        run(policy, [item("a", "2009-06-01"), item("c", "2009-12-01")], "2010-06-01")
    d = err.value.diagnostics[0]
    assert d.message == (
        "the first renewal period would start 2009-12-02, not after the "
        "initial period starting 2010-03-01 (holder u-1)"
    )
    assert d.location is not None and d.location.file == policy.path
