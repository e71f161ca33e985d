"""Files named inside untrusted files stay inside the repository, and are never echoed.

A sources file's ``path``, a scenario's ``holder_file``/``account_file``/``cart_file``/
``policy`` and a file found by walking a directory come from the repository (from pull
requests). Each is resolved against the file that names it and must lead (symbolic
links followed) to a place inside the root: the directory given to ``validate DIR`` or
``test DIR``, else the current directory (plus the folder of a file typed from outside
it), or ``--root DIR``; ``--allow-outside PATH``
lets more in. Before, ``/proc/self/environ`` as a CSV path or a holder_file printed the
environment (CI secrets) in an error. Paths typed on the command line are the user's
own and are not confined.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import POLICIES

SECRET = "planted-secret-7f3a9c"
AS_OF = ("--as-of", "2025-09-01")
CSV_SOURCES = (
    "sources:\n  - {{source: lms_transcript, holder: {{id: m-1}}, options: {{path: {}}}}}\n"
)
SCENARIO = """\
policy: {policy}
scenarios:
  - name: one
    as_of: 2025-09-01
    holder_file: {holder}
    expect: {{period_count: 1}}
"""
PACKAGE_SCENARIO = """\
policy: pkg.yaml
scenarios:
  - name: one
    at: 2025-03-01T10:00:00
    account_file: {account}
    cart_file: {cart}
    expect: {{decision: {{allowed: true}}}}
"""


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory next to the repository with files that hold a secret."""
    path = tmp_path / "outside"
    path.mkdir()
    (path / "secret.csv").write_text(f"TOKEN={SECRET}\n", "utf-8")
    (path / "secret.yaml").write_text(f"holder: [\n  {SECRET}: : :\n", "utf-8")
    (path / "secret.sql").write_text(f"{SECRET} TABLE;\n", "utf-8")
    return path


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: object) -> Path:
    """A policy repository, the current directory."""
    path = tmp_path / "repo"
    path.mkdir()
    shutil.copy(POLICIES / "werc-crp.yaml", path / "crp.yaml")
    shutil.copy(POLICIES / "western-cpe-package.yaml", path / "pkg.yaml")
    shutil.copy(POLICIES / "holders" / "werc-crp-seed-examples.yaml", path / "h.yaml")
    shutil.copy(POLICIES / "accounts" / "dana-two-packages.yaml", path / "acct.yaml")
    shutil.copy(POLICIES / "carts" / "eligible-only.yaml", path / "cart.yaml")
    monkeypatch.chdir(path)
    return path


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def _refused(code: int, out: str, err: str, *, at: str, named: str) -> None:
    """The run failed at ``at`` (file:line:col) saying ``named`` leads outside, and no
    file content outside the repository was printed."""
    assert code in (1, 2), out + err
    text = out + err
    assert SECRET not in text and "Traceback" not in text
    lines = [line for line in text.splitlines() if "outside the repository root" in line]
    assert lines and f"{at}: {named} " in lines[0], text


# ----------------------------------------------------------------------------- the reproducers


def _spawn(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policyengine", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "SECRET_TOKEN": SECRET},
    )


def test_proc_self_environ_as_a_csv_input(repo: Path) -> None:
    _write(repo / "s.sources.yaml", CSV_SOURCES.format("/proc/self/environ"))
    done = _spawn(["records", "s.sources.yaml", "--policy", "crp.yaml"], repo)
    _refused(
        done.returncode,
        done.stdout,
        done.stderr,
        at="s.sources.yaml:2:65",
        named="/proc/self/environ",
    )


def test_proc_self_environ_as_a_scenario_holder_file(repo: Path) -> None:
    _write(repo / "t.tests.yaml", SCENARIO.format(policy="crp.yaml", holder="/proc/self/environ"))
    done = _spawn(["test", "t.tests.yaml"], repo)
    _refused(
        done.returncode,
        done.stdout,
        done.stderr,
        at="t.tests.yaml:5:18",
        named="/proc/self/environ",
    )


# ----------------------------------------------------------------------------- every position


def test_a_dotdot_csv_input(repo: Path, outside: Path, cli) -> None:
    _write(repo / "s.sources.yaml", CSV_SOURCES.format("../outside/secret.csv"))
    code, out, err = cli("evaluate", "crp.yaml", "--sources", "s.sources.yaml", *AS_OF)
    _refused(code, out, err, at="s.sources.yaml:2:65", named="../outside/secret.csv")


def test_an_absolute_sql_dump_input(repo: Path, outside: Path, cli) -> None:
    dump = outside / "secret.sql"
    _write(
        repo / "s.sources.yaml",
        f"sources:\n  - {{source: sql, holder: {{id: m-1}}, options: {{path: {dump}, query: SELECT 1}}}}\n",
    )
    code, out, err = cli("records", "s.sources.yaml", "--policy", "crp.yaml")
    _refused(code, out, err, at="s.sources.yaml:2:54", named=str(dump))


def test_a_symbolic_link_input(repo: Path, outside: Path, cli) -> None:
    (repo / "in.csv").symlink_to(outside / "secret.csv")
    _write(repo / "s.sources.yaml", CSV_SOURCES.format("in.csv"))
    code, out, err = cli("records", "s.sources.yaml", "--policy", "crp.yaml")
    _refused(code, out, err, at="s.sources.yaml:2:65", named="in.csv")
    assert "through a symbolic link" in out + err


def test_validate_checks_input_paths_too(repo: Path, outside: Path, cli) -> None:
    _write(repo / "s.sources.yaml", CSV_SOURCES.format("../outside/secret.csv"))
    code, out, err = cli("validate", "s.sources.yaml")
    _refused(code, out, err, at="s.sources.yaml:2:65", named="../outside/secret.csv")


@pytest.mark.parametrize(
    ("key", "line", "col"),
    [("holder_file", 5, 18), ("policy", 1, 9)],
)
def test_scenario_files(repo: Path, outside: Path, cli, key: str, line: int, col: int) -> None:
    names = {"policy": "crp.yaml", "holder": "h.yaml"}
    names["holder" if key == "holder_file" else "policy"] = "/etc/passwd"
    _write(repo / "t.tests.yaml", SCENARIO.format(**names))
    code, out, err = cli("test", "t.tests.yaml")
    _refused(code, out, err, at=f"t.tests.yaml:{line}:{col}", named="/etc/passwd")
    assert "root:" not in out + err


@pytest.mark.parametrize(("key", "line", "col"), [("account", 5, 19), ("cart", 6, 16)])
def test_package_scenario_files(
    repo: Path, outside: Path, cli, key: str, line: int, col: int
) -> None:
    (repo / "link.yaml").symlink_to(outside / "secret.yaml")
    names = {"account": "acct.yaml", "cart": "cart.yaml", key: "link.yaml"}
    _write(repo / "t.tests.yaml", PACKAGE_SCENARIO.format(**names))
    code, out, err = cli("test", "t.tests.yaml")
    _refused(code, out, err, at=f"t.tests.yaml:{line}:{col}", named="link.yaml")


def test_validate_dir_refuses_a_committed_symbolic_link(repo: Path, outside: Path, cli) -> None:
    (repo / "policies").mkdir()
    (repo / "policies" / "leak.yaml").symlink_to(outside / "secret.yaml")
    code, out, err = cli("validate", "policies")
    assert code == 1 and SECRET not in out + err
    assert "policies/leak.yaml leads outside the repository root" in out + err


def test_validate_dir_is_the_root(repo: Path, cli) -> None:
    """A sources file under ``validate DIR`` may not name a file beside DIR."""
    _write(repo / "data.csv", "id,course_id,completion_date\n")
    _write(repo / "policies" / "s.sources.yaml", CSV_SOURCES.format("../data.csv"))
    code, out, err = cli("validate", "policies")
    _refused(code, out, err, at="policies/s.sources.yaml:2:65", named="../data.csv")
    assert cli("validate", "policies", "--root", ".").returncode == 0


def test_test_dir_refuses_a_symbolic_link_to_a_policy(repo: Path, outside: Path, cli) -> None:
    (repo / "policies").mkdir()
    shutil.copy(POLICIES / "werc-crp.yaml", repo / "policies" / "crp.yaml")
    shutil.copy(POLICIES / "werc-crp.tests.yaml", repo / "policies" / "crp.tests.yaml")
    text = (POLICIES / "werc-crp.yaml").read_text("utf-8")
    _write(outside / "policy.yaml", text.replace("id: werc-crp", f"id: {SECRET}"))
    (repo / "policies" / "other.yaml").symlink_to(outside / "policy.yaml")
    code, out, err = cli("test", "policies", "--coverage")
    assert code == 0, out + err
    assert SECRET not in out + err and "other.yaml" not in out + err


def test_batch_sources_file_and_directory(repo: Path, outside: Path, cli) -> None:
    _write(repo / "s.sources.yaml", CSV_SOURCES.format("../outside/secret.csv"))
    (repo / "d").mkdir()
    (repo / "d" / "leak.json").symlink_to(outside / "secret.yaml")
    code, out, err = cli("batch", "crp.yaml", "s.sources.yaml", "d", *AS_OF, "-o", "json")
    assert code == 1 and SECRET not in out + err
    assert "../outside/secret.csv is outside the repository root" in out
    assert "d/leak.json leads outside the repository root" in out


# ----------------------------------------------------------------------------- the options


def test_allow_outside_lets_a_path_in(repo: Path, outside: Path, cli) -> None:
    _write(outside / "t.csv", "id,course_id,completion_date,credits\nr1,C1,2024-01-01,1\n")
    _write(repo / "s.sources.yaml", CSV_SOURCES.format("../outside/t.csv"))
    assert (
        "outside the repository root"
        in cli("records", "s.sources.yaml", "--policy", "crp.yaml").stderr
    )
    done = cli(
        "records", "s.sources.yaml", "--policy", "crp.yaml", "--allow-outside", outside / "t.csv"
    )
    assert done.returncode == 0, done.stderr
    assert "1 rows read, 0 rejected" in done.stdout
    done = cli("records", "s.sources.yaml", "--policy", "crp.yaml", "--allow-outside", outside)
    assert done.returncode == 0, done.stderr


def test_root_moves_the_root(repo: Path, outside: Path, cli) -> None:
    _write(outside / "t.csv", "id,course_id,completion_date,credits\nr1,C1,2024-01-01,1\n")
    _write(outside / "sub" / "s.sources.yaml", CSV_SOURCES.format("../t.csv"))
    sources = outside / "sub" / "s.sources.yaml"
    assert cli("records", sources, "--policy", "crp.yaml").returncode == 1  # root: cwd
    assert cli("records", sources, "--policy", "crp.yaml", "--root", outside).returncode == 0


def test_a_file_typed_from_elsewhere_may_name_the_files_beside_it(
    repo: Path, outside: Path, cli
) -> None:
    """``policyengine records ../other/s.sources.yaml`` reads the CSV next to it, as it
    would from its own folder; the folder above it stays out."""
    _write(outside / "t.csv", "id,course_id,completion_date,credits\nr1,C1,2024-01-01,1\n")
    _write(outside / "s.sources.yaml", CSV_SOURCES.format("t.csv"))
    done = cli("records", outside / "s.sources.yaml", "--policy", "crp.yaml")
    assert done.returncode == 0, done.stderr
    _write(outside / "up.sources.yaml", CSV_SOURCES.format("../secret.csv"))
    shutil.copy(outside / "secret.csv", outside.parent / "secret.csv")
    done = cli("records", outside / "up.sources.yaml", "--policy", "crp.yaml")
    assert done.returncode == 1 and "outside the repository root" in done.stderr
    assert SECRET not in done.stdout + done.stderr


def test_paths_typed_on_the_command_line_are_not_confined(repo: Path, outside: Path, cli) -> None:
    shutil.copy(POLICIES / "werc-crp.yaml", outside / "crp.yaml")
    shutil.copy(repo / "h.yaml", outside / "h.yaml")
    done = cli("evaluate", outside / "crp.yaml", "--holder", outside / "h.yaml", *AS_OF)
    assert done.returncode == 0, done.stderr
    assert cli("validate", outside / "crp.yaml").returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--root", "nope"), "--root: nope is not a directory"),
        (("--allow-outside", "nope"), "--allow-outside: no such file or directory: nope"),
    ],
)
def test_bad_option_values_are_usage_errors(
    repo: Path, cli, args: tuple[str, ...], message: str
) -> None:
    for command in (
        ("validate", "crp.yaml"),
        ("test", "t.tests.yaml"),
        ("evaluate", "crp.yaml", "--holder", "h.yaml", *AS_OF),
        ("records", "s.sources.yaml", "--policy", "crp.yaml"),
        ("batch", "crp.yaml", "h.yaml", *AS_OF),
    ):
        done = cli(*command, *args)
        assert done.returncode == 2, (command, done)
        assert done.stderr.strip() == f"policyengine {command[0]}: {message}"


def test_a_csv_header_hint_quotes_at_most_80_characters(repo: Path, cli) -> None:
    header = ",".join(f"column_{i:03d}" for i in range(40))
    _write(repo / "wide.csv", header + "\n")
    _write(repo / "s.sources.yaml", CSV_SOURCES.format("wide.csv"))
    code, _out, err = cli("records", "s.sources.yaml", "--policy", "crp.yaml")
    assert code == 1
    (hint,) = [line for line in err.splitlines() if "the file has:" in line]
    quoted = hint.split("the file has: ", 1)[1].rstrip(")")
    assert len(quoted) <= 80 and quoted.endswith("...") and quoted.startswith("column_000")
