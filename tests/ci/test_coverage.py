"""Coverage of policy rules by scenarios: rules, decisions, branches, requirements."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from policyengine.ci.coverage import Recorder, percent
from policyengine.ci.scenarios.files import find_files, load_file, run_file
from policyengine.cli.main import main
from policyengine.plugins_loader import load_environment
from policyengine.policy.rule import current_observer, observing
from tests.helpers import POLICIES

ENV = load_environment()


def test_recorder_is_off_by_default_and_restored():
    assert current_observer() is None
    rec = Recorder()
    with observing(rec):
        assert current_observer() is rec
    assert current_observer() is None


def test_bundled_policies_fully_covered(capsys):
    code = main(["test", str(POLICIES), "--coverage", "--fail-under", "100"])
    out = capsys.readouterr().out
    assert code == 0
    for policy in (
        "werc-crp",
        "werc-gms",
        "safety-certification",
        "western-cpe-package",
        "pmi-pmp",
        "cpa-uaa",
        "ca-rn",
    ):
        assert f"({policy}): 100.0%" in out
    assert "total coverage: 100.0%" in out
    total = sum(len(load_file(f).scenarios) for f in find_files([str(POLICIES)]))
    assert out.splitlines()[-1] == f"{total} passed, 0 failed"


def scenario(tmp_path: Path, body: str) -> str:
    shutil.copy(POLICIES / "werc-crp.yaml", tmp_path / "werc-crp.yaml")
    path = tmp_path / "werc-crp.tests.yaml"
    path.write_text("scenarios:\n" + body, encoding="utf-8")
    return str(path)


ONE = """\
  - name: one approved credit
    as_of: 2024-01-01
    holder: {id: a, designated_on: 2022-06-15}
    records: [{id: r, credits: 1, earned_on: 2023-01-01}]
    expect: {}
"""


def test_uncovered_rules_and_branches(tmp_path):
    path = scenario(tmp_path, ONE)
    rec = Recorder()
    run_file(load_file(path), ENV, recorder=rec)
    [policy_path] = rec.policies
    items = rec.items(policy_path)
    state = {(i.rule, i.what, i.text): i.seen for i in items}
    assert state[("records.counts_when", "rule", 'record.status == "approved"')] == (True,)
    assert state[("records.counts_when", "decision", 'record.status == "approved"')] == (
        True,
        False,
    )
    assert state[
        (
            "adjustments.pushdate.when",
            "rule",
            rec.policies[policy_path].policy.rules["adjustments.pushdate.when"].text,
        )
    ] == (False,)
    assert state[("adjustments.pushdate.when", "branch", "period.first_renewal")] == (False, False)
    assert state[("requirements.0", "decision", "requirement 'total' met")] == (False, True)
    assert 0 < percent(items) < 100


def test_text_report_lists_uncovered_at_file_line_col(tmp_path, capsys):
    path = scenario(tmp_path, ONE)
    code = main(["test", path, "--coverage", "--fail-under", "90", "--root", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1  # all passed, but coverage is below 90%
    policy = tmp_path / "werc-crp.yaml"
    line = next(
        i
        for i, text in enumerate(policy.read_text().splitlines(), 1)
        if text.strip().startswith("when: period.first_renewal")
    )
    assert (
        f"{policy}:{line}:11: not covered: rule 'period.first_renewal and "
        "record.original_earned_on >= holder.designated_on': never evaluated"
    ) in out
    assert (
        f"{policy}:{line}:11: not covered: branch 'period.first_renewal': never true or false"
        in out
    )
    assert f"{policy}:{line}:36: not covered: branch 'record.original_earned_on" in out
    assert out.splitlines()[-1] == "1 passed, 0 failed"


def test_branch_seen_only_true(tmp_path):
    path = scenario(
        tmp_path,
        ONE
        + """\
  - name: first cycle pushdate
    as_of: 2024-01-01
    holder: {id: b, designated_on: 2022-06-15}
    records:
      - id: p
        credits: 1
        earned_on: 2022-07-10
        adjustments: [{to: 2022-08-01, by: s, role: staff, at: "2022-07-21T09:00:00-04:00"}]
    expect: {records: {p: {period: 1}}}
""",
    )
    rec = Recorder()
    run_file(load_file(path), ENV, recorder=rec)
    items = rec.items(next(iter(rec.policies)))
    seen = {i.text: i.seen for i in items if i.what == "branch"}
    assert seen["period.first_renewal"] == (True, False)
    assert seen["record.original_earned_on >= holder.designated_on"] == (True, False)


def test_json_coverage(tmp_path, capsys):
    path = scenario(tmp_path, ONE)
    main(["test", path, "--coverage", "-o", "json", "--root", str(tmp_path)])
    doc = json.loads(capsys.readouterr().out)
    cov = doc["coverage"]
    [policy] = cov["policies"]
    assert policy["id"] == "werc-crp" and policy["total"] == 16
    missing = [i for i in policy["items"] if not i["covered"]]
    assert all(i["location"] and i["missing"] for i in missing)
    assert cov["percent"] == policy["percent"] < 100


def package_scenarios(tmp_path: Path, body: str) -> str:
    shutil.copy(POLICIES / "western-cpe-package.yaml", tmp_path / "western-cpe-package.yaml")
    path = tmp_path / "western-cpe-package.tests.yaml"
    path.write_text("scenarios:\n" + body, encoding="utf-8")
    return str(path)


WEBCAST = """\
  - name: a webcast paid with credits
    at: 2025-03-01T10:00:00
    account: {id: a}
    events: [{type: purchase, id: p, at: 2025-01-01T10:00:00, credits: 5}]
    cart: {acknowledged_terms: true, items: [{id: W, title: W, product_type: webcast, credits: 2}]}
    expect: {decision: {allowed: true}}
"""


def test_package_rules_are_covered_through_the_shared_runner(tmp_path):
    rec = Recorder()
    run_file(load_file(package_scenarios(tmp_path, WEBCAST)), ENV, recorder=rec)
    [path] = rec.policies
    seen = {(i.rule, i.what): i.seen for i in rec.items(path)}
    assert seen[("cart.item_cost", "rule")] == (True,)
    assert seen[("cart.eligible_item", "decision")] == (True, False)
    assert seen[("cart.rules.0.refuse_when", "decision")] == (False, True)
    assert seen[("package.valid_for", "decision")] == (True, False)
    assert seen[("cart.require_acknowledgement", "decision")] == (True, False)
    assert seen[("enrollment.expires_after", "rule")] == (True,)


def test_package_balance_only_leaves_cart_rules_uncovered(tmp_path, capsys):
    path = package_scenarios(
        tmp_path,
        """\
  - name: a balance
    at: 2025-03-01T10:00:00
    account: {id: a}
    events: [{type: purchase, id: p, at: 2025-01-01T10:00:00, credits: 5}]
    expect: {balance: {available: 5}}
""",
    )
    code = main(["test", path, "--coverage", "--fail-under", "100", "--root", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    policy = tmp_path / "western-cpe-package.yaml"
    line = next(
        i
        for i, text in enumerate(policy.read_text().splitlines(), 1)
        if text.strip().startswith("refuse_when:")
    )
    assert (
        f"{policy}:{line}:20: not covered: rule 'any(i in cart.items where "
        'i.product_type == "flexcast")\': never evaluated'
    ) in out
    assert "not covered: decision 'package usable (valid_for: 365 days)': never false" in out


def test_policy_without_scenario_file_counts_as_uncovered(tmp_path, capsys):
    package_scenarios(tmp_path, WEBCAST)
    shutil.copy(POLICIES / "werc-gms.yaml", tmp_path / "werc-gms.yaml")
    code = main(["test", str(tmp_path), "--coverage", "--fail-under", "50"])
    out = capsys.readouterr().out
    assert code == 1
    assert (
        f"coverage of {tmp_path / 'werc-gms.yaml'} (werc-gms): 0.0% (0/16) -- no scenario "
        f"file: write {tmp_path / 'werc-gms.tests.yaml'}"
    ) in out
    assert out.splitlines()[-1] == "1 passed, 0 failed"
    # a scenario file named on the command line does not pull in other policies
    one = str(tmp_path / "western-cpe-package.tests.yaml")
    assert main(["test", one, "--coverage", "--root", str(tmp_path)]) == 0
    assert "werc-gms" not in capsys.readouterr().out


def test_a_cap_is_covered_when_seen_reached_and_not_reached(tmp_path):
    (tmp_path / "capped.yaml").write_text("""\
format: 1
kind: certification
id: capped
name: Capped
timezone: UTC
periods:
  renewal: {start: 2022-01-01, length: 3 years}
allocation: {unused: discard, apply: all}
requirements:
  - {id: total, min: 10}
  - {id: giving-back, where: 'record.kind == "giving-back"', max: 4}
""")
    path = tmp_path / "capped.tests.yaml"
    path.write_text("""\
scenarios:
  - name: under the cap
    as_of: 2023-01-01
    holder: {id: a}
    records: [{id: g, credits: 3, kind: giving-back, earned_on: 2022-05-01}]
    expect: {}
""")
    rec = Recorder()
    run_file(load_file(str(path)), ENV, recorder=rec)
    [policy_path] = rec.policies
    caps = [i for i in rec.items(policy_path) if i.text == "requirement 'giving-back' cap reached"]
    assert [(i.rule, i.what, i.seen, i.location.line) for i in caps] == [
        ("requirements.1.max", "decision", (False, True), 11)
    ]
    # a requirement without a minimum has no "met" decision to cover
    assert not [i for i in rec.items(policy_path) if i.text == "requirement 'giving-back' met"]
