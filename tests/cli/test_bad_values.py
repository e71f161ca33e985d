"""Bad values found by fuzzing, through the command line: a named argument and exit 2
for a bad command-line value, ``file:line:col: message`` and exit 1 for a bad file,
never a traceback."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import POLICIES, CliResult

RANGE = (
    "is out of range: instants are read from 0001-01-02 to 9999-12-30 (UTC), "
    "so that every time zone has a date for them"
)
PACKAGE = (
    "policies/western-cpe-package.yaml",
    "--account",
    "policies/accounts/dana-two-packages.yaml",
)


def _clean(r: CliResult) -> None:
    assert "Traceback" not in r.stderr and "Error:" not in r.stderr


def test_as_of_in_the_basic_format_is_refused_on_every_python(cli) -> None:
    r = cli(
        "evaluate",
        "policies/werc-crp.yaml",
        "--holder",
        "policies/holders/werc-crp-seed-examples.yaml",
        "--as-of",
        "20250901",
    )
    assert r.returncode == 2
    assert r.stderr == (
        "policyengine evaluate: --as-of: '20250901' is not a valid date (YYYY-MM-DD)\n"
    )


def test_balance_at_the_end_of_year_9999(cli) -> None:
    r = cli("balance", *PACKAGE, "--at", "9999-12-31T23:59:59")
    assert r.returncode == 2
    assert r.stderr == f"policyengine balance: --at: timestamp '9999-12-31T23:59:59' {RANGE}\n"


def test_redeem_at_the_start_of_year_1(cli) -> None:
    r = cli(
        "redeem",
        *PACKAGE,
        "--cart",
        "policies/carts/eligible-only.yaml",
        "--at",
        "0001-01-01T00:00:00+14:00",
    )
    assert r.returncode == 2
    assert r.stderr == (
        f"policyengine redeem: --at: timestamp '0001-01-01T00:00:00+14:00' {RANGE}\n"
    )


def test_account_purchase_in_year_9999(cli, tmp_path: Path) -> None:
    account = tmp_path / "account.yaml"
    account.write_text(
        "account: {id: m-1}\n"
        "events:\n"
        "  - type: purchase\n"
        "    id: p1\n"
        "    at: 9999-12-31T10:00:00\n"
        "    credits: 20\n",
        encoding="utf-8",
    )
    r = cli("balance", PACKAGE[0], "--account", account, "--at", "2025-03-01T10:00:00")
    _clean(r)
    assert r.returncode == 1
    assert r.stderr.startswith(
        f"{account}:5:9: event 'p1': timestamp '9999-12-31T10:00:00' {RANGE}\n"
    )


def test_holder_earned_at_the_end_of_year_9999(cli, tmp_path: Path) -> None:
    holder = tmp_path / "holder.yaml"
    holder.write_text(
        "holder: {id: m-1, name: X, designated_on: 2022-06-15}\n"
        "records:\n"
        "  - id: r1\n"
        "    credits: 1\n"
        "    earned_at: 9999-12-31T23:59:59-12:00\n",
        encoding="utf-8",
    )
    r = cli("evaluate", "policies/werc-crp.yaml", "--holder", holder, "--as-of", "2025-09-01")
    _clean(r)
    assert r.returncode == 1
    assert r.stderr.startswith(
        f"{holder}:5:16: record 'r1': timestamp '9999-12-31T23:59:59-12:00' {RANGE}\n"
    )


def test_scenario_at_the_end_of_year_9999(cli, tmp_path: Path) -> None:
    for name in ("western-cpe-package.yaml", "accounts/dana-two-packages.yaml"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes((POLICIES / name).read_bytes())
    tests = tmp_path / "western-cpe-package.tests.yaml"
    tests.write_text(
        "scenarios:\n"
        "  - name: at the end of time\n"
        "    at: 9999-12-31T23:59:59\n"
        "    account_file: accounts/dana-two-packages.yaml\n"
        "    expect:\n"
        "      balance: {available: 0}\n",
        encoding="utf-8",
    )
    r = cli("test", tests)
    _clean(r)
    assert r.returncode == 2
    assert r.stdout.startswith(f"{tests}:3:9: timestamp '9999-12-31T23:59:59' {RANGE}\n")


def test_expr_with_a_4400_digit_number(cli) -> None:
    huge = "1" + "0" * 4400
    for text, what in ((f"1 day * {huge}", "number"), (f"{huge} days", "duration")):
        r = cli("expr", text)
        _clean(r)
        assert r.returncode == 1
        first = r.stderr.splitlines()[0]
        assert first.startswith(f"<expr>:1:{1 if what == 'duration' else 9}: {what} 1000")
        assert "… (4401 characters)" in first and first.endswith(
            "is out of range: numbers have at most 12 digits before the decimal point and "
            "6 after it"
        )


def test_holder_credits_overflowing_a_sum(cli, tmp_path: Path) -> None:
    holder = tmp_path / "holder.yaml"
    holder.write_text(
        "holder: {id: m-1, name: X, designated_on: 2022-06-15}\n"
        "records:\n"
        "  - {id: r1, credits: 9e999999, earned_on: 2023-01-01}\n"
        "  - {id: r2, credits: 9e999999, earned_on: 2023-01-02}\n",
        encoding="utf-8",
    )
    r = cli("evaluate", "policies/werc-crp.yaml", "--holder", holder, "--as-of", "2025-09-01")
    _clean(r)
    assert r.returncode == 1
    assert r.stderr.startswith(f"{holder}:3:23: record 'r1': credits 9E+999999 is out of range")
