"""``policyengine diff``: impact of a policy change on scenario and holder-file holders."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from policyengine.cli import main

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
SHORT = "29.5 credits leave the CRP requirement 0.5 credits short"


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """old.yaml (unchanged CRP) and werc-crp.yaml with min 25, next to the scenarios."""
    shutil.copy(POLICIES / "werc-crp.yaml", tmp_path / "old.yaml")
    shutil.copy(POLICIES / "werc-crp.tests.yaml", tmp_path / "werc-crp.tests.yaml")
    text = (POLICIES / "werc-crp.yaml").read_text(encoding="utf-8")
    (tmp_path / "werc-crp.yaml").write_text(text.replace("min: 30", "min: 25"), encoding="utf-8")
    return tmp_path / "old.yaml", tmp_path / "werc-crp.yaml"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_same_policy_no_changes(capsys):
    crp = POLICIES / "werc-crp.yaml"
    code, out, _ = run(capsys, "diff", crp, crp, "--exit-code")
    assert code == 0
    assert out.splitlines()[-1] == "0 of 17 holders changed in 0 of 1 policy"


def test_min_30_to_25_reports_changed_holders(capsys, pair):
    old, new = pair
    code, out, _ = run(capsys, "diff", old, new)
    assert code == 0
    assert f"{SHORT}' (holder m-3):" in out
    block = out.split(f"{SHORT}' (holder m-3):")[1]
    assert "renewal.can_invoice: false -> true" in block
    assert "periods[1].status: in-progress -> complete" in block
    assert "periods[1].completed_on: - -> 2025-05-20" in block
    assert run(capsys, "diff", old, new, "--exit-code")[0] == 1


def test_json_and_holders_dir(capsys, pair):
    old, new = pair
    code, out, _ = run(capsys, "diff", old, new, "-o", "json", "--holders", POLICIES / "holders",
                       "--as-of", "2025-09-01")
    doc = json.loads(out)
    [p] = doc["policies"]
    assert code == 0 and doc["format"] == "policyengine.diff/1"
    by_holder = {h["holder"]: h for h in p["holders_changed"]}
    seed = by_holder["m-1001"]["changes"]
    assert {"what": "status.code", "old": "expired", "new": "certified"} in seed
    assert [s["label"] for s in p["skipped"]] == [
        f"holder file {POLICIES / 'holders' / 'safety-seed-expired.yaml'}"]
    assert doc["changed"] == len(p["holders_changed"]) and doc["holders"] == p["holders"]


def test_github_output(capsys, pair):
    old, new = pair
    _code, out, _ = run(capsys, "diff", old, new, "-o", "github")
    lines = out.splitlines()
    tests = new.parent / "werc-crp.tests.yaml"
    line = next(i for i, t in enumerate(tests.read_text().splitlines(), 1) if SHORT in t)
    ann = next(x for x in lines if f",line={line}," in x)
    assert ann.startswith(f"::warning file={tests},line={line},title=policy impact::")
    assert "renewal.can_invoice: false -> true" in ann
    assert lines[-1].startswith("::notice::") and lines[-1].endswith("of 17 holders changed")


def test_markdown_output(capsys, pair):
    old, new = pair
    _code, out, _ = run(capsys, "diff", old, new, "-o", "markdown")
    assert out.startswith("### Policy impact")
    assert "| Holder | Where | What | Old | New |" in out
    row = next(x for x in out.splitlines() if "`renewal.can_invoice`" in x and "| false | true |" in x)
    assert row.startswith("|")


def test_policy_that_fails_to_load_is_an_error(capsys, pair):
    old, new = pair
    new.write_text(new.read_text().replace("length: 3 years", "length: 3 yeers"))
    code, _out, err = run(capsys, "diff", old, new)
    assert code == 2
    assert f"{new}:" in err


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
                        "HOME": str(cwd), "PATH": "/usr/bin:/bin:/usr/local/bin"})


def test_base_revision(capsys, tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "policies").mkdir(parents=True)
    for name in ("werc-crp.yaml", "werc-crp.tests.yaml", "werc-gms.yaml"):
        shutil.copy(POLICIES / name, repo / "policies" / name)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "policies")
    crp = repo / "policies" / "werc-crp.yaml"
    crp.write_text(crp.read_text().replace("min: 30", "min: 25"))
    shutil.copy(POLICIES / "safety-certification.yaml", repo / "policies" / "new.yaml")
    monkeypatch.chdir(repo)
    code, out, _ = run(capsys, "diff", "--base", "main", "--exit-code")
    assert code == 1
    assert "policies/werc-crp.yaml: " in out and "(old: main:policies/werc-crp.yaml)" in out
    assert "policies/werc-gms.yaml: 0 of 0 holders change" in out
    assert "policies/new.yaml: new policy: nothing to compare" in out
    assert f"{SHORT}' (holder m-3):" in out
    # an old version that does not load is reported at REV:path:line:col
    crp.write_text(crp.read_text())
    git(repo, "commit", "-q", "-am", "min 25")
    bad = crp.read_text().replace("length: 3 years", "length: 3 yeers")
    crp.write_text(bad)
    git(repo, "commit", "-q", "-am", "broken")
    crp.write_text(bad.replace("3 yeers", "3 years"))
    code, _out, err = run(capsys, "diff", "--base", "HEAD", "policies/werc-crp.yaml")
    assert code == 2 and "HEAD:policies/werc-crp.yaml:" in err
