"""The command line's own behaviour (policyengine/cli/main.py), in-process: ``--version``
and ``--help`` exit 0 with their text on stdout, a usage error exits 2 with the usage
on stderr (tests/cli/test_end_to_end.py sees the same exit codes from a real process)."""

from __future__ import annotations

from policyengine import __version__
from policyengine.cli.main import COMMANDS


def test_version_and_help_exit_0_on_stdout(cli) -> None:
    assert cli("--version") == (0, f"policyengine {__version__}\n", "")
    done = cli("--help")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("usage: policyengine ")
    assert all(f"\n    {c.name} " in done.stdout for c in COMMANDS), done.stdout


def test_usage_errors_exit_2_on_stderr(cli) -> None:
    done = cli()
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("usage: policyengine ")
    assert "error: the following arguments are required: COMMAND" in done.stderr
    done = cli("evaluat")
    assert (done.returncode, done.stdout) == (2, "")
    assert "invalid choice: 'evaluat'" in done.stderr
