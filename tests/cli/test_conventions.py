"""CLI conventions every command keeps: exit 0 ok / 1 problems / 2 usage error, a
usage error printed as ``policyengine COMMAND: message``, the output formats of
``-o`` from one reporter registry, commands that do not import each other, and a
start-up that imports only the command being run."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from policyengine.cli.main import COMMANDS, main
from policyengine.cli.reporters import REPORTERS, formats

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"
CRP = str(POLICIES / "werc-crp.yaml")
CRP_HOLDER = str(POLICIES / "holders" / "werc-crp-seed-examples.yaml")
PACKAGE = str(POLICIES / "western-cpe-package.yaml")
ACCOUNT = str(POLICIES / "accounts" / "dana-two-packages.yaml")
CART = str(POLICIES / "carts" / "eligible-only.yaml")
SOURCES = str(POLICIES / "sources" / "werc-crp-m2002.sources.yaml")
AT = "2025-03-01T10:00:00"
COMMANDS_DIR = ROOT / "policyengine" / "cli" / "commands"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``policyengine ARGV`` (argparse's exits too)."""
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


# ----------------------------------------------------------------------------- usage errors

BAD_DATES = [
    (
        "evaluate",
        [CRP, "--holder", CRP_HOLDER, "--as-of", "2025-13-01"],
        "--as-of: '2025-13-01' is not a valid date (YYYY-MM-DD)",
    ),
    (
        "adjustments",
        [CRP, "--holder", CRP_HOLDER, "--as-of", "2025-13-01"],
        "--as-of: '2025-13-01' is not a valid date (YYYY-MM-DD)",
    ),
    (
        "balance",
        [PACKAGE, "--account", ACCOUNT, "--at", "2025-13-01T00:00"],
        "--at: '2025-13-01T00:00' is not a valid ISO 8601 timestamp",
    ),
    (
        "redeem",
        [PACKAGE, "--account", ACCOUNT, "--cart", CART, "--at", "2025-13-01T00:00"],
        "--at: '2025-13-01T00:00' is not a valid ISO 8601 timestamp",
    ),
    (
        "diff",
        [CRP, CRP, "--as-of", "2025-13-01"],
        "--as-of: '2025-13-01' is not a valid date (YYYY-MM-DD)",
    ),
    (
        "diff",
        [PACKAGE, PACKAGE, "--accounts", str(POLICIES / "accounts"), "--at", "garbage"],
        "--at: 'garbage' is not a valid ISO 8601 timestamp",
    ),
]


@pytest.mark.parametrize(
    ("command", "args", "message"), BAD_DATES, ids=[f"{c}-{a[-2]}" for c, a, _ in BAD_DATES]
)
def test_a_malformed_date_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], command: str, args: list[str], message: str
) -> None:
    code, out, err = run(capsys, command, *args)
    assert (code, out) == (2, "")
    assert err.startswith(f"policyengine {command}: {message}"), err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


MISSING = [
    (
        "evaluate",
        [CRP, "--as-of", "2025-09-01"],
        "policyengine evaluate: no holder given: pass --holder FILE or --sources FILE",
    ),
    (
        "adjustments",
        [CRP, "--as-of", "2025-09-01"],
        "policyengine adjustments: no holder given: pass --holder FILE or --sources FILE",
    ),
    ("diff", [CRP], "policyengine diff: give OLD NEW policy files, or --base REV [PATH...]"),
    (
        "diff",
        [CRP, CRP, "--carts", str(POLICIES / "carts")],
        "policyengine diff: --carts needs --accounts",
    ),
    (
        "test",
        [str(POLICIES), "--fail-under", "90"],
        "policyengine test: --fail-under needs --coverage",
    ),
    # argparse's own errors exit 2 too
    ("balance", [PACKAGE, "--at", AT], "the following arguments are required: --account"),
    (
        "redeem",
        [PACKAGE, "--account", ACCOUNT, "--at", AT],
        "the following arguments are required: --cart",
    ),
    ("records", [SOURCES], "the following arguments are required: --policy"),
    ("evaluate", [], "the following arguments are required: POLICY"),
    ("validate", [], "the following arguments are required: PATH"),
    ("expr", [], "the following arguments are required: expression"),
    ("schema", ["bogus"], "invalid choice: 'bogus'"),
    ("plugins", ["-o", "junit"], "invalid choice: 'junit'"),
]


@pytest.mark.parametrize(
    ("command", "args", "message"), MISSING, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(MISSING)]
)
def test_a_missing_or_wrong_argument_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], command: str, args: list[str], message: str
) -> None:
    code, out, err = run(capsys, command, *args)
    assert (code, out) == (2, "")
    assert message in err and "Traceback" not in err


def test_no_file_found_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "validate", str(tmp_path))
    assert (code, err) == (2, "policyengine validate: no YAML or JSON files found\n")
    code, _, err = run(capsys, "test", str(tmp_path))
    assert (code, err) == (
        2,
        f"policyengine test: no scenario files (*.tests.yaml) under {tmp_path}\n",
    )


def test_diff_base_that_is_not_a_revision_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "diff", "--base", "no-such-revision-x9", CRP, "--exit-code")
    assert (code, out) == (2, "")
    assert err.startswith("policyengine diff: --base: git show no-such-revision-x9:"), err


def test_problems_in_files_still_exit_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.yaml")
    assert run(capsys, "evaluate", CRP, "--holder", missing, "--as-of", "2025-09-01")[0] == 1
    assert run(capsys, "balance", PACKAGE, "--account", missing, "--at", AT)[0] == 1
    assert run(capsys, "validate", missing)[0] == 1


# ----------------------------------------------------------------------------- formats


def test_each_command_offers_the_formats_its_reporters_implement() -> None:
    assert list(REPORTERS) == ["text", "json", "github", "sarif", "junit", "markdown", "html"]
    # the same names on validate, test and diff; diff has no junit (docs/ci.md says why)
    every = ("text", "json", "github", "sarif", "junit", "markdown")
    assert formats("validation") == every
    assert formats("scenarios") == every
    assert formats("impact") == ("text", "json", "github", "sarif", "markdown")
    for kind in ("adjustments", "balance", "records", "plugins"):
        assert formats(kind) == ("text", "json")
    # the pages (docs/pages.md): a holder's timeline, a checkout preview
    assert formats("evaluations") == formats("redemption") == ("text", "json", "html")


def test_every_reporter_writes_to_the_streams_it_is_given() -> None:
    import io

    from policyengine.cli.reporting import ImpactResult, ValidationResult

    out, err = io.StringIO(), io.StringIO()
    REPORTERS["json"](out, err).report_validation(ValidationResult([]))
    assert out.getvalue() == (
        '{\n  "files": [],\n  "problems": 0,\n  "skipped": [],\n  "valid": true,\n'
        '  "warnings": 0\n}\n'
    )
    assert err.getvalue() == ""
    with pytest.raises(NotImplementedError):
        REPORTERS["junit"](out, err).report_impact(ImpactResult([], []))


# ----------------------------------------------------------------------------- structure


def test_the_command_table_matches_the_command_modules() -> None:
    modules = sorted(p.stem for p in COMMANDS_DIR.glob("*.py") if p.stem != "__init__")
    # serve lives above the cli layer (policyengine/service/command.py) and names its module
    assert sorted(c.name for c in COMMANDS if c.module_name is None) == modules
    assert [c.module for c in COMMANDS if c.module_name] == ["policyengine.service.command"]
    for command in COMMANDS:
        module = importlib.import_module(command.module)
        assert (command.name, command.help) == (module.NAME, module.HELP)


def test_no_command_module_imports_another() -> None:
    for path in sorted(COMMANDS_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert not name.startswith("policyengine.cli.commands"), (path.name, name)


def _imported_after(*argv: str) -> set[str]:
    code = (
        "import sys\nfrom policyengine.cli.main import main\n"
        f"try:\n    main({list(argv)!r})\nexcept SystemExit:\n    pass\n"
        "print(' '.join(m for m in sys.modules if m.startswith('policyengine')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    return set(done.stdout.splitlines()[-1].split())


def test_version_and_expr_import_no_other_command_and_no_plugins() -> None:
    assert not {m for m in _imported_after("--version") if ".cli.commands." in m}
    loaded = _imported_after("expr", "1 + 1")
    assert {m for m in loaded if ".cli.commands." in m} == {"policyengine.cli.commands.expr"}
    assert "policyengine.plugins_loader" not in loaded
    assert "policyengine.cli.commands.validate" in _imported_after("validate", "--help")
