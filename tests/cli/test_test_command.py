"""``policyengine test``: text, json and JUnit outputs, exit codes, a broken policy."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.helpers import POLICIES


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for name in ("werc-crp.yaml", "werc-crp.tests.yaml"):
        shutil.copy(POLICIES / name, tmp_path / name)
    return tmp_path


def break_policy(folder: Path) -> None:
    path = folder / "werc-crp.yaml"
    text = path.read_text(encoding="utf-8")
    assert "    min: 30\n" in text
    path.write_text(text.replace("    min: 30\n", "    min: 25\n"), encoding="utf-8")


def scenario_line(folder: Path, name: str) -> int:
    lines = (folder / "werc-crp.tests.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip() == f"- name: {name}")


def bundled_scenario_count() -> int:
    from policyengine.ci.scenarios.files import find_files, load_file

    return sum(len(load_file(f).scenarios) for f in find_files([str(POLICIES)]))


def test_bundled_policies_pass(cli):
    code, out, _ = cli("test", str(POLICIES))
    assert code == 0
    assert out.splitlines()[-1] == f"{bundled_scenario_count()} passed, 0 failed"


def test_broken_policy_fails_at_the_scenario_line(cli, copy):
    break_policy(copy)
    code, out, _ = cli("test", str(copy))
    assert code == 1
    name = "29.5 credits leave the CRP requirement 0.5 credits short"
    line = scenario_line(copy, name)
    expected = (
        f"{copy / 'werc-crp.tests.yaml'}:{line}: scenario '{name}': "
        "renewal.can_invoice: expected false, got true"
    )
    assert expected in out.splitlines()
    last = out.splitlines()[-1]
    passed, failed = int(last.split()[0]), int(last.split()[2])
    assert failed > 0 and passed + failed == 17 and last.endswith(f"{failed} failed")


def test_k_selects_by_name(cli, copy):
    break_policy(copy)
    code, out, _ = cli("test", str(copy), "-k", "WEBINAR WATCHED 7/31")
    assert code == 0 and out.splitlines()[-1] == "1 passed, 0 failed"


def test_json_output(cli, copy):
    break_policy(copy)
    code, out, _ = cli("test", str(copy / "werc-crp.tests.yaml"), "-o", "json", "--root", copy)
    doc = json.loads(out)
    assert code == 1 and doc["format"] == "policyengine.test/1"
    assert doc["passed"] + doc["failed"] == len(doc["scenarios"]) == 17
    failed = [s for s in doc["scenarios"] if s["outcome"] == "failed"]
    m = next(m for s in failed for m in s["mismatches"] if m["path"] == "renewal.can_invoice")
    assert (m["expected"], m["actual"]) == (False, True)
    assert m["location"].startswith(str(copy / "werc-crp.tests.yaml") + ":")


def test_junit_output(cli, copy):
    break_policy(copy)
    code, out, _ = cli("test", str(copy), "-o", "junit")
    assert code == 1
    root = ET.fromstring(out)
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 17 == int(root.get("tests"))
    failures = [c for c in cases if c.find("failure") is not None]
    assert len(failures) == int(root.get("failures")) > 0
    case = next(c for c in cases if c.get("name").startswith("29.5 credits"))
    # strict readers (Jenkins xunit's junit-10.xsd) allow no file/line on <testcase>:
    # the scenario's place starts the failure message, the expected values' its text
    assert case.get("line") is None and case.get("file") is None
    where = f"{copy / 'werc-crp.tests.yaml'}:{scenario_line(copy, case.get('name'))}: "
    assert case.find("failure").get("message").startswith(where)
    assert case.get("classname").endswith(".werc-crp")
    assert "renewal.can_invoice: expected false, got true" in case.find("failure").text


def test_junit_all_passed(cli):
    code, out, _ = cli("test", str(POLICIES / "werc-gms.tests.yaml"), "-o", "junit")
    root = ET.fromstring(out)
    assert code == 0 and root.get("failures") == "0" and root.get("tests") == "6"


def test_invalid_scenario_file_exits_2_with_position(cli, copy):
    path = copy / "werc-crp.tests.yaml"
    path.write_text(
        "scenarios:\n  - name: x\n    as_of: 2025-13-01\n    holder: {id: a}\n    expect: {}\n",
        encoding="utf-8",
    )
    code, out, _ = cli("test", str(copy))
    assert code == 2
    assert f"{path}:3:12:" in out


def test_policy_that_does_not_load_exits_2(cli, copy):
    path = copy / "werc-crp.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "counts_when: record.status", "counts_when: record.statsu"
        ),
        encoding="utf-8",
    )
    code, out, _ = cli("test", str(copy))
    assert code == 2 and "werc-crp.yaml:" in out and "statsu" in out


def test_usage_errors_exit_2(cli, tmp_path):
    assert cli("test", str(tmp_path))[0] == 2  # no scenario files
    assert cli("test", str(POLICIES), "--fail-under", "50")[0] == 2


def test_junit_for_a_failing_package_scenario(cli, tmp_path):
    for name in ("western-cpe-package.yaml", "western-cpe-package.tests.yaml"):
        shutil.copy(POLICIES / name, tmp_path / name)
    for sub in ("accounts", "carts"):
        shutil.copytree(POLICIES / sub, tmp_path / sub)
    policy = tmp_path / "western-cpe-package.yaml"
    policy.write_text(policy.read_text().replace("expires_after: 1 year", "expires_after: 2 years"))
    code, out, _ = cli("test", str(tmp_path), "-o", "junit")
    assert code == 1
    root = ET.fromstring(out)
    [suite] = root.findall("testsuite")
    failed = [c for c in suite.findall("testcase") if c.find("failure") is not None]
    name = "a course bought on 2024-02-29 expires on 2025-02-28"
    case = next(c for c in failed if c.get("name") == name)
    tests = tmp_path / "western-cpe-package.tests.yaml"
    line = next(i for i, t in enumerate(tests.read_text().splitlines(), 1) if name in t)
    assert case.find("failure").get("message").startswith(f"{tests}:{line}: ")
    assert suite.get("file") == str(tests)
    message = case.find("failure").get("message")
    assert message == (
        f"{tests}:{line}: decision.enrollments[WC-GOV-2].expires_on: expected "
        "'2025-02-28', got '2026-02-28'"
    )
