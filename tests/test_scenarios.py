"""Scenario files: loading, schema errors at file:line:col, partial matching."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from policyengine.errors import PolicyError
from policyengine.scenarios import default_policy_path, find_files, load_file, run_file

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"


@pytest.fixture
def crp(tmp_path: Path) -> Path:
    shutil.copy(POLICIES / "werc-crp.yaml", tmp_path / "werc-crp.yaml")
    return tmp_path


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_naming_convention():
    assert default_policy_path("policies/werc-crp.tests.yaml") == "policies/werc-crp.yaml"
    assert default_policy_path("x/a.tests.json") == "x/a.json"


def test_find_files_only_scenario_files():
    found = list(find_files([str(POLICIES)]))
    names = sorted(Path(f).name for f in found)
    assert names == ["safety-certification.tests.yaml", "werc-crp.tests.yaml",
                     "werc-gms.tests.yaml"]


@pytest.mark.parametrize("name", ["werc-crp", "werc-gms", "safety-certification"])
def test_bundled_scenarios_pass(name):
    sf = load_file(str(POLICIES / f"{name}.tests.yaml"))
    results = run_file(sf)
    assert results and all(r.outcome == "passed" for r in results), [
        (r.scenario.name, [m.text() for m in r.mismatches], r.errors) for r in results
        if r.outcome != "passed"]


def test_partial_matching_and_decimal_numbers(crp):
    path = write(crp / "werc-crp.tests.yaml", """\
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
""")
    [result] = run_file(load_file(path))
    assert result.outcome == "passed"


def test_mismatch_path_expected_actual_and_location(crp):
    path = write(crp / "werc-crp.tests.yaml", """\
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
""")
    first, second = run_file(load_file(path))
    assert first.outcome == "passed"
    assert second.outcome == "failed" and second.scenario.line == 6
    got = {m.path: (m.expected, m.actual) for m in second.mismatches}
    assert got["periods[number=1].credits"] == (20, "18")
    assert got["records[a].disposition"] == ("not-valid", "applied")
    assert "periods[number=7]" in got and "records[ghost]" in got
    loc = next(m.location for m in second.mismatches if m.path == "periods[number=1].credits")
    assert (loc.line, loc.col) == (13, 32)


def test_list_lengths_are_compared(crp):
    path = write(crp / "werc-crp.tests.yaml", """\
scenarios:
  - name: applied list
    as_of: 2025-07-01
    holder: {id: m-1, designated_on: 2022-06-15}
    records: [{id: a, credits: 1, earned_on: 2023-10-02}, {id: b, credits: 1, earned_on: 2023-10-03}]
    expect: {periods: [{number: 1, applied: [a]}]}
""")
    [result] = run_file(load_file(path))
    assert [m.path for m in result.mismatches] == ["periods[number=1].applied (length)"]


def test_schema_errors_at_line_and_column(crp):
    path = write(crp / "werc-crp.tests.yaml", """\
scenarios:
  - name: typo
    as_of: 2025-07-01
    holder: {id: m-1, designated_on: 2022-06-15}
    expcet: {}
""")
    with pytest.raises(PolicyError) as err:
        load_file(path)
    rendered = [d.render(with_source=False) for d in err.value.diagnostics]
    assert any(":5:5: unknown key 'expcet'" in r for r in rendered), rendered


def test_missing_policy_and_policy_override(tmp_path):
    path = write(tmp_path / "other.tests.yaml", """\
scenarios:
  - {name: x, as_of: 2025-01-01, holder: {id: a, designated_on: 2022-06-15}, expect: {}}
""")
    with pytest.raises(PolicyError, match="does not exist"):
        load_file(path)
    shutil.copy(POLICIES / "werc-crp.yaml", tmp_path / "crp.yaml")
    path = write(tmp_path / "other.tests.yaml", """\
policy: crp.yaml
scenarios:
  - {name: x, as_of: 2025-01-01, holder: {id: a, designated_on: 2022-06-15},
     expect: {status: {code: certified}}}
""")
    [result] = run_file(load_file(path))
    assert result.outcome == "passed"


def test_holder_file_with_extra_records(tmp_path):
    shutil.copy(POLICIES / "werc-crp.yaml", tmp_path / "werc-crp.yaml")
    (tmp_path / "h").mkdir()
    write(tmp_path / "h" / "pat.yaml", "holder: {id: p, designated_on: 2022-06-15}\n"
          "records: [{id: a, credits: 10, earned_on: 2023-01-01}]\n")
    path = write(tmp_path / "werc-crp.tests.yaml", """\
scenarios:
  - name: file plus inline
    as_of: 2025-07-01
    holder_file: h/pat.yaml
    records: [{id: b, credits: 20, earned_on: 2024-01-01}]
    expect: {periods: [{number: 1, credits: 30, status: complete, applied: [a, b]}]}
""")
    [result] = run_file(load_file(path))
    assert result.outcome == "passed", [m.text() for m in result.mismatches]


def test_bad_holder_value_is_an_error_result(crp):
    path = write(crp / "werc-crp.tests.yaml", """\
scenarios:
  - name: bad date
    as_of: 2025-07-01
    holder: {id: m-1, designated_on: 2022-06-15}
    records: [{id: a, credits: 1, earned_on: 2023-02-30}]
    expect: {}
""")
    [result] = run_file(load_file(path))
    assert result.outcome == "error"
    assert result.errors[0].location.line == 5


def test_credit_package_scenario(tmp_path):
    shutil.copy(POLICIES / "western-cpe-package.yaml", tmp_path / "western-cpe-package.yaml")
    shutil.copy(POLICIES / "accounts" / "dana-two-packages.yaml", tmp_path / "dana.yaml")
    path = write(tmp_path / "western-cpe-package.tests.yaml", """\
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
""")
    results = run_file(load_file(path))
    assert [r.outcome for r in results] == ["passed", "passed"], [
        [m.text() for m in r.mismatches] + [d.message for d in r.errors] for r in results]
