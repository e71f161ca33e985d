"""Warnings in ``validate`` and ``# policyengine: ignore[CODE]`` comments: PE390 (an
unused constant) is reported and exits 0; an ignore on the line or alone on the line
above suppresses it; an ignore that matches nothing (PE010), names an error (PE011) or
an unknown code (PE012) is reported; errors are never suppressed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import POLICIES


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "werc-crp.yaml"
    shutil.copy(POLICIES / "werc-crp.yaml", path)
    return path


def add_constants(path: Path, block: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert "  cycle_day: 1\n" in text
    path.write_text(text.replace("  cycle_day: 1\n", "  cycle_day: 1\n" + block, 1), "utf-8")


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, t in enumerate(lines, 1) if needle in t)


def test_bundled_policies_have_no_warnings(cli):
    code, out, _ = cli("validate", "policies", "-o", "json")
    assert code == 0 and json.loads(out)["warnings"] == 0


def test_unused_constant_is_a_warning_and_exits_0(cli, policy):
    add_constants(policy, "  spare: 5\n")
    code, out, _ = cli("validate", policy)
    line = line_of(policy, "spare: 5")
    assert code == 0
    assert out.splitlines()[:3] == [
        f"{policy}:{line}:3: warning[PE390]: constant 'spare' is never used",
        "      spare: 5",
        "      ^^^^^",
    ]
    assert out.splitlines()[-1] == "1 file checked, 0 problems, 1 warning"
    doc = json.loads(cli("validate", policy, "-o", "json")[1])
    [warning] = doc["files"][0]["problems"]
    assert (warning["severity"], warning["problem_code"], warning["code"]) == (
        "warning",
        "PE390",
        "policy.unused-constant",
    )
    assert doc["valid"] is True and doc["warnings"] == 1 and doc["problems"] == 0
    code, out, _ = cli("validate", policy, "-o", "github")
    assert out.startswith(f"::warning file={policy},line={line},col=3,endColumn=7,title=PE390::")


def test_ignore_on_the_line_or_alone_on_the_line_above(cli, policy):
    add_constants(
        policy,
        "  spare: 5  # policyengine: ignore[PE390]\n"
        "  # why: kept for the 2026 rules\n"
        "  # policyengine: ignore[PE390]\n"
        "  other: 6\n",
    )
    code, out, _ = cli("validate", policy)
    # the first covers its own line ('spare'); the second, alone, the next one ('other')
    assert code == 0 and out.splitlines()[-1] == "1 file checked, 0 problems", out


def test_stale_unknown_and_error_ignores_are_reported(cli, policy):
    add_constants(
        policy,
        "  # policyengine: ignore[PE390]\n\n  spare: 5  # policyengine: ignore[PE999, PE131]\n",
    )
    code, out, _ = cli("validate", policy, "-o", "json")
    found = [(p["problem_code"], p["line"]) for p in json.loads(out)["files"][0]["problems"]]
    comment = line_of(policy, "# policyengine: ignore[PE390]")
    spare = line_of(policy, "spare: 5")
    assert code == 0
    assert found == [
        ("PE010", comment),
        ("PE390", spare),
        ("PE012", spare),
        ("PE011", spare),
    ]


def test_errors_cannot_be_ignored(cli, policy):
    text = policy.read_text(encoding="utf-8")
    policy.write_text(
        text.replace(
            "    label: CRP renewal credits",
            "    lable: CRP renewal credits  # policyengine: ignore[PE131]",
        ),
        encoding="utf-8",
    )
    code, out, _ = cli("validate", policy, "-o", "json")
    codes = [p["problem_code"] for p in json.loads(out)["files"][0]["problems"]]
    assert code == 1 and codes == ["PE131", "PE011"]


def test_a_hash_inside_a_value_is_not_a_comment(cli, policy):
    add_constants(policy, '  spare: "a#policyengine: ignore[PE390]"\n')
    code, out, _ = cli("validate", policy, "-o", "json")
    codes = [p["problem_code"] for p in json.loads(out)["files"][0]["problems"]]
    assert code == 0 and codes == ["PE390"]
