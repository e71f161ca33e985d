"""One CLI (issue 15, item 8): the same exit codes, stdin, colour, ``--json``, missing
files and global options in every command.

- every command exits 0 when all is well, 1 on problems in files, 2 on a usage error;
  the table below has a row per command, and a new command without one fails;
- dates on the command line are exactly YYYY-MM-DD (``--as-of``) or RFC 3339 (``--at``)
  on every Python (3.11's ``fromisoformat`` takes ``20250901``), refused before any
  file is read;
- a missing file is named, in text and in ``-o github`` (``file=``);
- ``-`` reads standard input wherever a file is read (a real pipe, in a subprocess);
- errors are coloured on a terminal (a real pty), never when piped or with NO_COLOR.
"""

from __future__ import annotations

import argparse
import os
import pty
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from policyengine.cli.main import BY_NAME, build_parser
from tests.helpers import ROOT, CliResult

Cli = Callable[..., CliResult]

CRP = "policies/werc-crp.yaml"
HOLDER = "policies/holders/werc-crp-seed-examples.yaml"
PACKAGE = "policies/western-cpe-package.yaml"
ACCOUNT = "policies/accounts/dana-two-packages.yaml"
CART = "policies/carts/eligible-only.yaml"
REFUSED_CART = "policies/carts/with-seminar.yaml"
SOURCES = "policies/sources/werc-crp-m2002.sources.yaml"
AT = "2025-03-01T10:00:00"
MISSING = "no-such-dir/missing.yaml"

# command -> (arguments that succeed, arguments that find a problem, a usage error)
EXIT_CODES: dict[str, tuple[list[str], list[str] | None, list[str]]] = {
    "validate": ([CRP], [MISSING], []),
    "evaluate": (
        [CRP, "--holder", HOLDER, "--as-of", "2025-09-01"],
        [CRP, "--holder", MISSING, "--as-of", "2025-09-01"],
        [CRP, "--holder", HOLDER, "--as-of", "20250901"],
    ),
    "adjustments": (
        [CRP, "--holder", HOLDER, "--as-of", "2025-09-01"],
        [MISSING, "--holder", HOLDER],
        [CRP, "--as-of", "2025-09-01"],  # no holder
    ),
    "batch": (
        [CRP, HOLDER, "--as-of", "2025-09-01"],
        [MISSING, HOLDER, "--as-of", "2025-09-01"],
        [CRP, HOLDER, "--as-of", "2025-9-1"],
    ),
    "redeem": (
        [PACKAGE, "--account", ACCOUNT, "--cart", CART, "--at", AT],
        [PACKAGE, "--account", ACCOUNT, "--cart", REFUSED_CART, "--at", AT],  # refused
        [PACKAGE, "--account", ACCOUNT, "--cart", CART, "--at", "20250301T10"],
    ),
    "ledger": (
        ["import", PACKAGE, ACCOUNT, "--ledger", "LEDGER"],  # LEDGER: a file in tmp_path
        ["import", CRP, ACCOUNT, "--ledger", "/no-such-dir/ledger.sqlite3"],  # not a package
        ["import", PACKAGE],  # no account file
    ),
    "balance": (
        [PACKAGE, "--account", ACCOUNT, "--at", AT],
        [CRP, "--account", ACCOUNT, "--at", AT],  # a certification policy
        [PACKAGE, "--account", ACCOUNT, "--at", "2025-03-01T10"],
    ),
    "test": (
        ["policies/werc-crp.tests.yaml"],
        ["policies/werc-crp.tests.yaml", "-k", "29.5", "--coverage", "--fail-under", "100"],
        ["policies/", "--fail-under", "90"],  # needs --coverage
    ),
    # CHANGED: werc-crp.yaml with 28 credits required instead of 30 (holders change)
    "diff": (
        [CRP, CRP, "--exit-code"],
        [CRP, "CHANGED", "--exit-code"],
        [CRP, CRP, "--as-of", "2025/09/01"],
    ),
    "expr": (["1 + 1"], ["1 +"], []),
    # FORMATTED: a copy of werc-crp.yaml, which fmt rewrites (the bundled file stays)
    "fmt": (["FORMATTED"], ["--check", CRP], ["--check"]),
    "schema": (["policy"], None, ["bogus"]),  # reads no file: nothing to find
    "plugins": ([], None, ["-o", "junit"]),
    "records": (
        [SOURCES, "--policy", CRP],
        [MISSING, "--policy", CRP],
        [SOURCES],  # no --policy
    ),
}


# serve runs until it is stopped: its exit codes (2 for a usage error, non-loopback
# without a token) are tested with a real server in tests/service/test_server.py
RUNS_UNTIL_STOPPED = {"serve"}


def test_the_exit_code_table_has_every_command() -> None:
    assert sorted(EXIT_CODES) == sorted(set(BY_NAME) - RUNS_UNTIL_STOPPED)


@pytest.mark.parametrize("command", sorted(set(BY_NAME) - RUNS_UNTIL_STOPPED))
def test_every_command_exits_0_ok_1_problems_2_usage(
    cli: Cli, command: str, tmp_path: Path
) -> None:
    """(test and diff exit 2, not 1, when an input file does not load at all: the run
    could not happen, as pytest's collection errors; docs/ci.md.)"""
    changed = tmp_path / "werc-crp.yaml"
    changed.write_text(_text(CRP).replace("min: 30", "min: 28", 1), encoding="utf-8")
    ok, problem, usage = EXIT_CODES[command]
    ok = [str(tmp_path / "ledger.sqlite3") if a == "LEDGER" else a for a in ok]
    problem = [str(changed) if a == "CHANGED" else a for a in problem or []] or None
    copy = tmp_path / "copy" / "werc-crp.yaml"
    copy.parent.mkdir()
    copy.write_text(_text(CRP), encoding="utf-8")
    ok = [str(copy) if a == "FORMATTED" else a for a in ok]
    code, out, err = cli(command, *ok)
    assert code == 0, err
    assert out
    if problem is not None:
        code, _, err = cli(command, *problem)
        assert code == 1, err
        assert "Traceback" not in err
    code, out, err = cli(command, *usage)
    assert (code, out) == (2, ""), err
    assert "Traceback" not in err and err


# ----------------------------------------------------------------------------- dates

BAD_AS_OF = ["20250901", "2025-09-01T10", "2025-W36-1", "2025-244", "2025-9-1", "2025-09-01 "]
BAD_AT = ["20250301T10", "2025-03-01T10", "20250301T100000", "2025-03-01T10:00:00+0100"]


def _date_commands(value: str, option: str) -> list[list[str]]:
    """Every command taking ``option``, with a policy that does not exist: the usage
    error must come first."""
    if option == "--as-of":
        return [
            ["evaluate", MISSING, "--holder", HOLDER, "--as-of", value],
            ["adjustments", MISSING, "--holder", HOLDER, "--as-of", value],
            ["batch", MISSING, HOLDER, "--as-of", value],
            ["diff", MISSING, CRP, "--as-of", value],
        ]
    return [
        ["balance", MISSING, "--account", ACCOUNT, "--at", value],
        ["redeem", MISSING, "--account", ACCOUNT, "--cart", CART, "--at", value],
        ["diff", MISSING, PACKAGE, "--accounts", "policies/accounts", "--at", value],
    ]


@pytest.mark.parametrize(
    ("option", "value"),
    [("--as-of", v) for v in BAD_AS_OF] + [("--at", v) for v in BAD_AT],
)
def test_only_the_documented_date_forms_are_accepted(cli: Cli, option: str, value: str) -> None:
    """Python 3.11's fromisoformat reads 20250901 and 2025-W36-1; we never do."""
    for argv in _date_commands(value, option):
        code, out, err = cli(*argv)
        assert (code, out) == (2, ""), (argv, err)
        assert err.startswith(f"policyengine {argv[0]}: {option}: '{value}' is not a valid")


def test_the_documented_date_forms_are_accepted(cli: Cli) -> None:
    for at in ["2025-03-01T10:00", "2025-03-01T10:00:00", "2025-03-01T18:00:00Z", AT + "-08:00"]:
        assert cli("balance", PACKAGE, "--account", ACCOUNT, "--at", at).returncode == 0, at
    assert cli("evaluate", CRP, "--holder", HOLDER, "--as-of", "2024-02-29").returncode == 0


# ----------------------------------------------------------------------------- missing files


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", MISSING],
        ["test", "no-such-dir/missing.tests.yaml"],
        ["evaluate", CRP, "--holder", MISSING],
        ["evaluate", MISSING, "--holder", HOLDER],
        ["balance", PACKAGE, "--account", MISSING],
        ["redeem", PACKAGE, "--account", ACCOUNT, "--cart", MISSING],
        ["records", MISSING, "--policy", CRP],
        ["diff", MISSING, CRP],
    ],
    ids=lambda argv: f"{argv[0]}-{argv.index(MISSING) if MISSING in argv else 1}",
)
def test_a_missing_file_is_named(cli: Cli, argv: list[str]) -> None:
    missing = next(a for a in argv if a.startswith("no-such-dir/"))
    code, out, err = cli(*argv)
    assert code in (1, 2)  # test and diff: a file that does not load is exit 2
    assert re.search(f"cannot read ([a-z]+ file )?{re.escape(missing)}: ", out + err), out + err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", ["validate", "diff"])
def test_a_missing_file_is_the_file_of_its_github_annotation(cli: Cli, command: str) -> None:
    argv = [MISSING] if command == "validate" else [MISSING, CRP]
    _, out, err = cli(command, "-o", "github", *argv)
    annotation = next(line for line in (out + err).splitlines() if line.startswith("::error"))
    props, message = annotation[len("::error ") :].split("::", 1)
    assert props.split(",")[0] == f"file={MISSING}", annotation
    assert message.startswith(f"cannot read {MISSING}"), annotation


def test_a_missing_file_is_the_file_of_its_json_problem(cli: Cli) -> None:
    import json

    _, out, _ = cli("validate", "-o", "json", MISSING)
    (problem,) = json.loads(out)["files"][0]["problems"]
    assert (problem["file"], problem["code"]) == (MISSING, "yaml.io")


# ----------------------------------------------------------------------------- stdin


def _piped(argv: list[str], stdin: str | bytes, **env: str) -> subprocess.CompletedProcess[str]:
    data = stdin if isinstance(stdin, str) else stdin.decode()
    return subprocess.run(
        [sys.executable, "-m", "policyengine", *argv],
        input=data,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


def _text(path: str) -> str:
    return (ROOT / path).read_text(encoding="utf-8")


def test_stdin_is_read_wherever_a_file_is() -> None:
    """One process per form, each on a real pipe, each compared with the file's output."""
    cases = [
        (["evaluate", "-", "--holder", HOLDER, "--as-of", "2025-09-01"], CRP),
        (["evaluate", CRP, "--holder", "-", "--as-of", "2025-09-01"], HOLDER),
        (["adjustments", CRP, "--holder", "-", "--as-of", "2025-09-01"], HOLDER),
        (["balance", PACKAGE, "--account", "-", "--at", AT], ACCOUNT),
        (["redeem", PACKAGE, "--account", ACCOUNT, "--cart", "-", "--at", AT], CART),
    ]
    for argv, path in cases:
        piped = _piped(argv, _text(path))
        direct = _piped([path if a == "-" else a for a in argv], "")
        assert (piped.returncode, piped.stderr) == (0, ""), (argv, piped.stderr)
        assert piped.stdout == direct.stdout != ""


def test_stdin_for_validate_test_records_and_sources() -> None:
    done = _piped(["validate", "-"], _text(CRP))
    assert (done.returncode, done.stdout) == (
        0,
        "<stdin>: ok (policy)\n1 file checked, 0 problems\n",
    )
    # a scenario file from stdin names its policy (there is no file name to go by)
    scenarios = "policy: policies/werc-crp.yaml\n" + _text("policies/werc-crp.tests.yaml")
    done = _piped(["test", "-"], scenarios)
    assert done.returncode == 0 and done.stdout.endswith("17 passed, 0 failed\n"), done.stdout
    done = _piped(["test", "-"], _text("policies/werc-crp.tests.yaml"))
    assert done.returncode == 2
    shown = done.stdout + done.stderr
    assert "<stdin>:1:1: a scenario file read from standard input does not say" in shown
    # a sources file from stdin names its inputs relative to the current directory
    sources = _text(SOURCES).replace("path: ", "path: policies/sources/")
    done = _piped(["records", "-", "--policy", CRP], sources)
    direct = _piped(["records", SOURCES, "--policy", CRP], "")
    assert (done.returncode, done.stdout) == (0, direct.stdout), done.stderr
    done = _piped(["evaluate", CRP, "--sources", "-", "--as-of", "2025-09-01"], sources)
    assert done.returncode == 0 and "m-2002" in done.stdout, done.stderr


def test_a_problem_in_stdin_is_reported_at_stdin_line_col() -> None:
    done = _piped(["validate", "-"], _text(CRP).replace("min: 30", "min: thirty", 1))
    assert done.returncode == 1
    assert done.stdout.startswith("<stdin>:"), done.stdout
    assert "unknown name 'thirty'" in done.stdout


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["evaluate", "-", "--holder", "-"],
            "standard input (-) can be read only once; it was given to POLICY, --holder",
        ),
        (
            ["redeem", PACKAGE, "--account", "-", "--cart", "-", "--at", AT],
            "standard input (-) can be read only once; it was given to --account, --cart",
        ),
        (
            ["redeem", PACKAGE, "--account", "-", "--cart", CART, "--record", "out.yaml"],
            "--record needs --account to be a file",
        ),
        (["batch", "-", HOLDER], "batch needs POLICY to be a file, not -"),
    ],
)
def test_stdin_twice_is_a_usage_error(cli: Cli, argv: list[str], message: str) -> None:
    code, out, err = cli(*argv)
    assert (code, out) == (2, "")
    assert err.startswith(f"policyengine {argv[0]}: {message}"), err


# ----------------------------------------------------------------------------- colour

RED = "\x1b[1;31m"


@pytest.fixture
def bad_policy(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(_text(CRP).replace("America/New_York", "America/New_Yrok"), encoding="utf-8")
    return path


def _on_a_terminal(argv: list[str], **env: str) -> str:
    """What the command writes to a real pseudo-terminal (stdout and stderr both)."""
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "policyengine", *argv],
            stdin=subprocess.DEVNULL,
            stdout=follower,
            stderr=follower,
            cwd=ROOT,
            env={k: v for k, v in {**os.environ, **env}.items() if v != ""},
            timeout=120,
            check=False,
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert done.returncode == 1
        return b"".join(chunks).decode()
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)


def test_errors_are_coloured_on_a_terminal_only(bad_policy: Path) -> None:
    argv = ["validate", str(bad_policy)]
    shown = _on_a_terminal(argv, NO_COLOR="", TERM="xterm")
    assert f"{RED}{bad_policy}:12:11: unknown time zone 'America/New_Yrok'\x1b[0m" in shown
    assert "\x1b[36m  hint: did you mean 'America/New_York'?\x1b[0m" in shown
    assert "\x1b[" not in _on_a_terminal(argv, NO_COLOR="1", TERM="xterm")
    assert "\x1b[" not in _on_a_terminal(argv, NO_COLOR="", TERM="dumb")
    assert "\x1b[" not in _on_a_terminal([*argv, "--color", "never"], NO_COLOR="", TERM="xterm")
    piped = _piped(argv, "", NO_COLOR="")
    assert piped.returncode == 1 and "\x1b" not in piped.stdout + piped.stderr


def test_color_always_and_never(cli: Cli, bad_policy: Path) -> None:
    code, out, _ = cli("--color", "always", "validate", bad_policy)
    assert code == 1 and out.startswith(RED), out
    code, out, _ = cli("validate", bad_policy, "--color=always")  # after the command too
    assert code == 1 and out.startswith(RED)
    code, out, _ = cli("--color", "always", "validate", bad_policy, "--color", "never")
    assert code == 1 and "\x1b" not in out
    # a failed load of a policy (main's own diagnostics, on stderr)
    code, _, err = cli("--color", "always", "evaluate", bad_policy, "--holder", HOLDER)
    assert code == 1 and err.startswith(RED), err
    # JSON is never coloured
    code, out, _ = cli("--color", "always", "validate", "-o", "json", bad_policy)
    assert code == 1 and "\x1b" not in out


def test_an_escape_sequence_from_a_file_stays_escaped_in_colour(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(_text(CRP).replace("America/New_York", '"\\e[2J"'), encoding="utf-8")
    code, out, _ = cli("--color", "always", "validate", path)
    assert code == 1 and "\\x1b[2J" in out and "\x1b[2J" not in out


# ----------------------------------------------------------------------------- options


def _options(command: str) -> dict[str, argparse.Action]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    parser = sub.choices[command]
    parser.format_help()  # configures the command's parser
    return {s: a for a in parser._actions for s in a.option_strings}


@pytest.mark.parametrize("command", sorted(BY_NAME))
def test_json_is_the_alias_of_o_json_wherever_o_has_json(command: str) -> None:
    options = _options(command)
    output = options.get("-o")
    has_json = output is not None and "json" in (output.choices or ())
    if has_json:
        assert options["--json"].const == "json" and options["--json"].dest == "output"
    elif command != "expr":  # expr: --json is its only output switch (no -o)
        assert "--json" not in options


def test_json_alias_works(cli: Cli) -> None:
    for argv in (["validate", CRP], ["balance", PACKAGE, "--account", ACCOUNT, "--at", AT]):
        assert cli(*argv, "--json").stdout == cli(*argv, "-o", "json").stdout
        assert cli(*argv, "--json").stdout.startswith("{")


def test_plugins_dir_after_the_command(cli: Cli) -> None:
    example = ROOT / "plugins" / "policyengine-example-plugin"
    before = cli("--plugins-dir", example, "plugins")
    after = cli("plugins", "--plugins-dir", example)
    assert before.returncode == after.returncode == 0
    assert "conference_attendance" in after.stdout
    assert before.stdout == after.stdout
    assert "conference_attendance" not in cli("plugins").stdout


def test_version_imports_no_loader_schema_or_parser() -> None:
    code = (
        "import sys\nfrom policyengine.cli.main import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(m.split('.')[0] for m in sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    loaded = set(done.stdout.splitlines()[-1].split())
    assert done.stdout.startswith("policyengine ")
    assert not loaded & {"jsonschema", "lark", "yaml", "fastjsonschema", "re2", "sqlite3"}
