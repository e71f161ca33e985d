"""``policyengine expr``: evaluate an expression from the command line."""

from __future__ import annotations

import argparse
import json

import pytest

from policyengine.cli.commands import expr as expr_command


def run_direct(
    text: str, as_json: bool, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    args = argparse.Namespace(
        expression=text,
        output="json" if as_json else "text",
        policy=None,
        holder=None,
        record=None,
        period=None,
        as_of=None,
        env=None,
    )
    code = expr_command.run(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "text, printed",
    [
        ("2024-02-29 + 1 year", "2025-02-28"),
        ("0.1 + 0.2", "0.3"),
        ("1.50", "1.50"),
        ("2024-01-15 + 365 days", "2025-01-14"),
        ("1 year + 2 months + 3 days", "1 year 2 months 3 days"),
        ('[lower("A"), "b"]', '["a", "b"]'),
        ("round_down(1.37, 0.2) == 1.2", "true"),
    ],
)
def test_prints_canonical_value(
    text: str, printed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_direct(text, False, capsys)
    assert (code, out, err) == (0, printed + "\n", "")


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_direct("2024-02-29 + 1 year", True, capsys)
    assert code == 0
    assert json.loads(out) == {"type": "date", "value": "2025-02-28"}
    assert (
        out == json.dumps({"type": "date", "value": "2025-02-28"}, sort_keys=True, indent=2) + "\n"
    )


def test_error_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_direct("year(1) = 2", False, capsys)
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "<expr>:1:9: unexpected character '='",
        "    year(1) = 2",
        "            ^",
        "  hint: use '==' to compare",
    ]


def test_type_error_underlines_the_sub_expression(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_direct("1 + 2025-01-01", False, capsys)
    assert code == 1
    assert err.splitlines()[0] == "<expr>:1:1: cannot add a number and a date with '+'"
    assert err.splitlines()[2] == "    " + "^" * len("1 + 2025-01-01")


def test_runtime_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_direct("1 + 1 / 0", False, capsys)
    assert code == 1
    assert err.splitlines()[0] == "<expr>:1:5: division by zero"
    assert err.splitlines()[2] == "        ^^^^^"


def test_through_the_command_line(cli) -> None:
    done = cli("expr", "2024-02-29 + 1 year")
    assert (done.returncode, done.stdout, done.stderr) == (0, "2025-02-28\n", "")
    done = cli("expr", "--json", "0.1 + 0.2")
    assert done.returncode == 0
    assert json.loads(done.stdout) == {"type": "number", "value": "0.3"}
    done = cli("expr", "2025-02-30")
    assert done.returncode == 1
    assert done.stderr.startswith("<expr>:1:1: 2025-02-30 is not a real date\n")
    assert "Traceback" not in done.stderr
    done = cli("expr")
    assert done.returncode == 2
