"""``policyengine diff``: impact of a policy change on scenario and holder-file holders."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import POLICIES

SHORT = "29.5 credits leave the CRP requirement 0.5 credits short"


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """old.yaml (unchanged CRP) and werc-crp.yaml with min 25, next to the scenarios."""
    shutil.copy(POLICIES / "werc-crp.yaml", tmp_path / "old.yaml")
    shutil.copy(POLICIES / "werc-crp.tests.yaml", tmp_path / "werc-crp.tests.yaml")
    text = (POLICIES / "werc-crp.yaml").read_text(encoding="utf-8")
    (tmp_path / "werc-crp.yaml").write_text(text.replace("min: 30", "min: 25"), encoding="utf-8")
    return tmp_path / "old.yaml", tmp_path / "werc-crp.yaml"


def test_same_policy_no_changes(cli):
    crp = POLICIES / "werc-crp.yaml"
    code, out, _ = cli("diff", crp, crp, "--exit-code")
    assert code == 0
    assert out.splitlines()[-1] == "0 of 17 holders changed in 0 of 1 policy"


def test_min_30_to_25_reports_changed_holders(cli, pair):
    old, new = pair
    code, out, _ = cli("diff", old, new)
    assert code == 0
    assert f"{SHORT}' (holder m-3):" in out
    block = out.split(f"{SHORT}' (holder m-3):")[1]
    assert "renewal.can_invoice: false -> true" in block
    assert "periods[1].status: in-progress -> complete" in block
    assert "periods[1].completed_on: - -> 2025-05-20" in block
    assert cli("diff", old, new, "--exit-code")[0] == 1


def test_json_and_holders_dir(cli, pair):
    old, new = pair
    code, out, _ = cli(
        "diff", old, new, "-o", "json", "--holders", POLICIES / "holders", "--as-of", "2025-09-01"
    )
    doc = json.loads(out)
    [p] = doc["policies"]
    assert code == 0 and doc["format"] == "policyengine.diff/1"
    by_holder = {h["holder"]: h for h in p["holders_changed"]}
    seed = by_holder["m-1001"]["changes"]
    assert {"what": "status.code", "old": "expired", "new": "certified"} in seed
    assert [s["label"] for s in p["skipped"]] == [
        f"holder file {POLICIES / 'holders' / 'safety-seed-expired.yaml'}"
    ]
    assert doc["changed"] == len(p["holders_changed"]) and doc["holders"] == p["holders"]


def test_github_output_points_at_the_edited_policy_line(cli, pair):
    """One annotation at the policy line whose value changed (the line a pull request
    shows), not one per holder at the scenario lines; the totals close the output."""
    old, new = pair
    _code, out, _ = cli("diff", old, new, "-o", "github")
    lines = out.splitlines()
    line = next(i for i, t in enumerate(new.read_text().splitlines(), 1) if "min: 25" in t)
    [ann] = [x for x in lines if x.startswith("::warning")]
    assert ann.startswith(f"::warning file={new},line={line},col=10,title=PE660::")
    assert "requirements[0].min: 30 -> 25: the outcome of 16 of 17 holders changes: m-1 (" in ann
    assert "and 13 more" in ann
    assert lines[-1] == "::notice::16 of 17 holders changed"
    assert len(lines) == 2


def test_markdown_output(cli, pair):
    old, new = pair
    _code, out, _ = cli("diff", old, new, "-o", "markdown")
    assert out.startswith("### Policy impact")
    assert "| Holder | Where | What | Old | New |" in out
    row = next(
        x for x in out.splitlines() if "`renewal.can_invoice`" in x and "| false | true |" in x
    )
    assert row.startswith("|")


def test_policy_that_fails_to_load_is_an_error(cli, pair):
    old, new = pair
    new.write_text(new.read_text().replace("length: 3 years", "length: 3 yeers"))
    code, _out, err = cli("diff", old, new)
    assert code == 2
    assert f"{new}:" in err


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
            "HOME": str(cwd),
            "PATH": "/usr/bin:/bin:/usr/local/bin",
        },
    )


def test_base_revision(cli, tmp_path, monkeypatch):
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
    code, out, _ = cli("diff", "--base", "main", "--exit-code")
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
    code, _out, err = cli("diff", "--base", "HEAD", "policies/werc-crp.yaml")
    assert code == 2 and "HEAD:policies/werc-crp.yaml:" in err


# ------------------------------------------------------------------ credit-package policies

PKG = "western-cpe-package"
LAST_MINUTE = "a package bought 2024-01-15 can still be used at the last minute of 2025-01-13"


@pytest.fixture
def package_pair(tmp_path: Path):
    """old.yaml (the bundled terms) and a changed western-cpe-package.yaml next to the
    bundled scenarios, accounts and carts; returns (old, new, change(old_text, new_text))."""
    shutil.copy(POLICIES / f"{PKG}.yaml", tmp_path / "old.yaml")
    shutil.copy(POLICIES / f"{PKG}.yaml", tmp_path / f"{PKG}.yaml")
    shutil.copy(POLICIES / f"{PKG}.tests.yaml", tmp_path / f"{PKG}.tests.yaml")
    shutil.copytree(POLICIES / "accounts", tmp_path / "accounts")
    shutil.copytree(POLICIES / "carts", tmp_path / "carts")
    new = tmp_path / f"{PKG}.yaml"

    def change(before: str, after: str) -> None:
        text = new.read_text(encoding="utf-8")
        assert before in text
        new.write_text(text.replace(before, after), encoding="utf-8")

    return tmp_path / "old.yaml", new, change


def changes_under(out: str, head: str) -> list[str]:
    """The change lines ('    what: old -> new') printed under the subject line ``head``."""
    lines = out.split(head, 1)[1].splitlines()[1:]
    block = []
    for line in lines:
        if not line.startswith("    "):
            break
        block.append(line.strip())
    return block


def line_of(path: Path, text: str) -> int:
    return next(i for i, t in enumerate(path.read_text().splitlines(), 1) if text in t)


def test_shorter_package_expiry_reports_accounts_and_fails_the_scenario(cli, package_pair):
    old, new, change = package_pair
    change("valid_for: 365 days", "valid_for: 180 days")
    code, out, _ = cli("diff", old, new, "--exit-code")
    assert code == 1
    tests = new.parent / f"{PKG}.tests.yaml"
    line = line_of(tests, f"- name: {LAST_MINUTE}")
    head = f"  {tests}:{line}:1: scenario '{LAST_MINUTE}' (account m-2002):"
    block = changes_under(out, head)
    assert "decision.allowed: true -> false" in block
    assert "balance.available: 5.5 -> 0" in block
    assert "balance.packages[pkg-2024-01].last_day: 2025-01-13 -> 2024-07-12" in block
    assert out.startswith(f"{new}: 18 of 19 accounts change (old: {old})\n")
    assert out.splitlines()[-1] == "18 of 19 accounts changed in 1 of 1 policy"
    # and the scenario fails at its line, the first mismatch at the expected value's line
    code, out, _ = cli("test", tests, "--root", tests.parent)
    assert code == 1
    failure = next(x for x in out.splitlines() if x.startswith(f"{tests}:{line}: "))
    assert failure.startswith(
        f"{tests}:{line}: scenario '{LAST_MINUTE}': decision.allowed: "
        "expected true, got false (refused: [no-valid-package]"
    )
    expected_at = line_of(tests, "expires_at: 2025-01-14T00:00:00-08:00") - 1  # 'draws:' line
    assert f"    (expected at {tests}:{expected_at}:" in out


def test_higher_item_cost_in_json_github_and_markdown(cli, package_pair):
    old, new, change = package_pair
    change("item_cost: item.credits", "item_cost: item.credits * 2")
    _code, out, _ = cli("diff", old, new, "-o", "json")
    doc = json.loads(out)
    [p] = doc["policies"]
    assert (p["kind"], p["accounts"], doc["accounts"], doc["holders"]) == (
        "credit-package",
        19,
        19,
        0,
    )
    assert doc["changed"] == p["changed"] == len(p["accounts_changed"])
    first = p["accounts_changed"][0]
    assert first["account"] == "m-1001" and first["location"].endswith(f"{PKG}.tests.yaml:18:1")
    assert {"what": "decision.total_credits", "old": "7.5", "new": "15"} in first["changes"]
    assert {
        "what": "decision.draws[pkg-2024-06]",
        "old": "7.5 credits (8.5 left)",
        "new": "15 credits (1 left)",
    } in first["changes"]
    short = next(a for a in p["accounts_changed"] if "4 credits short" in a["label"])
    assert {
        "what": "decision.reasons[insufficient-credits]",
        "old": "The cart costs 30 credits but only 26 credits are available: 4 credits short.",
        "new": "The cart costs 60 credits but only 26 credits are available: 34 credits short.",
    } in short["changes"]

    _code, out, _ = cli("diff", old, new, "-o", "github")
    ann = out.splitlines()[0]
    line = next(i for i, t in enumerate(new.read_text().splitlines(), 1) if "item.credits * 2" in t)
    assert ann.startswith(f"::warning file={new},line={line},")
    assert "cart.item_cost: item.credits -> item.credits * 2: the outcome of " in ann
    assert "m-1001 (scenario " in ann
    assert "decision.total_credits: 7.5 -> 15" in ann
    assert out.splitlines()[-1] == f"::notice::{p['changed']} of 19 accounts changed"

    _code, out, _ = cli("diff", old, new, "-o", "markdown")
    assert f"**{p['changed']} of 19 accounts** change their outcome." in out
    assert "| Account | Where | What | Old | New |" in out
    assert "| `decision.total_credits` | 7.5 | 15 |" in out


def test_account_and_cart_files(cli, package_pair):
    old, new, change = package_pair
    change("item_cost: item.credits", "item_cost: item.credits * 2")
    folder = new.parent
    code, out, _ = cli(
        "diff",
        old,
        new,
        "--accounts",
        folder / "accounts",
        "--carts",
        folder / "carts",
        "--at",
        "2025-03-01T10:00:00",
    )
    assert code == 0
    label = (
        f"account file {folder / 'accounts' / 'dana-two-packages.yaml'}, cart file "
        f"{folder / 'carts' / 'eligible-only.yaml'} (account m-1001):"
    )
    assert "decision.total_credits: 7.5 -> 15" in changes_under(out, label)
    # 19 scenarios + 2 accounts x 5 carts
    assert out.splitlines()[0].endswith("of 29 accounts change (old: " + str(old) + ")")
    # without --carts an account file is compared on its balance only (old.yaml has no
    # scenario file, so only the two account files are evaluated)
    code, out, _ = cli(
        "diff",
        old,
        old,
        "--accounts",
        folder / "accounts",
        "--at",
        "2025-03-01T10:00:00",
        "--exit-code",
    )
    assert code == 0 and out.splitlines()[-1] == "0 of 2 accounts changed in 0 of 1 policy"


def test_package_diff_usage_errors(cli, package_pair):
    old, new, _change = package_pair
    code, _out, err = cli("diff", old, new, "--accounts", new.parent, "--at", "soon")
    assert code == 2 and "--at: 'soon' is not a valid ISO 8601 timestamp" in err
    code, _out, err = cli("diff", old, new, "--carts", new.parent)
    assert code == 2 and "--carts needs --accounts" in err


def test_kind_change_is_noted(cli, package_pair):
    _old, new, _change = package_pair
    code, out, _ = cli("diff", POLICIES / "werc-crp.yaml", new)
    assert code == 0
    assert (
        f"{new}: the policy changed kind (certification -> credit-package): its outcomes "
        "cannot be compared"
    ) in out


def test_base_revision_with_a_package_policy(cli, tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "policies").mkdir(parents=True)
    for name in ("werc-crp.yaml", "werc-crp.tests.yaml", f"{PKG}.yaml", f"{PKG}.tests.yaml"):
        shutil.copy(POLICIES / name, repo / "policies" / name)
    for sub in ("accounts", "carts"):
        shutil.copytree(POLICIES / sub, repo / "policies" / sub)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "policies")
    pkg = repo / "policies" / f"{PKG}.yaml"
    pkg.write_text(pkg.read_text().replace("expires_after: 1 year", "expires_after: 6 months"))
    monkeypatch.chdir(repo)
    code, out, _ = cli("diff", "--base", "main", "--exit-code")
    assert code == 1
    assert "policies/werc-crp.yaml: 0 of 17 holders change" in out
    assert f"policies/{PKG}.yaml: 8 of 19 accounts change (old: main:policies/{PKG}.yaml)" in out
    assert "decision.enrollments[WC-GOV-2].expires_on: 2025-02-28 -> 2024-08-29" in out
    assert out.splitlines()[-1] == "0 of 17 holders and 8 of 19 accounts changed in 1 of 2 policies"
