"""Seed 000 (Worldwide ERC Help Center): designation renewal cycles, earned-in-cycle
credits, staff backdates and pushdates, declined self-edits, time zones.

Every test is named after the seed sentence (or issue 4 rule) it checks and uses the
seed's own dates: the CRP needs 30 credits and the GMS 15 credits per three-year cycle
running 8/1 to 7/31, in America/New_York.
"""

from __future__ import annotations

import datetime as dt

import pytest

from policyengine import load_policy
from policyengine.certification.engine import evaluate
from policyengine.certification.render import evaluation_text
from policyengine.cli.commands.adjustments import work_list
from tests.helpers import POLICIES, credit, period, rec
from tests.helpers import evaluate_holder as run  # (policy, holder, records, as_of) -> doc, result

CRP = POLICIES / "werc-crp.yaml"
GMS = POLICIES / "werc-gms.yaml"

FIRST_CYCLE_HOLDER = {"id": "m-1", "name": "First Cycle", "designated_on": "2022-06-15"}
SECOND_CYCLE_HOLDER = {"id": "m-2", "name": "Second Cycle", "designated_on": "2019-05-01"}
THIRD_CYCLE_HOLDER = {"id": "m-3", "name": "Third Cycle", "designated_on": "2016-03-10"}


@pytest.fixture(scope="module")
def crp():
    return load_policy(str(CRP))


@pytest.fixture(scope="module")
def gms():
    return load_policy(str(GMS))


def staff(to, at="2025-08-04T10:00:00-04:00", role="staff", by="staff.ana", reason=""):
    return {"to": to, "by": by, "role": role, "at": at, "reason": reason}


# 27 credits inside 8/1/2022-7/31/2025 so a single late credit decides the renewal.
BASE = [credit("conference-2023", "2023-05-10", 27)]


# --- "Credits added/earned before or after your current renewal cycle dates will not
# show up when you check your credit count."


def test_credit_counts_only_if_earned_inside_cycle_8_1_2022_to_7_31_2025(crp):
    doc, _ = run(
        crp,
        FIRST_CYCLE_HOLDER,
        [
            credit("before", "2022-07-31", 2),
            credit("inside", "2023-01-15", 3),
            credit("after", "2025-08-01", 4),
        ],
        "2025-07-31",
    )
    p1 = period(doc, 1)
    assert (p1["start"], p1["end"], p1["status"]) == ("2022-08-01", "2025-07-31", "in-progress")
    assert p1["applied"] == ["inside"]
    assert p1["credits"] == "3"
    assert rec(doc, "before")["disposition"] == "before-first-period"
    assert (
        "earned 2022-07-31, before the first cycle started 2022-08-01"
        in rec(doc, "before")["explanation"]
    )
    assert rec(doc, "after")["disposition"] == "not-yet-recorded"


def test_first_renewal_cycle_is_8_1_2022_to_7_31_2025_then_back_to_back(crp):
    doc, _ = run(crp, FIRST_CYCLE_HOLDER, [], "2025-08-01")
    assert [(p["start"], p["end"]) for p in doc["periods"]] == [
        ("2022-08-01", "2025-07-31"),
        ("2025-08-01", "2028-07-31"),
    ]


def test_credits_exactly_on_8_1_2022_and_7_31_2025_count_inclusive_ends(crp):
    doc, _ = run(
        crp,
        FIRST_CYCLE_HOLDER,
        [
            credit("first-day", "2022-08-01", 15),
            credit("last-day", "2025-07-31", 15),
        ],
        "2025-07-31",
    )
    assert period(doc, 1)["applied"] == ["first-day", "last-day"]
    assert period(doc, 1)["status"] == "complete"
    assert period(doc, 1)["completed_on"] == "2025-07-31"
    assert doc["renewal"]["can_invoice"] is True


def test_leap_day_2024_02_29_inside_cycle_counts(crp):
    doc, _ = run(crp, FIRST_CYCLE_HOLDER, [credit("leap", "2024-02-29", "2.5")], "2024-03-01")
    assert rec(doc, "leap")["disposition"] == "applied"
    assert rec(doc, "leap")["effective_on"] == "2024-02-29"
    assert period(doc, 1)["credits"] == "2.5"


# --- "WERC webinars: If you are watching a webinar ... on 8/1/2025 or later, your credit
# count will not change. You must notify staff so that we can backdate the 'earned date'
# to 7/31/2025."


def test_webinar_watched_8_1_2025_does_not_change_2022_2025_count(crp):
    records = [*BASE, credit("webinar-late", "2025-08-01", "1.5", kind="webinar", source="portal")]
    doc, _ = run(crp, FIRST_CYCLE_HOLDER, records, "2025-09-01")
    assert period(doc, 1)["applied"] == ["conference-2023"]
    assert doc["renewal"]["period"] == 1
    assert doc["renewal"]["requirements"][0]["counted"] == "27"
    late = rec(doc, "webinar-late")
    assert late["period"] == 2
    assert late["actions"] == [
        {
            "action": "backdate",
            "allowed": True,
            "period": 1,
            "to": "2025-07-31",
            "text": "earned 2025-08-01, after the cycle ended 2025-07-31 — ask staff to "
            "backdate it to 2025-07-31",
        }
    ]


def test_webinar_watched_8_1_2025_backdated_by_staff_to_7_31_2025_counts(crp):
    records = [
        *BASE,
        credit(
            "webinar-late",
            "2025-08-01",
            3,
            kind="webinar",
            adjustments=[staff("2025-07-31", reason="member emailed")],
        ),
    ]
    doc, _ = run(crp, FIRST_CYCLE_HOLDER, records, "2025-09-01")
    late = rec(doc, "webinar-late")
    assert (late["disposition"], late["period"]) == ("applied", 1)
    assert (late["earned_on"], late["effective_on"]) == ("2025-08-01", "2025-07-31")
    assert late["adjustments"][0]["code"] == "backdate-accepted"
    assert late["adjustments"][0]["explanation"] == (
        "backdate by staff.ana (staff) on 2025-08-04 from 2025-08-01 to 2025-07-31: member emailed"
    )
    assert "actions" not in late
    assert period(doc, 1)["completed_on"] == "2025-07-31"
    assert period(doc, 1)["requirements"][0]["met"] is True
    # renewed: valid through the next cycle, whose own readiness is now reported
    assert (doc["status"]["code"], doc["status"]["valid_until"]) == ("certified", "2028-07-31")
    assert doc["renewal"]["period"] == 2


def test_backdate_made_after_as_of_date_has_not_happened_yet(crp):
    records = [
        *BASE,
        credit(
            "webinar-late",
            "2025-08-01",
            3,
            adjustments=[staff("2025-07-31", at="2025-08-04T10:00:00-04:00")],
        ),
    ]
    doc, _ = run(crp, FIRST_CYCLE_HOLDER, records, "2025-08-02")
    late = rec(doc, "webinar-late")
    assert late["effective_on"] == "2025-08-01"
    assert late["period"] == 2
    assert "adjustments" not in late
    assert doc["status"]["code"] == "expired"


# --- "NON-WERC webinars: ... uploading a credit from an event that took place after
# 7/31/2025, the credit will not count. You must notify staff so that we can backdate".


def test_upload_of_event_after_7_31_2025_does_not_count_for_2022_2025(crp):
    records = [
        *BASE,
        credit("forum", "2025-08-12", 3, kind="upload", source="upload", recorded_on="2025-08-14"),
    ]
    doc, result = run(crp, FIRST_CYCLE_HOLDER, records, "2025-09-01")
    assert doc["status"]["code"] == "expired"
    assert doc["status"]["expired_since"] == "2025-08-01"
    assert doc["renewal"]["missing"] == [
        "CRP renewal credits: was 3 credits short (27 of 30) when it ended 2025-07-31"
    ]
    wl = work_list(result)
    assert [(r["record"], r["action"], r["to"]) for r in wl["eligible"]] == [
        ("forum", "backdate", "2025-07-31")
    ]


def test_upload_of_event_after_7_31_2025_backdated_to_7_31_2025_counts(crp):
    records = [
        *BASE,
        credit(
            "forum",
            "2025-08-12",
            3,
            kind="upload",
            recorded_on="2025-08-14",
            adjustments=[staff("2025-07-31", at="2025-08-15T09:00:00-04:00")],
        ),
    ]
    doc, result = run(crp, FIRST_CYCLE_HOLDER, records, "2025-09-01")
    assert rec(doc, "forum")["period"] == 1
    assert period(doc, 1)["credits"] == "30"
    assert period(doc, 1)["requirements"] == [
        {
            "id": "total",
            "label": "CRP renewal credits",
            "measure": "credits",
            "counted": "30",
            "required": "30",
            "missing": "0",
            "met": True,
        }
    ]
    assert (period(doc, 1)["status"], period(doc, 1)["completed_on"]) == ("complete", "2025-07-31")
    assert work_list(result)["eligible"] == []
    # as of the cycle's last day the renewal invoice can be issued
    doc, _ = run(crp, FIRST_CYCLE_HOLDER, records, "2025-07-31")
    assert rec(doc, "forum")["disposition"] == "not-yet-recorded"
    doc, _ = run(crp, FIRST_CYCLE_HOLDER, records, "2025-08-15")
    assert doc["status"]["code"] == "certified"


def test_backdate_must_be_to_cycle_end_staff_backdate_to_2025_07_15_refused(crp):
    records = [*BASE, credit("forum", "2025-08-12", 3, adjustments=[staff("2025-07-15")])]
    doc, result = run(crp, FIRST_CYCLE_HOLDER, records, "2025-09-01")
    forum = rec(doc, "forum")
    assert forum["effective_on"] == "2025-08-12"
    assert forum["period"] == 2
    assert forum["adjustments"][0]["status"] == "refused"
    assert forum["adjustments"][0]["code"] == "backdate-refused"
    assert forum["adjustments"][0]["explanation"] == (
        "refused: a late credit can only be backdated to the last day of the cycle "
        "(requested 2025-07-15, allowed 2025-07-31)"
    )
    assert "refused: a late credit can only be backdated" in forum["explanation"]
    wl = work_list(result)
    assert [(r["record"], r["status"], r["to"]) for r in wl["not_allowed"]] == [
        ("forum", "refused", "2025-07-15")
    ]
    # the backdate the policy does allow is still on the work list
    assert [(r["record"], r["action"], r["to"]) for r in wl["eligible"]] == [
        ("forum", "backdate", "2025-07-31")
    ]


# --- "If you are uploading credits earned before your renewal cycle starts, the earned
# date can be pushed forward (to 8/1) only for your first renewal cycle."


def test_first_renewal_cycle_pushdate_to_8_1_2022_accepted(crp):
    records = [
        credit(
            "summit",
            "2022-07-10",
            4,
            recorded_on="2022-07-20",
            adjustments=[staff("2022-08-01", at="2022-07-21T09:00:00-04:00")],
        )
    ]
    doc, _ = run(crp, FIRST_CYCLE_HOLDER, records, "2023-01-01")
    summit = rec(doc, "summit")
    assert (summit["disposition"], summit["period"], summit["effective_on"]) == (
        "applied",
        1,
        "2022-08-01",
    )
    assert summit["adjustments"][0]["code"] == "pushdate-accepted"


def test_first_renewal_cycle_recent_credit_listed_for_pushdate_to_8_1(crp):
    doc, result = run(
        crp,
        FIRST_CYCLE_HOLDER,
        [
            credit("recent", "2022-07-10", 4),
            credit("before-designation", "2022-05-01", 2),
        ],
        "2023-01-01",
    )
    assert rec(doc, "recent")["disposition"] == "before-first-period"
    wl = work_list(result)
    assert [(r["record"], r["action"], r["to"]) for r in wl["eligible"]] == [
        ("recent", "pushdate", "2022-08-01")
    ]
    assert [(r["record"], r["action"]) for r in wl["would_refuse"]] == [
        ("before-designation", "pushdate")
    ]
    assert (
        "a pushdate would be refused: pushdates are only accepted in the first renewal "
        "cycle, for credits earned after the designation" in wl["would_refuse"][0]["text"]
    )


def second_cycle_records(*extra):
    # 30 credits in 8/1/2019-7/31/2022 so the first cycle was renewed.
    return [credit("cycle1", "2020-02-02", 30), *extra]


def test_same_pushdate_in_second_cycle_refused_with_reason(crp):
    doc, _ = run(
        crp,
        SECOND_CYCLE_HOLDER,
        second_cycle_records(
            credit(
                "summit",
                "2022-07-10",
                4,
                recorded_on="2022-09-01",
                adjustments=[staff("2022-08-01", at="2022-09-02T09:00:00-04:00")],
            ),
        ),
        "2023-01-01",
    )
    summit = rec(doc, "summit")
    assert summit["effective_on"] == "2022-07-10"
    assert summit["adjustments"][0]["status"] == "refused"
    assert summit["adjustments"][0]["code"] == "pushdate-refused"
    assert summit["adjustments"][0]["period"] == 2
    assert summit["adjustments"][0]["explanation"] == (
        "refused: pushdates are only accepted in the first renewal cycle, for credits "
        "earned after the designation"
    )
    assert period(doc, 2)["applied"] == []


# "if your renewal cycle is 8/1/2022 - 7/31/2025 and you are adding a credit from any
# time before 8/1/2022, it will not count towards your credits as that renewal period
# and date earned has already passed."


def test_credit_from_before_8_1_2022_does_not_count_in_second_cycle(crp):
    doc, result = run(
        crp,
        SECOND_CYCLE_HOLDER,
        second_cycle_records(
            credit("old", "2022-07-15", 5, recorded_on="2023-02-01"),
            credit("new", "2023-03-01", 10),
        ),
        "2024-01-01",
    )
    assert [(p["start"], p["end"], p["status"]) for p in doc["periods"]] == [
        ("2019-08-01", "2022-07-31", "complete"),
        ("2022-08-01", "2025-07-31", "in-progress"),
    ]
    assert period(doc, 2)["applied"] == ["new"]
    assert doc["renewal"]["period"] == 2
    assert doc["renewal"]["requirements"][0]["counted"] == "10"
    assert rec(doc, "old")["period"] == 1  # it belongs to the cycle that has passed
    wl = work_list(result)
    assert wl["eligible"] == []
    assert [(r["record"], r["action"], r["period"]) for r in wl["would_refuse"]] == [
        ("old", "pushdate", 2)
    ]
    assert "pushdates are only accepted in the first renewal cycle" in wl["would_refuse"][0]["text"]


def test_holder_in_third_cycle_8_1_2022_to_7_31_2025(crp):
    records = [
        credit("c1", "2017-01-01", 30),
        credit("c2", "2020-01-01", 30),
        credit("c3", "2024-06-01", 12),
    ]
    doc, _ = run(crp, THIRD_CYCLE_HOLDER, records, "2024-07-01")
    assert [
        (p["number"], p["renewal_number"], p["start"], p["end"], p["status"])
        for p in doc["periods"]
    ] == [
        (1, 1, "2016-08-01", "2019-07-31", "complete"),
        (2, 2, "2019-08-01", "2022-07-31", "complete"),
        (3, 3, "2022-08-01", "2025-07-31", "in-progress"),
    ]
    assert doc["status"]["period"] == 3
    assert doc["renewal"]["missing"] == [
        "CRP renewal credits: needs 18 more credits (12 of 30) by 2025-07-31"
    ]


# --- "Please do not adjust the credit earned date on your own as the credit request will
# be declined or deleted."


def test_member_self_edit_declined_counts_under_original_date(crp):
    records = [
        *BASE,
        credit(
            "self-edit",
            "2025-08-20",
            3,
            recorded_on="2025-08-21",
            adjustments=[
                staff(
                    "2025-07-31",
                    role="member",
                    by="pat@example.com",
                    at="2025-08-21T08:00:00-04:00",
                )
            ],
        ),
    ]
    doc, result = run(crp, FIRST_CYCLE_HOLDER, records, "2025-09-01")
    edit = rec(doc, "self-edit")
    assert edit["effective_on"] == "2025-08-20"
    assert edit["period"] == 2
    assert edit["adjustments"][0]["status"] == "declined"
    assert edit["adjustments"][0]["code"] == "adjustment-declined"
    assert edit["adjustments"][0]["explanation"].startswith(
        "declined: earned date changed by the member (pat@example.com)"
    )
    assert "counts under its original date 2025-08-20" in edit["explanation"]
    assert period(doc, 1)["credits"] == "27"
    wl = work_list(result)
    assert [(r["record"], r["status"], r["role"]) for r in wl["not_allowed"]] == [
        ("self-edit", "declined", "member")
    ]


# --- uploads: "Only approved credits count; pending ones are listed as pending" (issue 4).


def test_pending_upload_listed_as_pending_not_counted(crp):
    records = [
        *BASE,
        credit("pending", "2025-05-05", 3, status="pending"),
        credit("declined", "2025-05-06", 3, status="declined"),
    ]
    doc, _ = run(crp, FIRST_CYCLE_HOLDER, records, "2025-06-01")
    assert rec(doc, "pending")["disposition"] == "pending"
    assert rec(doc, "pending")["explanation"] == "pending: waiting for staff approval"
    assert rec(doc, "declined")["disposition"] == "declined"
    assert period(doc, 1)["applied"] == ["conference-2023"]
    assert doc["renewal"]["requirements"][0]["counted"] == "27"


# --- time zones (issue 4): a webinar watched 2025-07-31 23:30 in Los Angeles is
# 2025-08-01 in New York.


def test_time_zone_webinar_7_31_23_30_los_angeles_is_8_1_new_york_outside_cycle(crp):
    records = [
        *BASE,
        {"id": "la", "credits": 3, "earned_at": "2025-07-31T23:30:00-07:00"},
        {"id": "la-early", "credits": 1, "earned_at": "2025-07-31T20:59:00-07:00"},
    ]
    doc, _ = run(crp, FIRST_CYCLE_HOLDER, records, "2025-09-01")
    assert rec(doc, "la")["earned_on"] == "2025-08-01"
    assert rec(doc, "la")["period"] == 2
    assert rec(doc, "la-early")["earned_on"] == "2025-07-31"
    assert rec(doc, "la-early")["period"] == 1
    assert period(doc, 1)["credits"] == "28"


def test_plain_date_records_taken_as_they_are(crp):
    doc, _ = run(crp, FIRST_CYCLE_HOLDER, [credit("plain", "2025-07-31", 1)], "2025-09-01")
    assert rec(doc, "plain")["earned_on"] == "2025-07-31"
    assert rec(doc, "plain")["period"] == 1


# --- renewal readiness and "Your designation is valid from the time you earn it, until
# your expiration date of 7/31/20XX, provided you fulfill the requirements".


def test_renewal_readiness_counted_required_missing_can_invoice(crp):
    doc, _ = run(
        crp,
        FIRST_CYCLE_HOLDER,
        [credit("a", "2023-01-01", "12.5"), credit("b", "2024-01-01", "10")],
        "2025-01-01",
    )
    assert doc["renewal"] == {
        "period": 1,
        "can_invoice": False,
        "missing": ["CRP renewal credits: needs 7.5 more credits (22.5 of 30) by 2025-07-31"],
        "requirements": [
            {
                "id": "total",
                "label": "CRP renewal credits",
                "measure": "credits",
                "counted": "22.5",
                "required": "30",
                "missing": "7.5",
                "met": False,
            }
        ],
    }


def test_designation_valid_from_earned_until_7_31_2025_provided_requirements_met(crp):
    doc, result = run(crp, FIRST_CYCLE_HOLDER, [credit("a", "2023-01-01", 30)], "2024-01-01")
    assert doc["status"] == {
        "code": "certified",
        "period": 1,
        "valid_from": "2022-06-15",
        "valid_until": "2025-07-31",
        "text": "certified since 2022-06-15 until 2025-07-31 (renewal requirements met)",
    }
    assert "status: certified since 2022-06-15 until 2025-07-31" in evaluation_text(result)


def test_designation_not_renewed_expires_after_7_31_2025(crp):
    doc, _ = run(crp, FIRST_CYCLE_HOLDER, BASE, "2025-08-01")
    assert doc["status"]["code"] == "expired"
    assert doc["status"]["text"] == (
        "expired since 2025-08-01: the renewal period 1 (2022-08-01 to 2025-07-31) is not complete"
    )


# --- CRP 30 credits vs GMS 15 credits (issue 4).


def test_gms_15_credits_passes_where_crp_30_credits_fails(crp, gms):
    records = [credit("a", "2023-01-01", 9), credit("b", "2024-11-30", 6)]
    crp_doc, _ = run(crp, FIRST_CYCLE_HOLDER, records, "2025-07-31")
    gms_doc, _ = run(gms, FIRST_CYCLE_HOLDER, records, "2025-07-31")
    assert crp_doc["renewal"]["can_invoice"] is False
    assert crp_doc["renewal"]["requirements"][0]["missing"] == "15"
    assert gms_doc["renewal"]["can_invoice"] is True
    assert gms_doc["renewal"]["requirements"][0]["label"] == "GMS renewal credits"
    assert gms_doc["periods"][0]["completed_on"] == "2024-11-30"


# --- staff work list on the bundled seed examples.


def test_bundled_seed_examples_work_list(crp):
    from policyengine.records.model import load_holder

    holder, records = load_holder(str(POLICIES / "holders/werc-crp-seed-examples.yaml"), crp.tz)
    result = evaluate(crp, holder, records, dt.date(2025, 9, 1))
    doc = result.as_dict()
    assert doc["status"]["code"] == "expired"
    assert doc["renewal"]["requirements"][0]["counted"] == "25.0"
    codes = {r["id"]: (r["disposition"], r["period"]) for r in doc["records"]}
    assert codes == {
        "upload-pre-cycle": ("applied", 1),
        "webinar-tax": ("applied", 1),
        "conference-2024": ("applied", 1),
        "webinar-late": ("applied", 1),
        "upload-after-expiry": ("applied", 2),
        "upload-self-edit": ("applied", 2),
        "upload-pending": ("pending", None),
    }
    wl = work_list(result)
    assert [(r["record"], r["action"], r["to"]) for r in wl["eligible"]] == [
        ("upload-after-expiry", "backdate", "2025-07-31"),
        ("upload-self-edit", "backdate", "2025-07-31"),
    ]
    assert [(r["record"], r["status"]) for r in wl["not_allowed"]] == [
        ("upload-self-edit", "declined")
    ]
    assert "CRP renewal credits: 25 of 30 credits — missing 5" in evaluation_text(result)


def test_record_dated_after_as_of_is_not_yet_earned(crp):
    doc, _ = run(
        crp,
        FIRST_CYCLE_HOLDER,
        [credit("future", "2024-09-01", 2, recorded_on="2024-01-05")],
        "2024-02-01",
    )
    assert rec(doc, "future")["disposition"] == "not-yet-earned"
    assert rec(doc, "future")["explanation"] == "earned 2024-09-01, after the as-of date 2024-02-01"


def test_staff_backdate_of_credit_already_inside_cycle_refused(crp):
    records = [
        credit(
            "inside",
            "2024-05-01",
            2,
            adjustments=[staff("2023-01-01", at="2024-06-01T09:00:00-04:00")],
        )
    ]
    doc, _ = run(crp, FIRST_CYCLE_HOLDER, records, "2024-07-01")
    inside = rec(doc, "inside")
    assert inside["effective_on"] == "2024-05-01"
    assert inside["adjustments"][0]["explanation"] == (
        "refused: the credit was earned 2024-05-01, not after the cycle ending 2025-07-31; "
        "there is nothing to backdate"
    )


def test_holder_without_designation_date_is_reported_at_the_rule(crp):
    from policyengine.errors import PolicyError

    with pytest.raises(PolicyError) as err:
        run(crp, {"id": "m-0"}, [credit("a", "2023-01-01")], "2024-01-01")
    d = err.value.diagnostics[0]
    assert d.message == "holder has no value for field 'designated_on'"
    assert d.location.line == crp.periods.renewal.start.location.line
