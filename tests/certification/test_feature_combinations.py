"""The rules added for real programs, combined at random: look-back windows, restart
after a lapse, caps per group, several conversion rules, current registrations, grace,
both orders and both `unused` modes. Whatever the combination and the history, an
evaluation either succeeds with output of the documented shape (checked against
`policyengine schema evaluation` by the helper) or refuses with diagnostics — never
another exception."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyengine.errors import PolicyError
from tests.helpers import evaluate_holder, policy_from_snippet

DAY0 = dt.date(2020, 1, 1)


@st.composite
def policies(draw):
    unused = draw(st.sampled_from(["discard", "carry-forward"]))
    look_back = unused == "discard" and draw(st.booleans())
    lines = [
        "records:",
        "  fields: {units: number}",
        "  conversion:",
        '    - when: record.kind == "academic"',
        "      units: record.units",
        "      credits_per_unit: 10",
        "    - minutes_per_credit: 50",
        f"      increment: {draw(st.sampled_from(['0.2', '0.5', '1']))}",
        "periods:",
        "  renewal:",
        "    start: date(2020, 1, 1)",
        f"    length: {draw(st.sampled_from(['1 year', '2 years']))}",
    ]
    if draw(st.booleans()):
        lines.append(f"  grace: {draw(st.sampled_from(['30 days', '6 months']))}")
    if look_back:
        lines.append("  look_back: 3 years")
    if draw(st.booleans()):
        lines += ["  restart:", '    when: record.kind == "exam"']
    lines += [
        "allocation:",
        f"  order: {draw(st.sampled_from(['chronological', 'optimal']))}",
        f"  unused: {unused}",
        f"  apply: {draw(st.sampled_from(['until-complete', 'all']))}",
        f"  current_registration_only: {str(draw(st.booleans())).lower()}",
        "requirements:",
        "  - id: total",
        f"    min: {draw(st.integers(0, 12))}",
    ]
    if draw(st.booleans()):
        lines += ["  - id: ethics", "    where: '\"ethics\" in record.tags'", "    min: 2"]
    if draw(st.booleans()):
        lines += ["  - id: daily", "    max: 4", "    per: record.earned_on"]
    return "\n".join(lines) + "\n"


@st.composite
def histories(draw):
    out = []
    for i in range(draw(st.integers(0, 8))):
        earned = DAY0 + dt.timedelta(days=draw(st.integers(0, 6 * 365)))
        kind = draw(st.sampled_from(["", "", "exam", "academic"]))
        rec = {
            "id": f"r{i}",
            "earned_on": earned.isoformat(),
            "recorded_on": (earned + dt.timedelta(days=draw(st.integers(0, 400)))).isoformat(),
            "kind": kind,
        }
        if kind == "academic":
            rec["units"] = draw(st.sampled_from([0.5, 1, 2]))
        elif draw(st.booleans()):
            rec["minutes"] = draw(st.integers(0, 300))
        else:
            rec["credits"] = draw(st.integers(0, 6))
        if draw(st.booleans()):
            rec["tags"] = ["ethics"]
        if draw(st.booleans()):
            rec["course"] = draw(st.sampled_from(["A", "B"]))
            rec["registration"] = draw(st.integers(1, 3))
        out.append(rec)
    return out


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies(), histories(), st.integers(0, 7 * 365))
def test_any_combination_evaluates_or_refuses_with_diagnostics(
    tmp_path_factory, body, records, day
):
    tmp = tmp_path_factory.mktemp("combo")
    policy = policy_from_snippet(tmp, body)
    as_of = (DAY0 + dt.timedelta(days=day)).isoformat()
    try:
        evaluate_holder(policy, {"id": "h"}, records, as_of)
    except PolicyError as err:
        assert err.diagnostics
