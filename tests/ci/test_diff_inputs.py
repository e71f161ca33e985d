"""``policyengine diff --holders/--accounts/--carts``: a path that names nothing, cannot
be read or holds files that do not load is never skipped silently.

A mistyped ``--holders`` in CI used to print ``0 of 17 holders change`` and exit 0. Now a
missing or unreadable directory or file given on the command line is a usage error
(exit 2), and a file under it that cannot be read or is not a valid document is a
problem printed at its ``file:line:col`` (exit 2, as for a policy that does not load).
Permission denied is tested in a real process in which permission bits apply even when
the suite runs as root (``tests/unprivileged.py``).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from policyengine.ci.diff.impact import PolicyImpact
from policyengine.cli.report_text import TextReporter
from policyengine.cli.reporting import ImpactResult
from policyengine.errors import Diagnostic, Location
from tests.helpers import POLICIES, ROOT
from tests.unprivileged import run_bound

CRP = POLICIES / "werc-crp.yaml"
PKG = POLICIES / "western-cpe-package.yaml"
AT = "2025-03-01T10:00:00"
CONSOLE = Path(sys.executable).parent / "policyengine"


def holders_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "holders"
    shutil.copytree(POLICIES / "holders", folder)
    return folder


def test_a_missing_holders_directory_is_a_usage_error(cli, tmp_path):
    code, out, err = cli("diff", CRP, CRP, "--holders", tmp_path / "holdrs")
    assert code == 2, out
    assert (
        err == f"policyengine diff: --holders: no such file or directory: {tmp_path / 'holdrs'}\n"
    )
    assert out == ""


@pytest.mark.parametrize("option", ["--accounts", "--carts"])
def test_a_missing_accounts_or_carts_path_is_a_usage_error(cli, tmp_path, option):
    paths = {"--accounts": POLICIES / "accounts", "--carts": POLICIES / "carts"}
    paths[option] = tmp_path / "nowhere"
    code, out, err = cli(
        "diff", PKG, PKG, "--accounts", paths["--accounts"], "--carts", paths["--carts"], "--at", AT
    )
    assert code == 2, out
    assert f"policyengine diff: {option}: no such file or directory: {tmp_path / 'nowhere'}" in err


def test_a_holder_file_that_does_not_parse_is_reported_at_its_line(cli, tmp_path):
    folder = holders_dir(tmp_path)
    bad = folder / "broken.yaml"
    bad.write_text("holder:\n  id: m-9\n  name: [unclosed\n", encoding="utf-8")
    code, out, err = cli("diff", CRP, CRP, "--holders", folder, "--as-of", "2025-09-01")
    assert code == 2
    assert err.startswith(f"{bad}:4:1: expected ',' or ']'"), err
    # the rest is still compared and reported
    assert "0 of 21 holders change" in out


def test_a_holder_file_that_breaks_the_schema_is_reported_at_its_line(cli, tmp_path):
    folder = holders_dir(tmp_path)
    bad = folder / "no-id.yaml"
    bad.write_text("holder:\n  name: Nobody\nrecords: []\n", encoding="utf-8")
    code, out, _err = cli(
        "diff", CRP, CRP, "--holders", folder, "--as-of", "2025-09-01", "-o", "json"
    )
    assert code == 2
    doc = json.loads(out)
    [problem] = doc["errors"]
    assert (problem["file"], problem["line"]) == (str(bad), 2)
    assert "'id'" in problem["message"]
    assert doc["holders"] == 21


def test_a_dangling_symlink_is_a_file_that_cannot_be_read(cli, tmp_path):
    folder = holders_dir(tmp_path)
    (folder / "gone.yaml").symlink_to(tmp_path / "deleted.yaml")
    code, _out, err = cli("diff", CRP, CRP, "--holders", folder, "--as-of", "2025-09-01")
    assert code == 2
    assert f"cannot read {folder / 'gone.yaml'}: No such file or directory" in err


def test_an_account_file_that_does_not_parse_is_reported(cli, tmp_path):
    folder = tmp_path / "accounts"
    shutil.copytree(POLICIES / "accounts", folder)
    (folder / "tab.yaml").write_text("account:\n\tid: x\n", encoding="utf-8")
    code, out, err = cli("diff", PKG, PKG, "--accounts", folder, "--at", AT)
    assert code == 2
    assert f"{folder / 'tab.yaml'}:2:" in err
    assert "0 of 21 accounts change" in out


def test_a_carts_file_of_another_kind_is_a_usage_error(cli):
    account = POLICIES / "accounts" / "dana-two-packages.yaml"
    code, _out, err = cli(
        "diff", PKG, PKG, "--accounts", POLICIES / "accounts", "--carts", account, "--at", AT
    )
    assert code == 2
    assert (
        err == f"policyengine diff: --carts: {account} is not a cart file (it is an account file)\n"
    )


def test_a_directory_without_holder_files_is_a_usage_error(cli):
    code, _out, err = cli("diff", CRP, CRP, "--holders", POLICIES / "carts")
    assert code == 2
    assert err == f"policyengine diff: --holders: no holder files under {POLICIES / 'carts'}\n"


def test_holder_files_of_another_policy_are_still_skipped_with_a_reason(cli):
    code, out, _err = cli(
        "diff", CRP, CRP, "--holders", POLICIES / "holders", "--as-of", "2025-09-01"
    )
    assert code == 0
    assert "skipped holder file policies/holders/safety-seed-expired.yaml: " in out.replace(
        str(POLICIES), "policies"
    )


def test_a_skipped_reason_with_a_hint_is_shown_on_two_lines() -> None:
    """The reason is a diagnostic: its hint goes on a line of its own in the text output
    (it once showed as an escaped line break: 'No such file\\n  hint: ...')."""
    why = Diagnostic(
        "cannot read h.yaml: No such file or directory",
        Location("t.tests.yaml", 3, 5),
        hint="check the path and permissions",
    )
    impact = PolicyImpact("old.yaml", "new.yaml", skipped=[("scenario 'x'", why)])
    out = io.StringIO()
    TextReporter(out, io.StringIO()).report_impact(ImpactResult([impact], []))
    assert out.getvalue().splitlines()[1:3] == [
        "  skipped scenario 'x': t.tests.yaml:3:5: cannot read h.yaml: No such file or directory",
        "    hint: check the path and permissions",
    ]


# ----------------------------------------------------------------- permission denied


def run_console(*args: object) -> subprocess.CompletedProcess[str]:
    """The console script in a real process, in which permission bits apply."""
    return run_bound([CONSOLE, *args], cwd=ROOT, env={**os.environ, "POLICYENGINE_CACHE_DIR": ""})


def test_an_unreadable_holders_directory_is_a_usage_error(tmp_path):
    folder = tmp_path / "holders"
    shutil.copytree(POLICIES / "holders", folder)
    folder.chmod(0o311)  # can be entered, not listed
    proc = run_console("diff", CRP, CRP, "--holders", folder)
    assert proc.returncode == 2, proc
    assert (
        proc.stderr
        == f"policyengine diff: --holders: cannot read directory {folder}: Permission denied\n"
    )


def test_an_unreadable_file_and_subdirectory_are_problems(tmp_path):
    folder = tmp_path / "holders"
    shutil.copytree(POLICIES / "holders", folder)
    secret = folder / "werc-crp-second-cycle.yaml"
    secret.chmod(0o000)
    (folder / "more").mkdir(mode=0o300)
    proc = run_console("diff", CRP, CRP, "--holders", folder, "--as-of", "2025-09-01")
    assert proc.returncode == 2, proc
    assert "Traceback" not in proc.stderr
    assert f"cannot read {secret}: Permission denied" in proc.stderr
    assert f"cannot read directory {folder / 'more'}: Permission denied" in proc.stderr


# ----------------------------------------------------------------- --base without git


def test_base_without_git_installed_is_a_usage_error(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    proc = subprocess.run(
        [str(CONSOLE), "diff", "--base", "main", "policies/werc-crp.yaml"],
        cwd=ROOT,
        env={"PATH": str(empty), "POLICYENGINE_CACHE_DIR": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2, proc
    assert proc.stderr.startswith("policyengine diff: --base: cannot run git: "), proc.stderr
    assert "Traceback" not in proc.stderr
