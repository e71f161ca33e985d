"""Several ``records.conversion`` rules chosen by ``when`` (issue 14, item 12): a
sponsor's 0.2 vs 0.5 increments, academic quarter/semester units to hours, without
restating a rule in a ``records.credits`` expression."""

from __future__ import annotations

from decimal import Decimal

import pytest

from policyengine.errors import PolicyError
from policyengine.records.conversion import credits_from_units
from tests.helpers import evaluate_holder, policy_from_snippet, rec

PERIODS = """\
periods:
  renewal: {start: "date(2021, 1, 1)", length: 2 years}
"""
BODY = """\
records:
  fields: {units: number}
  conversion:
    - when: record.provider == "half-credit-sponsor"
      minutes_per_credit: 50
      increment: 0.5
      minimum: 1
    - when: record.kind == "academic-quarter"
      units: record.units
      credits_per_unit: 10
    - when: record.kind == "academic-semester"
      units: record.units
      credits_per_unit: 15
    - minutes_per_credit: 50
      increment: 0.2
      minimum: 1
PERIODS_HERE
allocation: {unused: discard, apply: all}
requirements:
  - id: total
    min: 30
""".replace("PERIODS_HERE\n", PERIODS)


def credits_of(tmp_path, records):
    pol = policy_from_snippet(tmp_path, BODY)
    doc, _ = evaluate_holder(pol, {"id": "h"}, records, "2022-06-01")
    return {r["id"]: rec(doc, r["id"])["credits"] for r in records}


def test_the_first_rule_whose_when_is_true_converts_the_record(tmp_path):
    got = credits_of(
        tmp_path,
        [
            # 0.5 increments, rounded down: 95 minutes = 1.9 -> 1.5
            {
                "id": "half",
                "earned_on": "2021-02-01",
                "minutes": 95,
                "provider": "half-credit-sponsor",
            },
            # the default rule, 0.2 increments: 95 minutes -> 1.8
            {"id": "fifth", "earned_on": "2021-02-02", "minutes": 95},
            # 16 CCR 1451: one quarter unit = 10 hours, one semester unit = 15 hours
            {"id": "quarter", "earned_on": "2021-03-01", "kind": "academic-quarter", "units": 2},
            {
                "id": "semester",
                "earned_on": "2021-03-02",
                "kind": "academic-semester",
                "units": 1.5,
            },
            # a record given in credits is taken as it is, whatever the rules
            {"id": "given", "earned_on": "2021-04-01", "credits": 3, "kind": "academic-quarter"},
            # under the default rule's minimum
            {"id": "short", "earned_on": "2021-04-02", "minutes": 45},
        ],
    )
    assert got == {
        "half": "1.5",
        "fifth": "1.8",
        "quarter": "20",
        "semester": "22.5",
        "given": "3",
        "short": "0",
    }


def test_a_record_no_rule_matches_is_worth_nothing(tmp_path):
    body = BODY.replace(
        "    - minutes_per_credit: 50\n      increment: 0.2\n      minimum: 1\n", ""
    )
    pol = policy_from_snippet(tmp_path, body)
    doc, _ = evaluate_holder(
        pol, {"id": "h"}, [{"id": "r", "earned_on": "2021-02-01", "minutes": 95}], "2022-06-01"
    )
    assert rec(doc, "r")["credits"] == "0"


def test_units_times_credits_per_unit_is_exact_and_rounded_by_the_rule():
    assert credits_from_units(Decimal("0.1"), {"credits_per_unit": 3}) == Decimal("0.3")
    rule = {"credits_per_unit": Decimal("15"), "increment": Decimal("0.5"), "rounding": "down"}
    assert credits_from_units(Decimal("0.33"), rule) == Decimal("4.5")  # 4.95 -> 4.5
    assert credits_from_units(Decimal("1"), {"credits_per_unit": 10, "minimum": 12}) == 0


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (
            "    - minutes_per_credit: 50\n    - when: record.minutes > 0\n"
            "      minutes_per_credit: 60\n",
            "conversion rule 1 has no 'when', so the rules after it are never used",
        ),
        (
            "    - when: record.minutes > 0\n      increment: 0.5\n",
            "a conversion rule needs exactly one of 'minutes_per_credit' and 'credits_per_unit'",
        ),
        (
            "    - credits_per_unit: 10\n",
            "'units' and 'credits_per_unit' go together",
        ),
        (
            "    - minutes_per_credit: 50\n      units: record.minutes\n",
            "'units' and 'credits_per_unit' go together (minutes are converted with "
            "minutes_per_credit)",
        ),
        (
            "    - when: record.minutes\n      minutes_per_credit: 50\n",
            "expected a bool here, but this expression is a number",
        ),
        (
            "    - when: record.kind == 'q'\n      units: record.unit\n"
            "      credits_per_unit: 10\n",
            "unit",
        ),
    ],
)
def test_bad_rules_are_refused_where_they_stand(tmp_path, rules, message):
    body = (
        "records:\n  fields: {units: number}\n  conversion:\n"
        + rules
        + PERIODS
        + "requirements:\n  - id: total\n    min: 1\n"
    )
    with pytest.raises(PolicyError) as err:
        policy_from_snippet(tmp_path, body)
    found = [(d.message, d.location.line if d.location else None) for d in err.value.diagnostics]
    assert any(message in m for m, _ in found), found
    assert all(line is not None and line >= 9 for _, line in found), found


def test_one_rule_without_when_is_still_a_mapping_and_sources_use_it(tmp_path):
    pol = policy_from_snippet(
        tmp_path,
        "records:\n  conversion: {minutes_per_credit: 50}\n"
        + PERIODS
        + "requirements: [{id: t, min: 1}]\n",
    )
    assert pol.records.conversion is not None
    assert pol.records.conversion.as_mapping()["minutes_per_credit"] == 50
    listed = policy_from_snippet(tmp_path, BODY, name="listed.yaml")
    assert listed.records.conversion is None  # several rules: the policy converts
    assert len(listed.records.conversions) == 4
