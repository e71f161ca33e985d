"""``validate DIR`` in a real policy repository (issue 15, item 6): the files a walk
finds that are not policyengine documents are skipped and counted, a file named on the
command line is always checked, ``--exclude`` leaves files out (validate and test)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import POLICIES, CliResult

# Unrelated YAML and JSON a policy repository holds next to its policies.
UNRELATED = {
    "docker-compose.yml": "services:\n  web:\n    image: nginx\n",
    # mkdocs-material's emoji extension: a tag our safe loader refuses
    "mkdocs.yml": "site_name: Policies\nmarkdown_extensions:\n  - pymdownx.emoji:\n"
    "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n",
    # a Kubernetes manifest has a 'kind' too, but not one of ours (and no 'format')
    "deploy/service.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: policies}\n",
    "schema/policy.schema.json": '{"$schema": "https://json-schema.org/draft/2020-12/schema"}\n',
    "package.json": '{"name": "docs", "version": "1.0.0"}\n',
    "broken-unrelated.yml": "a: [1, 2\n",
}
# Never read: a dot-file, a dot-directory, build output (each would be a problem).
NOT_WALKED = {
    ".pre-commit-config.yaml": "repos: [\n",
    ".github/workflows/ci.yml": "kind: policy\n",
    "build/lib/policies/werc-crp.yaml": "format: 2\n",
    "node_modules/x/policy.yaml": "format: 2\n",
}


def repo(tmp_path: Path, *, policies: bool = True) -> Path:
    root = tmp_path / "repo"
    if policies:
        shutil.copytree(POLICIES, root / "policies")
    for name, text in {**UNRELATED, **NOT_WALKED}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def bundled(cli: Callable[..., CliResult]) -> int:
    """How many files ``validate policies/`` checks (the bundled files, unchanged)."""
    code, out, _ = cli("validate", POLICIES)
    assert code == 0
    return int(out.splitlines()[-1].split(" files checked")[0])


def test_walk_skips_unrelated_files_and_counts_them(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    root = repo(tmp_path)
    code, out, err = cli("validate", root)
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == (
        f"{bundled(cli)} files checked, 0 problems, 6 skipped (not policyengine documents; "
        "-o json lists them)"
    )
    for name in (*UNRELATED, *NOT_WALKED):
        assert name not in out


def test_json_lists_the_skipped_files(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    root = repo(tmp_path)
    code, out, _ = cli("validate", root, "-o", "json")
    doc = json.loads(out)
    assert code == 0
    assert doc["skipped"] == sorted(str(root / name) for name in UNRELATED)
    assert doc["valid"] is True
    assert len(doc["files"]) == bundled(cli)


def test_without_skipped_files_the_summary_is_unchanged(cli: Callable[..., CliResult]) -> None:
    out = cli("validate", "policies/").stdout
    assert out.splitlines()[-1] == f"{bundled(cli)} files checked, 0 problems"
    assert json.loads(cli("validate", "policies/", "-o", "json").stdout)["skipped"] == []


@pytest.mark.parametrize(
    ("name", "text", "where", "message"),
    [
        # a YAML error in a policy: the file has our keys, so it is still checked
        ("policies/werc-crp.yaml", "format: 1\nkind: [certification\n", "3:1", "expected"),
        # a policy without 'format' but with one of our kinds is a policy with a problem
        ("policies/werc-crp.yaml", "kind: certification\nid: x\n", "1:1", "'format'"),
        # a holder file with a typo
        (
            "policies/holders/pat.yaml",
            "holder: {id: p, designated_onn: 2022-06-15}\n",
            "1:17",
            "unknown key 'designated_onn'",
        ),
        # JSON with our keys, broken
        ("policies/cart.json", '{"cart": {"items": [}}\n', "1:21", ""),
    ],
)
def test_a_broken_document_found_by_a_walk_is_still_reported(
    cli: Callable[..., CliResult], tmp_path: Path, name: str, text: str, where: str, message: str
) -> None:
    root = repo(tmp_path)
    (root / name).write_text(text, encoding="utf-8")
    code, out, _ = cli("validate", root)
    assert code == 1
    assert f"{root / name}:{where}: " in out
    assert message in out


def test_a_named_file_that_is_not_a_document_is_an_error(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    root = repo(tmp_path, policies=False)
    code, out, _ = cli("validate", root / "docker-compose.yml")
    assert code == 1
    assert f"{root / 'docker-compose.yml'}: cannot tell what kind of document this is" in out


def test_a_directory_without_documents_is_a_usage_error(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    root = repo(tmp_path, policies=False)
    code, out, err = cli("validate", root)
    assert code == 2
    assert (
        out
        == "0 files checked, 0 problems, 6 skipped (not policyengine documents; -o json lists them)\n"
    )
    assert err == (
        "policyengine validate: no policyengine documents found (6 YAML/JSON files skipped: "
        "not policyengine documents)\n"
    )


def test_a_walk_does_not_read_an_unrelated_file_outside_the_root(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    """Skipping looks into a file only inside the repository root: a link leading out is
    reported, whatever it points at."""
    root = repo(tmp_path)
    outside = tmp_path / "secret.yaml"
    outside.write_text("password: hunter2\n", encoding="utf-8")
    os.symlink(outside, root / "policies" / "link.yaml")
    code, out, _ = cli("validate", root)
    assert code == 1
    assert "link.yaml leads outside the repository root" in out
    assert "hunter2" not in out


@pytest.mark.parametrize(
    ("exclude", "left_out"),
    [
        (["holders"], 5),  # a directory name
        (["*.tests.yaml"], len(list(POLICIES.glob("*.tests.yaml")))),  # a file name
        (["policies/sources/*"], 8),  # a path below the directory given (sources + inputs)
        (["carts", "accounts/*.yaml"], 7),  # repeated
    ],
)
def test_exclude_leaves_files_out_of_a_walk(
    cli: Callable[..., CliResult], exclude: list[str], left_out: int
) -> None:
    args = [a for glob in exclude for a in ("--exclude", glob)]
    code, out, _ = cli("validate", "policies/", *args)
    assert code == 0
    assert out.splitlines()[-1] == f"{bundled(cli) - left_out} files checked, 0 problems"


def test_exclude_applies_to_named_files(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    """pre-commit names the files: an ``args: [--exclude, ...]`` still leaves them out."""
    root = repo(tmp_path)
    named = [root / "docker-compose.yml", root / "policies" / "werc-crp.yaml"]
    code, out, _ = cli("validate", *named, "--exclude", "docker-compose.yml")
    assert code == 0
    assert out == f"{named[1]}: ok (policy)\n1 file checked, 0 problems\n"


def test_test_command_takes_exclude(cli: Callable[..., CliResult]) -> None:
    everything = cli("test", "policies/").stdout.splitlines()[-1]
    code, out, _ = cli("test", "policies/", "--exclude", "werc-*")
    assert code == 0
    assert out.splitlines()[-1] != everything
    assert "werc-" not in out
    assert cli("test", "policies/", "--exclude", "*.tests.yaml").returncode == 2


def test_test_command_says_what_it_looked_for(
    cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pre-commit test hook in a repository whose policies are in certs/."""
    (tmp_path / "certs").mkdir()
    monkeypatch.chdir(tmp_path)
    code, _, err = cli("test")
    assert code == 2
    assert err == (
        "policyengine test: policies/ (the default) does not exist: name the files or "
        "directories that hold the scenario files (*.tests.yaml), e.g. 'policyengine test "
        "certs/' (in .pre-commit-config.yaml: args: [certs/])\n"
    )
    code, _, err = cli("test", "certs/")
    assert code == 2
    assert err == "policyengine test: no scenario files (*.tests.yaml) under certs/\n"
