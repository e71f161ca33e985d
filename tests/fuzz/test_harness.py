"""The fuzzers can fail: the runner catches crashes, hangs and dead workers, the oracles
catch wrong answers, and the generators reach what they are meant to.

These run in the normal test suite, briefly; the fuzzing itself is ``python -m
tests.fuzz`` (CI runs it for a minute, see docs/ci.md).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from tests.fuzz import fuzz_cli, fuzz_expr, fuzz_yaml
from tests.fuzz.contract import ROOT, Finding, Mismatch
from tests.fuzz.runner import Result, main, report, run_fuzzer


def test_the_runner_records_a_crash_a_hang_and_a_dead_worker_and_goes_on():
    result = run_fuzzer("planted", seed=1, seconds=6, module="tests.fuzz.planted")
    assert set(result.findings) == {
        "planted: KeyError in crash",
        "planted: timeout in hang",
        "planted: worker died in exit",
    }
    assert result.outcomes["rejected"] == 1
    assert result.outcomes["hang"] == result.outcomes["died"] == 1
    # after each of the two, a new worker resumed with the next input ("after", then fine)
    assert result.workers == 3 and result.outcomes["ok"] >= 2
    assert result.findings["planted: timeout in hang"].input == "input hang"


def test_the_report_tells_known_findings_from_new_ones(capsys, tmp_path):
    result = Result("yaml")
    result.outcomes.update({"valid": 3, "finding": 2})
    result.findings = {
        "yaml: KeyError in x": Finding("yaml", "yaml: KeyError in x", "KeyError: 'a'", "in\n1"),
        "yaml: OverflowError in y": Finding("yaml", "yaml: OverflowError in y", "Overflow", "2"),
    }
    assert report([result], {"yaml: OverflowError in y"}, tmp_path) == 1
    out = capsys.readouterr().out
    assert "yaml           5 inputs" in out
    assert "[NEW] yaml: KeyError in x  (1 input)" in out
    assert "[known] yaml: OverflowError in y" in out
    assert "input: in\\n1" in out
    assert (tmp_path / "yaml-01.txt").read_text().startswith("yaml: KeyError in x\n")
    assert out.endswith("total: 5 inputs, 2 findings, 1 new\n")


def test_an_unknown_fuzzer_is_a_usage_error():
    with pytest.raises(SystemExit) as done:
        main(["--fuzzers", "yaml,nothing", "--seconds", "1"])
    assert done.value.code == 2


def test_the_decimal_oracle_catches_a_wrong_answer():
    assert (
        fuzz_expr.run_decimal("(1 / 3)", lambda: fuzz_expr.CONTEXT.divide(Decimal(1), Decimal(3)))
        == "agree"
    )
    assert (
        fuzz_expr.run_decimal("(1 / 0)", lambda: fuzz_expr.CONTEXT.divide(Decimal(1), Decimal(0)))
        == "both error"
    )
    with pytest.raises(Mismatch):
        fuzz_expr.run_decimal("(10 / 4)", lambda: Decimal("2.50"))  # right value, wrong digits


def test_the_calendar_oracle_follows_the_month_end_rule_and_catches_a_wrong_answer():
    cases = {
        "2024-01-31 + 1 month": dt.date(2024, 2, 29),
        "2024-02-29 + 1 year": dt.date(2025, 2, 28),
        "2024-03-31 - 1 month": dt.date(2024, 2, 29),
        "2024-01-15 + 365 days": dt.date(2025, 1, 14),
    }
    for text, expected in cases.items():
        start, sign, n, unit = text.split()
        oracle = fuzz_expr.shift(
            dt.date.fromisoformat(start), 1 if sign == "+" else -1, int(n), unit
        )
        assert oracle == expected
        assert fuzz_expr.run_calendar(text, lambda oracle=oracle: oracle) == "agree"
    assert (
        fuzz_expr.run_calendar("9999-12-31 + 1 day", lambda: dt.date.max + dt.timedelta(1))
        == "both error"
    )
    with pytest.raises(Mismatch):
        fuzz_expr.run_calendar("2024-01-31 + 1 month", lambda: dt.date(2024, 3, 2))


def test_the_grammar_generator_reaches_every_rule_and_token_and_mostly_parses():
    from policyengine.expr import ExprError
    from policyengine.expr.parser import parse

    grammar = fuzz_expr.Grammar.load()
    assert set(grammar.depth) == set(grammar.rules)  # every rule has a finite derivation
    texts = [fuzz_expr.grammar_text(None, random.Random(i), grammar) for i in range(400)]
    tokens = {t for text in texts for t in text.split()}
    keywords = {value for kind, value in grammar.terminals.values() if kind == "str"}
    assert keywords - tokens == set()  # every keyword and punctuation mark is generated
    parsed = 0
    for text in texts:
        try:
            parse(text)
            parsed += 1
        except ExprError:
            pass
    assert parsed > len(texts) // 2


def test_every_mutation_changes_a_bundled_file():
    texts = [p.read_text() for p in sorted((ROOT / "policies").glob("*.yaml"))]
    for op in fuzz_yaml.MUTATIONS:
        rng = random.Random(0)
        assert any(op(t, rng) != t for t in texts), op.__name__


def test_every_command_that_reads_files_has_a_cli_fuzz_slot(tmp_path):
    from policyengine.cli.main import COMMANDS

    fuzzed = {
        args[0] if args[0] != "--plugins-dir" else "plugins"
        for _n, _e, args in fuzz_cli.slots(tmp_path)
    }
    # serve is a long-running server (tests/service); ledger's files are the account
    # files redeem and balance read, fuzzed there
    assert {c.name for c in COMMANDS} - fuzzed == {"schema", "serve", "ledger"}
