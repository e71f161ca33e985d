"""``policyengine expr --policy --holder``: an expression in a policy's `where` scope,
against a bundled holder's real data (issue 15, item 9), end to end through the CLI.

The values must be the engine's own: every record's ``record.earned_on`` and
``record.credits`` are checked against what ``evaluate`` reports for it (effective date
after staff adjustments, credits after the minutes conversion), and ``period`` against
the period ``evaluate`` applied the record to.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

import pytest

from tests.helpers import ROOT

# (policy, holder file, as-of): every bundled holder with the policy it is written for
BUNDLED = [
    ("werc-crp.yaml", "werc-crp-seed-examples.yaml", "2025-09-01"),
    ("werc-crp.yaml", "werc-crp-second-cycle.yaml", "2024-01-01"),
    ("werc-gms.yaml", "werc-gms-seed-examples.yaml", "2025-09-01"),
    ("cpa-uaa.yaml", "cpa-uaa-licensed-2018.yaml", "2024-06-01"),
    ("safety-certification.yaml", "safety-seed-expired.yaml", "2013-03-01"),
]
CRP = ("expr", "--policy", "policies/werc-crp.yaml")
SECOND = ("--holder", "policies/holders/werc-crp-second-cycle.yaml", "--as-of", "2024-01-01")


def _json(done: Any) -> dict[str, Any]:
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    out: dict[str, Any] = json.loads(done.stdout)
    return out


@pytest.mark.parametrize("policy, holder, as_of", BUNDLED)
def test_record_and_period_are_what_evaluate_reports(
    cli: Any, policy: str, holder: str, as_of: str
) -> None:
    data = ("--policy", f"policies/{policy}", "--holder", f"policies/holders/{holder}")
    evaluation = _json(
        cli("evaluate", f"policies/{policy}", *data[2:], "--as-of", as_of, "-o", "json")
    )
    checked = 0
    for r in evaluation["records"]:
        if "effective_on" not in r:
            continue  # never applied (not yet recorded, not counted): shown as recorded
        args = ("expr", *data, "--as-of", as_of, "--record", r["id"], "-o", "json")
        earned = _json(cli(*args[:1], "record.earned_on", *args[1:]))
        assert (earned["type"], earned["value"]) == ("date", r["effective_on"])
        credits = _json(cli(*args[:1], "record.credits", *args[1:]))
        assert (credits["type"], credits["value"]) == ("number", r["credits"])
        number = _json(cli(*args[:1], "period.number", *args[1:]))
        if r["period"] is not None:
            assert number["value"] == str(r["period"]) and number["period"] == r["period"]
        assert (number["record"], number["holder"], number["as_of"]) == (
            r["id"],
            evaluation["holder"]["id"],
            as_of,
        )
        checked += 1
    assert checked >= 3


def test_a_backdated_record_sees_its_effective_date(cli: Any) -> None:
    """Seed 000: staff backdate a late credit to the cycle end; a `where` sees the new date."""
    evaluation = _json(
        cli(
            "evaluate",
            "policies/werc-crp.yaml",
            "--holder",
            "policies/holders/werc-crp-seed-examples.yaml",
            "--as-of",
            "2025-09-01",
            "-o",
            "json",
        )
    )
    moved = [
        r for r in evaluation["records"] if r.get("effective_on", r["earned_on"]) != r["earned_on"]
    ]
    assert moved, "the seed examples have a backdated or pushdated credit"
    r = moved[0]
    done = cli(
        *CRP,
        "record.earned_on != record.original_earned_on and record.original_earned_on == "
        + r["earned_on"],
        "--holder",
        "policies/holders/werc-crp-seed-examples.yaml",
        "--as-of",
        "2025-09-01",
        "--record",
        r["id"],
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "true\n", "")


def test_trying_a_where_on_a_record(cli: Any) -> None:
    """The administrator's use: does this `where` pick this record?"""
    where = 'record.category == "ethics" and record.credits >= 4'
    cpa = (
        "--policy",
        "policies/cpa-uaa.yaml",
        "--holder",
        "policies/holders/cpa-uaa-licensed-2018.yaml",
    )
    assert cli("expr", where, *cpa, "--record", "p1-ethics-2019").stdout == "true\n"
    assert cli("expr", where, *cpa, "--record", "p1-tax-2019").stdout == "false\n"


def test_minutes_are_converted_as_the_engine_does(cli: Any, tmp_path: Any) -> None:
    """cpa-uaa: 50 minutes a credit, rounded down to 0.2: 137 minutes count 2.6."""
    holder = tmp_path / "h.yaml"
    holder.write_text(
        "holder: {id: m-1, designated_on: 2018-05-10}\n"
        "records:\n  - {id: webcast, minutes: 137, earned_on: 2019-06-01}\n"
    )
    done = cli(
        "expr",
        "record.credits",
        "--policy",
        "policies/cpa-uaa.yaml",
        "--holder",
        holder,
        "--record",
        "webcast",
        "--as-of",
        "2020-01-01",
    )
    assert (done.returncode, done.stdout) == (0, "2.6\n")


def test_period_defaults_to_the_current_one_and_can_be_chosen(cli: Any) -> None:
    assert cli(*CRP, "period.start", *SECOND).stdout == "2022-08-01\n"
    assert cli(*CRP, "period.start", *SECOND, "--period", "1").stdout == "2019-08-01\n"
    # the record's own period wins over the current one, --period over both
    assert cli(*CRP, "period.number", *SECOND, "--record", "cycle1-credits").stdout == "1\n"
    done = cli(*CRP, "period.number", *SECOND, "--record", "cycle1-credits", "--period", "2")
    assert done.stdout == "2\n"


def test_holder_sees_certified_on_once_the_initial_period_is_complete(cli: Any) -> None:
    """Seed 002: the certification date is set by the evaluation, as rules see it."""
    args = (
        "--policy",
        "policies/safety-certification.yaml",
        "--holder",
        "policies/holders/safety-seed-expired.yaml",
    )
    done = cli("expr", "holder.certified_on", *args, "--as-of", "2013-03-01")
    assert (done.returncode, done.stdout) == (0, "2010-03-01\n")
    done = cli("expr", "holder.certified_on", *args, "--as-of", "2009-03-01")
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == "<expr>:1:1: holder has no value for field 'certified_on'"


def test_record_without_record_option_lists_the_ids(cli: Any) -> None:
    done = cli(*CRP, "period.end > record.earned_on", *SECOND)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [
        "<expr>:1:14: 'record' needs a record: pass --record ID",
        "    period.end > record.earned_on",
        "                 ^^^^^^",
        "  hint: the records of holder m-2002: cycle1-credits, upload-before-cycle, "
        "upload-pushdate-refused, webinar-2023, conference-2023",
    ]


def test_holder_names_without_holder(cli: Any) -> None:
    done = cli(*CRP, "const.cycle_month * 2")
    assert (done.returncode, done.stdout, done.stderr) == (0, "16\n", "")
    text = "const.cycle_month == month(period.start)"
    done = cli(*CRP, text)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines()[:3] == [
        "<expr>:1:28: 'period' needs a holder's data: pass --holder FILE",
        f"    {text}",
        "    " + " " * text.index("period") + "^^^^^^",
    ]


def test_type_errors_point_at_the_column(cli: Any) -> None:
    done = cli(*CRP, 'record.kind == "upload" and record.credits > "3"', *SECOND)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == "<expr>:1:29: cannot compare a number with a string"
    assert lines[2] == "    " + " " * 28 + "^" * len('record.credits > "3"')
    done = cli(*CRP, "record.earned > 2020-01-01", *SECOND, "--record", "cycle1-credits")
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == "<expr>:1:8: record has no field 'earned'"
    assert done.stderr.splitlines()[-1] == "  hint: did you mean 'earned_on'?"


def test_unknown_record_and_period(cli: Any) -> None:
    done = cli(*CRP, "record.id", *SECOND, "--record", "webinar-2032")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [
        "policyengine expr: --record: holder m-2002 has no record 'webinar-2032'",
        "  hint: did you mean 'webinar-2023'? its records: cycle1-credits, "
        "upload-before-cycle, upload-pushdate-refused, webinar-2023, conference-2023",
    ]
    done = cli(*CRP, "period.number", *SECOND, "--period", "7")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "policyengine expr: --period: holder m-2002 has no period 7 as of 2024-01-01",
        "  hint: its periods are numbered 1 to 2 (as in 'policyengine evaluate' output)",
    ]


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ("expr", "1", "--holder", "policies/holders/werc-crp-second-cycle.yaml"),
            "--holder needs --policy POLICY",
        ),
        (("expr", "1", "--as-of", "2024-01-01"), "--as-of needs --policy POLICY"),
        ((*CRP, "1", "--record", "x"), "--record needs --holder FILE"),
        ((*CRP, "1", *SECOND[:2], "--as-of", "2024-02-30"), "--as-of: "),
    ],
)
def test_usage_errors_exit_2(cli: Any, args: tuple[str, ...], message: str) -> None:
    done = cli(*args)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(f"policyengine expr: {message}")
    assert "Traceback" not in done.stderr


def test_period_must_be_a_number(cli: Any) -> None:
    done = cli(*CRP, "1", *SECOND, "--period", "0")
    assert done.returncode == 2
    assert "not a period number" in done.stderr


def test_a_package_policy_has_no_holder(cli: Any) -> None:
    done = cli("expr", "1", "--policy", "policies/western-cpe-package.yaml", *SECOND)
    assert done.returncode == 1
    assert "is a credit-package policy; --holder needs a certification policy" in done.stderr


def test_missing_files_are_named(cli: Any) -> None:
    done = cli("expr", "1", "--policy", "policies/nope.yaml")
    assert done.returncode == 1
    assert "policies/nope.yaml" in done.stderr and "Traceback" not in done.stderr
    done = cli(*CRP, "1", "--holder", "policies/holders/nope.yaml")
    assert done.returncode == 1
    assert "policies/holders/nope.yaml" in done.stderr


def test_json_is_deterministic_and_names_what_was_bound(cli: Any) -> None:
    args = (*CRP, "record.credits", *SECOND, "--record", "webinar-2023", "-o", "json")
    first = cli(*args)
    assert first == cli(*args)
    assert json.loads(first.stdout) == {
        "type": "number",
        "value": json.loads(first.stdout)["value"],
        "holder": "m-2002",
        "record": "webinar-2023",
        "period": None,
        "as_of": "2024-01-01",
    }
    assert cli(*CRP, "record.credits", *SECOND, "--record", "webinar-2023", "--json") == first


def test_the_documented_session_is_real(cli: Any) -> None:
    """docs/expressions.md shows `policyengine expr` runs and what they print."""
    text = (ROOT / "docs" / "expressions.md").read_text(encoding="utf-8")
    section = text.split("## Trying an expression on a holder's data")[1]
    block = section.split("```sh\n")[1].split("```")[0]
    runs = block.split("$ ")[1:]
    assert len(runs) == 2
    for run in runs:
        command, _, expected = run.partition("\n")
        while command.endswith("\\"):
            more, _, expected = expected.partition("\n")
            command = command[:-1] + more
        args = shlex.split(command)
        assert args[0] == "policyengine"
        done = cli(*args[1:])
        assert (done.returncode, done.stdout, done.stderr) == (0, expected, "")
