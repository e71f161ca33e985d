"""``policyengine fmt [--check] [--diff] PATHS`` end to end (issue 15, item 10).

The formatted bundled policies must be the same policies: ``validate`` passes, every
scenario of ``test`` passes, and ``evaluate``, ``balance`` and ``redeem`` answer
byte for byte as they do on the originals.
"""

from __future__ import annotations

import io
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import POLICIES

# (policy, holder file, as-of) for every bundled holder
EVALUATIONS = [
    ("werc-crp.yaml", "werc-crp-seed-examples.yaml", "2025-09-01"),
    ("werc-crp.yaml", "werc-crp-second-cycle.yaml", "2024-01-01"),
    ("werc-gms.yaml", "werc-gms-seed-examples.yaml", "2025-09-01"),
    ("cpa-uaa.yaml", "cpa-uaa-licensed-2018.yaml", "2024-06-01"),
    ("safety-certification.yaml", "safety-seed-expired.yaml", "2013-03-01"),
]
PACKAGE = "western-cpe-package.yaml"
AT = "2025-03-01T10:00:00"


@pytest.fixture(scope="module")
def formatted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of policies/ that ``policyengine fmt`` has rewritten."""
    from policyengine.cli.main import main

    copy = tmp_path_factory.mktemp("fmt") / "policies"
    shutil.copytree(POLICIES, copy)
    assert main(["fmt", str(copy)]) == 0
    return copy


def _same_except_path(cli: Any, args: list[str], original: Path, copy: Path) -> None:
    """The command run on the original policy and on the formatted copy: same output,
    but for the policy's own path."""
    before = cli(*[a.replace("{policies}", str(original)) for a in args])
    after = cli(*[a.replace("{policies}", str(copy)) for a in args])
    assert before.returncode == after.returncode
    assert after.stdout.replace(str(copy), str(original)) == before.stdout
    assert after.stderr.replace(str(copy), str(original)) == before.stderr


def test_formatted_policies_validate_and_pass_their_scenarios(cli: Any, formatted: Path) -> None:
    done = cli("validate", formatted)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.endswith(" files checked, 0 problems\n")
    original = cli("test", POLICIES)
    after = cli("test", formatted)
    assert after.returncode == 0, after.stdout
    assert after.stdout.splitlines()[-1] == original.stdout.splitlines()[-1]
    assert after.stdout.splitlines()[-1].endswith(" passed, 0 failed")


@pytest.mark.parametrize("policy, holder, as_of", EVALUATIONS)
def test_formatted_policies_evaluate_identically(
    cli: Any, formatted: Path, policy: str, holder: str, as_of: str
) -> None:
    # the bundled holder files are already formatted: the same file serves both runs
    args = ["evaluate", f"{{policies}}/{policy}", "--holder", str(POLICIES / "holders" / holder)]
    for output in ("text", "json"):
        _same_except_path(cli, [*args, "--as-of", as_of, "-o", output], POLICIES, formatted)


@pytest.mark.parametrize("cart", sorted(p.name for p in (POLICIES / "carts").iterdir()))
def test_formatted_package_policy_redeems_identically(cli: Any, formatted: Path, cart: str) -> None:
    account = ["--account", "{policies}/accounts/dana-two-packages.yaml"]
    args = ["redeem", f"{{policies}}/{PACKAGE}", *account, "--cart", f"{{policies}}/carts/{cart}"]
    _same_except_path(cli, [*args, "--at", AT, "-o", "json"], POLICIES, formatted)
    _same_except_path(
        cli, ["balance", f"{{policies}}/{PACKAGE}", *account, "--at", AT], POLICIES, formatted
    )


def test_check_lists_what_would_change_and_writes_nothing(cli: Any) -> None:
    before = {p: p.read_bytes() for p in POLICIES.rglob("*") if p.is_file()}
    done = cli("fmt", "--check", "policies")
    assert done.returncode == 1
    listed = [line for line in done.stdout.splitlines() if line.startswith("would reformat ")]
    assert "would reformat policies/werc-crp.yaml" in listed
    assert done.stdout.splitlines()[-1].startswith(f"{len(listed)} files would be reformatted, ")
    assert done.stdout.splitlines()[-1].endswith(", 3 skipped (not policyengine YAML documents)")
    assert {p: p.read_bytes() for p in POLICIES.rglob("*") if p.is_file()} == before


def test_formatting_twice_is_formatting_once(cli: Any, formatted: Path) -> None:
    """Byte for byte: a second run finds nothing to change."""
    done = cli("fmt", "--diff", formatted)
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr.startswith("0 files would be reformatted, ")


def test_diff_applies_with_patch(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--diff`` writes a unified diff that the real ``patch`` applies to give the
    formatted file; the summary goes to stderr, so stdout is the diff alone."""
    shutil.copy(POLICIES / "werc-crp.yaml", tmp_path / "werc-crp.yaml")
    monkeypatch.chdir(tmp_path)
    done = cli("fmt", "--diff", "werc-crp.yaml")
    assert done.returncode == 1
    assert done.stdout.startswith("--- werc-crp.yaml\n+++ werc-crp.yaml\n@@ ")
    assert done.stderr == "1 file would be reformatted, 0 already formatted\n"
    (tmp_path / "fix.diff").write_text(done.stdout, encoding="utf-8")
    subprocess.run(["patch", "-p0", "-s", "-i", "fix.diff"], cwd=tmp_path, check=True)
    assert cli("fmt", "--check", "werc-crp.yaml").returncode == 0
    assert (tmp_path / "werc-crp.yaml").read_text(encoding="utf-8").index("requirements:") < (
        tmp_path / "werc-crp.yaml"
    ).read_text(encoding="utf-8").index("allocation:")


def test_rewrite_keeps_permissions(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "werc-crp.yaml"
    shutil.copy(POLICIES / "werc-crp.yaml", path)
    path.chmod(0o640)
    done = cli("fmt", path)
    assert (done.returncode, done.stdout.splitlines()[0]) == (0, f"reformatted {path}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["werc-crp.yaml"]  # no temporary left


def test_files_that_are_not_documents(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text("services: {web: {image: nginx}}\n")
    (tmp_path / "holder.json").write_text('{"holder": {"id": "m-1"}}\n')
    shutil.copy(POLICIES / "holders" / "werc-crp-second-cycle.yaml", tmp_path / "h.yaml")
    done = cli("fmt", "--check", tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        "0 files would be reformatted, 1 already formatted, "
        "2 skipped (not policyengine YAML documents)\n"
    )
    named = cli("fmt", "--check", tmp_path / "docker-compose.yml")
    assert named.returncode == 1
    assert named.stderr.startswith(
        f"{tmp_path / 'docker-compose.yml'}: cannot tell what kind of document this is\n"
    )
    named = cli("fmt", tmp_path / "holder.json")
    assert named.returncode == 1
    assert "fmt formats YAML files (.yaml, .yml)" in named.stderr


def test_a_broken_file_is_reported_and_left_alone(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    text = "format: 1\nkind: certification\nconstants: [1, 2\n"
    path.write_text(text)
    done = cli("fmt", path)
    assert done.returncode == 1
    assert done.stderr.startswith(f"{path}:4:1: ")
    assert "Traceback" not in done.stderr
    assert path.read_text() == text
    assert done.stdout == "0 files reformatted, 0 already formatted, 1 could not be formatted\n"


def test_no_yaml_files_is_a_usage_error(cli: Any, tmp_path: Path) -> None:
    done = cli("fmt", tmp_path)
    assert (done.returncode, done.stderr) == (2, "policyengine fmt: no YAML files found\n")


def test_standard_input_is_formatted_to_standard_output(
    cli: Any, monkeypatch: pytest.MonkeyPatch, formatted: Path
) -> None:
    """``fmt -``, as an editor's format-on-save runs it."""
    original = (POLICIES / "werc-crp.yaml").read_text(encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO(original))
    done = cli("fmt", "-")
    expected = (formatted / "werc-crp.yaml").read_text(encoding="utf-8")
    assert (done.returncode, done.stdout, done.stderr) == (0, expected, "")
    monkeypatch.setattr("sys.stdin", io.StringIO(original))
    assert cli("fmt", "--check", "-") == (1, "would reformat <stdin>\n", "")
    monkeypatch.setattr("sys.stdin", io.StringIO(expected))
    assert cli("fmt", "--check", "-") == (0, "", "")
    monkeypatch.setattr("sys.stdin", io.StringIO("services: {web: {image: nginx}}\n"))
    done = cli("fmt", "-")
    assert done.returncode == 1
    assert done.stderr.startswith("<stdin>: cannot tell what kind of document this is\n")
    assert cli("fmt", "-", "policies").returncode == 2


def test_as_a_separate_process(formatted: Path) -> None:
    """The real command, as an editor or a hook runs it: a pipe in, a pipe out."""
    done = subprocess.run(
        [sys.executable, "-m", "policyengine", "fmt", "-"],
        input=(POLICIES / "werc-crp.yaml").read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (formatted / "werc-crp.yaml").read_text(encoding="utf-8")
