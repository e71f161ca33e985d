"""The hooks of ``.pre-commit-hooks.yaml``, run by the real pre-commit (``try-repo``,
which installs this repository into its own virtualenv from the package index) in a
policy repository that also holds unrelated YAML (issue 15, item 6).

Each ``try-repo`` installs the hooks' environment afresh (about 20 s here), so the
runs are few: one with every hook on a clean repository, one with a broken policy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import POLICIES, ROOT

PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
GIT = shutil.which("git")

pytestmark = [
    pytest.mark.skipif(GIT is None, reason="pre-commit needs git"),
    pytest.mark.skipif(
        not (ROOT / ".git").exists(), reason="try-repo needs this checkout to be a git repository"
    ),
]


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)


@pytest.fixture
def policy_repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A git repository with the CRP policy, its scenarios, unrelated YAML beside and
    among them, and a pre-commit home of its own."""
    assert PRE_COMMIT, "pre-commit is in the test extra: pip install -e '.[test]'"
    assert GIT is not None
    repo = tmp_path / "repo"
    (repo / "policies").mkdir(parents=True)
    for name in ("werc-crp.yaml", "werc-crp.tests.yaml"):
        shutil.copy(POLICIES / name, repo / "policies" / name)
    (repo / "docker-compose.yml").write_text("services:\n  web:\n    image: nginx\n")
    (repo / "mkdocs.yml").write_text("site_name: Policies\n")
    (repo / "policies" / "owners.yml").write_text("owners: [certification-team]\n")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "policies"]):
        done = run([GIT, *cmd], repo, env)
        assert done.returncode == 0, done.stderr
    return repo, env


def try_repo(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    assert PRE_COMMIT
    return run(
        [PRE_COMMIT, "try-repo", str(ROOT), "--all-files", "--verbose", "--color", "never"],
        repo,
        env,
    )


def test_manifest_is_valid() -> None:
    assert PRE_COMMIT
    done = subprocess.run(
        [PRE_COMMIT, "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_hooks_pass_in_a_repository_with_unrelated_yaml(
    policy_repo: tuple[Path, dict[str, str]],
) -> None:
    repo, env = policy_repo
    done = try_repo(repo, env)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "policyengine validate" in out
    assert "policyengine test" in out
    assert "Failed" not in out
    assert (
        "2 files checked, 0 problems, 1 skipped (not policyengine documents; -o json lists them)"
    ) in out
    assert "docker-compose.yml" not in out
    assert "passed, 0 failed" in out


def test_validate_hook_fails_on_a_broken_policy_at_file_line_col(
    policy_repo: tuple[Path, dict[str, str]],
) -> None:
    repo, env = policy_repo
    policy = repo / "policies" / "werc-crp.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "  length: 3 years\n" in text
    policy.write_text(text.replace("  length: 3 years\n", "  lenght: 3 years\n"))
    # staged: pre-commit sets unstaged changes aside while the hooks run
    assert run([str(GIT), "add", "-A"], repo, env).returncode == 0
    done = try_repo(repo, env)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "policyengine validate" in out
    assert "- exit code: 1" in out
    assert "policies/werc-crp.yaml:27:5: unknown key 'lenght'" in out
    assert "hint: did you mean 'length'?" in out
