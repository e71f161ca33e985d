"""``policyengine test``: text, json and JUnit outputs, exit codes, a broken policy."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from policyengine.cli import main

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for name in ("werc-crp.yaml", "werc-crp.tests.yaml"):
        shutil.copy(POLICIES / name, tmp_path / name)
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def break_policy(folder: Path) -> None:
    path = folder / "werc-crp.yaml"
    text = path.read_text(encoding="utf-8")
    assert "    min: 30\n" in text
    path.write_text(text.replace("    min: 30\n", "    min: 25\n"), encoding="utf-8")


def scenario_line(folder: Path, name: str) -> int:
    lines = (folder / "werc-crp.tests.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip() == f"- name: {name}")


def test_bundled_policies_pass(capsys):
    code, out, _ = run(capsys, "test", str(POLICIES))
    assert code == 0
    assert out.splitlines()[-1] == "36 passed, 0 failed"


def test_broken_policy_fails_at_the_scenario_line(capsys, copy):
    break_policy(copy)
    code, out, _ = run(capsys, "test", str(copy))
    assert code == 1
    name = "29.5 credits leave the CRP requirement 0.5 credits short"
    line = scenario_line(copy, name)
    expected = (f"{copy / 'werc-crp.tests.yaml'}:{line}: scenario '{name}': "
                "renewal.can_invoice: expected false, got true")
    assert expected in out.splitlines()
    last = out.splitlines()[-1]
    passed, failed = int(last.split()[0]), int(last.split()[2])
    assert failed > 0 and passed + failed == 17 and last.endswith(f"{failed} failed")


def test_k_selects_by_name(capsys, copy):
    break_policy(copy)
    code, out, _ = run(capsys, "test", str(copy), "-k", "WEBINAR WATCHED 7/31")
    assert code == 0 and out.splitlines()[-1] == "1 passed, 0 failed"


def test_json_output(capsys, copy):
    break_policy(copy)
    code, out, _ = run(capsys, "test", str(copy / "werc-crp.tests.yaml"), "-o", "json")
    doc = json.loads(out)
    assert code == 1 and doc["format"] == "policyengine.test/1"
    assert doc["passed"] + doc["failed"] == len(doc["scenarios"]) == 17
    failed = [s for s in doc["scenarios"] if s["outcome"] == "failed"]
    m = next(m for s in failed for m in s["mismatches"] if m["path"] == "renewal.can_invoice")
    assert (m["expected"], m["actual"]) == (False, True)
    assert m["location"].startswith(str(copy / "werc-crp.tests.yaml") + ":")


def test_junit_output(capsys, copy):
    break_policy(copy)
    code, out, _ = run(capsys, "test", str(copy), "-o", "junit")
    assert code == 1
    root = ET.fromstring(out)
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 17 == int(root.get("tests"))
    failures = [c for c in cases if c.find("failure") is not None]
    assert len(failures) == int(root.get("failures")) > 0
    case = next(c for c in cases if c.get("name").startswith("29.5 credits"))
    assert case.get("line") == str(scenario_line(copy, case.get("name")))
    assert "renewal.can_invoice: expected false, got true" in case.find("failure").text


def test_junit_all_passed(capsys):
    code, out, _ = run(capsys, "test", str(POLICIES / "werc-gms.tests.yaml"), "-o", "junit")
    root = ET.fromstring(out)
    assert code == 0 and root.get("failures") == "0" and root.get("tests") == "6"


def test_invalid_scenario_file_exits_2_with_position(capsys, copy):
    path = copy / "werc-crp.tests.yaml"
    path.write_text("scenarios:\n  - name: x\n    as_of: 2025-13-01\n    holder: {id: a}\n"
                    "    expect: {}\n", encoding="utf-8")
    code, out, _ = run(capsys, "test", str(copy))
    assert code == 2
    assert f"{path}:3:12:" in out


def test_policy_that_does_not_load_exits_2(capsys, copy):
    path = copy / "werc-crp.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "counts_when: record.status", "counts_when: record.statsu"), encoding="utf-8")
    code, out, _ = run(capsys, "test", str(copy))
    assert code == 2 and "werc-crp.yaml:" in out and "statsu" in out


def test_usage_errors_exit_2(capsys, tmp_path):
    assert run(capsys, "test", str(tmp_path))[0] == 2  # no scenario files
    assert run(capsys, "test", str(POLICIES), "--fail-under", "50")[0] == 2
