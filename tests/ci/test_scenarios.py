"""Scenario files: loading, schema errors at file:line:col, partial matching."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from policyengine.ci.scenarios.files import default_policy_path, find_files, load_file, run_file
from policyengine.errors import PolicyError
from policyengine.plugins_loader import load_environment
from tests.helpers import POLICIES


@pytest.fixture
def crp(tmp_path: Path) -> Path:
    shutil.copy(POLICIES / "werc-crp.yaml", tmp_path / "werc-crp.yaml")
    return tmp_path


ENV = load_environment()


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_naming_convention():
    assert default_policy_path("policies/werc-crp.tests.yaml") == "policies/werc-crp.yaml"
    assert default_policy_path("x/a.tests.json") == "x/a.json"


def test_find_files_only_scenario_files():
    found = list(find_files([str(POLICIES)]))
    names = sorted(Path(f).name for f in found)
    assert all(n.endswith(".tests.yaml") for n in names)
    assert {
        "safety-certification.tests.yaml",
        "werc-crp.tests.yaml",
        "werc-gms.tests.yaml",
        "western-cpe-package.tests.yaml",
    } <= set(names)


@pytest.mark.parametrize(
    "name", ["werc-crp", "werc-gms", "safety-certification", "western-cpe-package"]
)
def test_bundled_scenarios_pass(name):
    sf = load_file(str(POLICIES / f"{name}.tests.yaml"))
    results = run_file(sf, ENV)
    assert results and all(r.outcome == "passed" for r in results), [
        (r.scenario.name, [m.text() for m in r.mismatches], r.errors)
        for r in results
        if r.outcome != "passed"
    ]


def test_partial_matching_and_decimal_numbers(crp):
    path = write(
        crp / "werc-crp.tests.yaml",
        """\
scenarios:
  - name: only what is written
    as_of: 2025-07-01
    holder: {id: m-1, designated_on: 2022-06-15}
    records:
      - {id: a, credits: 18, earned_on: 2023-10-02}
      - {id: b, credits: 1.5, earned_on: 2024-02-14}
    expect:
      periods: [{number: 1, credits: 19.5}]
      records: {b: {credits: 1.50}}
""",
    )
    [result] = run_file(load_file(path), ENV)
    assert result.outcome == "passed"


def test_mismatch_path_expected_actual_and_location(crp):
    path = write(
        crp / "werc-crp.tests.yaml",
        """\
scenarios:
  - name: first
    as_of: 2025-07-01
    holder: {id: m-1, designated_on: 2022-06-15}
    expect: {status: {code: certified}}
  - name: wrong numbers
    as_of: 2025-07-01
    holder: {id: m-1, designated_on: 2022-06-15}
    records:
      - {id: a, credits: 18, earned_on: 2023-10-02}
    expect:
      periods:
        - {number: 1, credits: 20}
        - {number: 7, status: complete}
      records:
        a: {disposition: not-valid}
        ghost: {disposition: applied}
""",
    )
    first, second = run_file(load_file(path), ENV)
    assert first.outcome == "passed"
    assert second.outcome == "failed" and second.scenario.line == 6
    got = {m.path: (m.expected, m.actual) for m in second.mismatches}
    assert got["periods[number=1].credits"] == (20, "18")
    assert got["records[a].disposition"] == ("not-valid", "applied")
    assert "periods[number=7]" in got and "records[ghost]" in got
    loc = next(m.location for m in second.mismatches if m.path == "periods[number=1].credits")
    assert (loc.line, loc.col) == (13, 32)


def test_list_lengths_are_compared(crp):
    path = write(
        crp / "werc-crp.tests.yaml",
        """\
scenarios:
  - name: applied list
    as_of: 2025-07-01
    holder: {id: m-1, designated_on: 2022-06-15}
    records: [{id: a, credits: 1, earned_on: 2023-10-02}, {id: b, credits: 1, earned_on: 2023-10-03}]
    expect: {periods: [{number: 1, applied: [a]}]}
""",
    )
    [result] = run_file(load_file(path), ENV)
    assert [m.path for m in result.mismatches] == ["periods[number=1].applied (length)"]


def test_schema_errors_at_line_and_column(crp):
    path = write(
        crp / "werc-crp.tests.yaml",
        """\
scenarios:
  - name: typo
    as_of: 2025-07-01
    holder: {id: m-1, designated_on: 2022-06-15}
    expcet: {}
""",
    )
    with pytest.raises(PolicyError) as err:
        load_file(path)
    rendered = [d.render(with_source=False) for d in err.value.diagnostics]
    assert any(":5:5: unknown key 'expcet'" in r for r in rendered), rendered


def test_missing_policy_and_policy_override(tmp_path):
    path = write(
        tmp_path / "other.tests.yaml",
        """\
scenarios:
  - {name: x, as_of: 2025-01-01, holder: {id: a, designated_on: 2022-06-15}, expect: {}}
""",
    )
    with pytest.raises(PolicyError, match="does not exist"):
        load_file(path)
    shutil.copy(POLICIES / "werc-crp.yaml", tmp_path / "crp.yaml")
    path = write(
        tmp_path / "other.tests.yaml",
        """\
policy: crp.yaml
scenarios:
  - {name: x, as_of: 2025-01-01, holder: {id: a, designated_on: 2022-06-15},
     expect: {status: {code: certified}}}
""",
    )
    [result] = run_file(load_file(path), ENV)
    assert result.outcome == "passed"


def test_holder_file_with_extra_records(tmp_path):
    shutil.copy(POLICIES / "werc-crp.yaml", tmp_path / "werc-crp.yaml")
    (tmp_path / "h").mkdir()
    write(
        tmp_path / "h" / "pat.yaml",
        "holder: {id: p, designated_on: 2022-06-15}\n"
        "records: [{id: a, credits: 10, earned_on: 2023-01-01}]\n",
    )
    path = write(
        tmp_path / "werc-crp.tests.yaml",
        """\
scenarios:
  - name: file plus inline
    as_of: 2025-07-01
    holder_file: h/pat.yaml
    records: [{id: b, credits: 20, earned_on: 2024-01-01}]
    expect: {periods: [{number: 1, credits: 30, status: complete, applied: [a, b]}]}
""",
    )
    [result] = run_file(load_file(path), ENV)
    assert result.outcome == "passed", [m.text() for m in result.mismatches]


def test_bad_holder_value_is_an_error_result(crp):
    path = write(
        crp / "werc-crp.tests.yaml",
        """\
scenarios:
  - name: bad date
    as_of: 2025-07-01
    holder: {id: m-1, designated_on: 2022-06-15}
    records: [{id: a, credits: 1, earned_on: 2023-02-30}]
    expect: {}
""",
    )
    [result] = run_file(load_file(path), ENV)
    assert result.outcome == "error"
    assert result.errors[0].location.line == 5


def test_credit_package_scenario(tmp_path):
    shutil.copy(POLICIES / "western-cpe-package.yaml", tmp_path / "western-cpe-package.yaml")
    shutil.copy(POLICIES / "accounts" / "dana-two-packages.yaml", tmp_path / "dana.yaml")
    path = write(
        tmp_path / "western-cpe-package.tests.yaml",
        """\
scenarios:
  - name: FlexCast in the cart hides the credits option
    at: 2025-03-01T10:00:00
    account_file: dana.yaml
    cart:
      acknowledged_terms: true
      items: [{id: FX-1, title: FlexCast, product_type: flexcast, credits: 2}]
    expect:
      decision: {allowed: false, option_offered: false}
  - name: a self-study course is paid from the package that expires first
    at: 2025-03-01T10:00:00
    account: {id: m-1, name: Dana}
    events:
      - {type: purchase, id: p1, at: 2024-06-10T09:15:00, credits: 20}
    cart:
      acknowledged_terms: true
      items: [{id: SS-1, title: Fraud, product_type: self-study, credits: 2}]
    expect:
      decision: {allowed: true, total_credits: 2, draws: [{package: p1, credits: 2}]}
      balance: {available: 20}
""",
    )
    results = run_file(load_file(path), ENV)
    assert [r.outcome for r in results] == ["passed", "passed"], [
        [m.text() for m in r.mismatches] + [d.message for d in r.errors] for r in results
    ]


@pytest.fixture
def cpe(tmp_path: Path) -> Path:
    shutil.copy(POLICIES / "western-cpe-package.yaml", tmp_path / "western-cpe-package.yaml")
    shutil.copytree(POLICIES / "accounts", tmp_path / "accounts")
    shutil.copytree(POLICIES / "carts", tmp_path / "carts")
    return tmp_path


def texts(result) -> list[str]:
    return [m.text() for m in result.mismatches] + [d.message for d in result.errors]


def test_package_expectations_by_id_by_code_and_local_times(cpe):
    path = write(
        cpe / "western-cpe-package.tests.yaml",
        """\
scenarios:
  - name: keyed packages, reasons by code, local timestamps
    at: 2025-01-14T00:00:00
    account_file: accounts/sam-expired.yaml
    cart: {acknowledged_terms: false, items: [{id: W, title: W, product_type: webcast, credits: 1}]}
    expect:
      decision:
        reasons: [no-valid-package, terms-not-acknowledged]
        items: {W: {eligible: true}}
      balance:
        packages: {pkg-2024-01: {status: expired, expires_at: 2025-01-14T00:00:00,
                                 expired_at: "2025-01-14T08:00:00Z"}}
""",
    )
    [result] = run_file(load_file(path), ENV)
    assert result.outcome == "passed", texts(result)


def test_package_mismatches_name_path_and_refusal(cpe):
    path = write(
        cpe / "western-cpe-package.tests.yaml",
        """\
scenarios:
  - name: expected allowed
    at: 2025-03-01T10:00:00
    account_file: accounts/dana-two-packages.yaml
    cart_file: carts/too-expensive.yaml
    expect:
      decision:
        allowed: true
        reasons: []
        enrollments: {SS-CPA-24: {expires_on: 2026-03-01}}
      balance: {packages: {pkg-nope: {status: active}}}
""",
    )
    [result] = run_file(load_file(path), ENV)
    assert result.outcome == "failed"
    first, reasons, enrollment, package = result.mismatches
    assert first.text() == (
        "decision.allowed: expected true, got false (refused: [insufficient-credits] The cart "
        "costs 30 credits but only 26 credits are available: 4 credits short.)"
    )
    assert first.location.line == 8
    assert reasons.text() == "decision.reasons: expected [], got ['insufficient-credits']"
    assert enrollment.path == "decision.enrollments[SS-CPA-24]" and enrollment.location.line == 10
    assert package.text().endswith("got nothing (there are: pkg-2024-06, pkg-2024-09)")


def test_account_file_followed_by_scenario_events(cpe):
    path = write(
        cpe / "western-cpe-package.tests.yaml",
        """\
scenarios:
  - name: one more redemption after the file's history
    at: 2025-03-01T10:00:00
    account_file: accounts/dana-two-packages.yaml
    events:
      - type: redemption
        id: r-2025-02
        at: 2025-02-01T10:00:00
        items: [{id: X, product_type: webcast, credits: 6}]
    expect:
      balance: {available: 20, used: 10, packages: [{id: pkg-2024-06, remaining: 10}, {}]}
  - name: an event id already in the file
    at: 2025-03-01T10:00:00
    account_file: accounts/dana-two-packages.yaml
    events:
      - {type: purchase, id: pkg-2024-06, at: 2025-01-01T10:00:00, credits: 1}
    expect: {balance: {}}
""",
    )
    ok, dup = run_file(load_file(path), ENV)
    assert ok.outcome == "passed", texts(ok)
    assert dup.outcome == "error"
    assert dup.errors[0].location.line == 16
    assert "already used in accounts/dana-two-packages.yaml" in dup.errors[0].message


def test_package_scenario_problems_point_at_the_scenario(cpe):
    path = write(
        cpe / "western-cpe-package.tests.yaml",
        """\
scenarios:
  - name: no cart
    at: 2025-03-01T10:00:00
    account: {id: a}
    expect: {decision: {allowed: false}}
  - name: certification keys
    at: 2025-03-01T10:00:00
    account: {id: a}
    expect: {status: {code: certified}}
  - name: a holder
    as_of: 2025-03-01
    holder: {id: h}
    expect: {}
""",
    )
    no_cart, status, holder = run_file(load_file(path), ENV)
    assert no_cart.outcome == "error" and "has no cart" in no_cart.errors[0].message
    assert no_cart.errors[0].location.line == 5
    assert status.outcome == "error" and status.errors[0].location.line == 9
    assert "'status' is expected of certification policies" in status.errors[0].message
    assert holder.outcome == "error" and "needs 'account'" in holder.errors[0].message


def test_package_keys_in_a_certification_scenario(crp):
    path = write(
        crp / "werc-crp.tests.yaml",
        """\
scenarios:
  - name: a decision of a holder
    as_of: 2025-03-01
    holder: {id: h, designated_on: 2022-06-15}
    expect: {decision: {allowed: true}}
""",
    )
    [result] = run_file(load_file(path), ENV)
    assert result.outcome == "error"
    assert result.errors[0].location.line == 5
    assert "'decision' is expected of credit-package policies" in result.errors[0].message


def test_bad_at_is_a_file_error(cpe):
    path = write(
        cpe / "western-cpe-package.tests.yaml",
        """\
scenarios:
  - name: bad instant
    at: 2025-02-30T10:00:00
    account: {id: a}
    expect: {balance: {}}
""",
    )
    with pytest.raises(PolicyError) as info:
        load_file(path)
    [d] = info.value.diagnostics
    assert (d.location.line, d.location.col, d.code) == (3, 9, "scenarios.at")
