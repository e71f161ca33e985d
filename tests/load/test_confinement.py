"""Confinement: a path named inside an untrusted file must lead inside the repository.

Resolved against the naming file's directory, symbolic links followed, it must end
under the root or under a path the user allowed; anything else is refused with a
message that names it as written.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from policyengine.errors import PolicyError
from policyengine.load.paths import Confinement, PathRefused, excerpt, named_file
from policyengine.load.yaml_loader import load_yaml_text
from policyengine.sources import SourceOptionError, SourceOptions, input_path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """repo/ (the root) with a sub-directory, and outside/ beside it."""
    (tmp_path / "repo" / "sub").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    for name in ("repo/a.csv", "repo/sub/b.csv", "outside/secret.csv", "outside/other.csv"):
        (tmp_path / name).write_text("x\n", "utf-8")
    return tmp_path


def test_relative_paths_resolve_against_the_naming_file(tree: Path) -> None:
    files = Confinement.at(tree / "repo")
    naming = str(tree / "repo" / "sub" / "s.sources.yaml")
    assert files.resolve(naming, "b.csv") == str(tree / "repo" / "sub" / "b.csv")
    assert files.resolve(naming, "../a.csv") == str(tree / "repo" / "a.csv")
    assert files.resolve(naming, "./x/../b.csv") == str(tree / "repo" / "sub" / "b.csv")


@pytest.mark.parametrize("target", ["../../outside/secret.csv", "../..", "/etc/passwd"])
def test_paths_that_leave_the_root_are_refused(tree: Path, target: str) -> None:
    files = Confinement.at(tree / "repo")
    with pytest.raises(PathRefused) as err:
        files.resolve(str(tree / "repo" / "sub" / "s.yaml"), target)
    assert err.value.message == f"{target} is outside the repository root {tree / 'repo'}"
    assert "--allow-outside PATH" in err.value.hint and "--root DIR" in err.value.hint


def test_an_absolute_path_inside_the_root_is_fine(tree: Path) -> None:
    files = Confinement.at(tree / "repo")
    target = str(tree / "repo" / "a.csv")
    assert files.resolve(str(tree / "repo" / "s.yaml"), target) == target


@pytest.mark.parametrize(
    ("link", "to", "named"),
    [
        ("repo/link.csv", "outside/secret.csv", "link.csv"),
        ("repo/linkdir", "outside", "linkdir/secret.csv"),
        ("repo/sub/up.csv", "outside/secret.csv", "sub/up.csv"),
    ],
)
def test_symbolic_links_that_lead_out_are_refused(
    tree: Path, link: str, to: str, named: str
) -> None:
    (tree / link).symlink_to(tree / to)
    files = Confinement.at(tree / "repo")
    with pytest.raises(PathRefused, match=r"leads outside .* \(through a symbolic link\)$"):
        files.resolve(str(tree / "repo" / "s.yaml"), named)
    assert not files.admits(tree / "repo" / named)


def test_symbolic_links_inside_the_root_are_fine(tree: Path) -> None:
    (tree / "repo" / "link.csv").symlink_to(tree / "repo" / "sub" / "b.csv")
    files = Confinement.at(tree / "repo")
    assert files.resolve(str(tree / "repo" / "s.yaml"), "link.csv") == str(tree / "repo/link.csv")


def test_a_root_reached_through_a_symbolic_link(tree: Path) -> None:
    (tree / "alias").symlink_to(tree / "repo")
    files = Confinement.at(tree / "alias")
    assert files.root == str(tree / "repo")
    assert files.resolve(str(tree / "alias" / "s.yaml"), "a.csv") == str(tree / "alias" / "a.csv")


def test_allowed_paths(tree: Path) -> None:
    naming = str(tree / "repo" / "s.yaml")
    one_file = Confinement.at(tree / "repo", [tree / "outside" / "secret.csv"])
    assert one_file.resolve(naming, "../outside/secret.csv")
    with pytest.raises(PathRefused):
        one_file.resolve(naming, "../outside/other.csv")
    folder = Confinement.at(tree / "repo", [tree / "outside"])
    assert folder.resolve(naming, "../outside/other.csv")
    assert folder.resolve(naming, str(tree / "outside" / "secret.csv"))
    # a sibling whose name starts like the allowed directory is not under it
    (tree / "outside-too").mkdir()
    with pytest.raises(PathRefused):
        folder.resolve(naming, "../outside-too/x.csv")


def test_the_default_is_the_naming_files_directory(tree: Path, monkeypatch) -> None:
    files = Confinement.around(tree / "repo" / "s.sources.yaml")
    assert files == Confinement(str(tree / "repo"), ())
    monkeypatch.chdir(tree / "repo")
    assert Confinement.around("s.sources.yaml").root == str(tree / "repo")


def test_named_file_points_at_the_path_in_the_yaml(tree: Path) -> None:
    naming = str(tree / "repo" / "t.tests.yaml")
    data = load_yaml_text("scenarios:\n  - holder_file: ../../outside/secret.csv\n", naming)
    files = Confinement.at(tree / "repo")
    with pytest.raises(PolicyError) as err:
        named_file(files, naming, data, ["scenarios", 0, "holder_file"], "scenarios.outside")
    (d,) = err.value.diagnostics
    assert (d.location.line, d.location.col, d.code) == (2, 18, "scenarios.outside")
    assert d.source_line == "  - holder_file: ../../outside/secret.csv"
    assert d.width == len("../../outside/secret.csv")
    inside = load_yaml_text("scenarios:\n  - holder_file: a.csv\n", naming)
    assert named_file(files, naming, inside, ["scenarios", 0, "holder_file"]) == str(
        tree / "repo" / "a.csv"
    )


def test_a_sources_option_other_than_path_is_confined_too(tree: Path) -> None:
    naming = str(tree / "repo" / "s.sources.yaml")
    files = Confinement.at(tree / "repo")
    options = SourceOptions({"lookup": "sub/b.csv"}, named_by=naming, confinement=files)
    assert input_path(options, "lookup") == tree / "repo" / "sub" / "b.csv"
    options["lookup"] = "../outside/secret.csv"
    with pytest.raises(SourceOptionError) as err:
        input_path(options, "lookup")
    assert err.value.option == "lookup"
    assert "../outside/secret.csv is outside the repository root" in str(err.value)
    # a plain mapping (a source called from Python) is taken as it is
    assert input_path({"lookup": os.fspath(tree / "outside" / "secret.csv")}, "lookup")


def test_excerpt() -> None:
    assert excerpt("short") == "short"
    assert excerpt("x" * 80) == "x" * 80
    assert excerpt("x" * 81) == "x" * 77 + "..."
    assert len(excerpt("y" * 1000, 20)) == 20
