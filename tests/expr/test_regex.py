"""``matches()`` runs in time linear in the string, whatever pattern a policy writes.

A policy is untrusted input (a pull request can change it), and so is the data a
pattern is matched against. Python's ``re`` backtracks: ``(a+)+$`` on 31 characters
took longer than CI would wait. ``matches`` uses RE2 (google-re2), which never
backtracks; the constructs that need backtracking (backreferences, lookaround) are
refused where the pattern is written, and so are patterns whose compiled program is
too large (the cost per character grows with it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from policyengine.expr import ExprError, ExprRuntimeError, Scope, compile_expression
from policyengine.expr.functions import MAX_REGEX_PROGRAM
from policyengine.expr.types import STRING, ObjectType
from tests.helpers import ROOT

SCOPE = Scope({"record": ObjectType("record", {"kind": STRING, "title": STRING})})

POLICY = """\
format: 1
kind: certification
id: rx
name: RX
timezone: UTC
periods:
  renewal:
    start: holder.designated_on
    length: 3 years
records:
  counts_when: {rule}
requirements:
  - id: credits
    min: 1
"""


def _policy(tmp_path: Path, rule: str) -> Path:
    path = tmp_path / "rx.yaml"
    path.write_text(POLICY.format(rule=rule), encoding="utf-8")
    return path


def test_catastrophic_pattern_on_31_characters_finishes(tmp_path: Path) -> None:
    """The reproducer: evaluate in a real process, killed if it takes 20 s (it did)."""
    policy = _policy(
        tmp_path, "matches(record.title, '(a+)+$') or matches(record.title, record.category)"
    )
    holder = tmp_path / "h.yaml"
    holder.write_text(
        textwrap.dedent(f"""\
        holder: {{id: h, designated_on: 2024-01-01}}
        records:
          - {{id: r1, earned_on: 2024-02-01, credits: 1, title: "{"a" * 30}b",
             category: "(a+)+$"}}
          - {{id: r2, earned_on: 2024-02-02, credits: 1, title: "{"a" * 100_000}b",
             category: "(x+x+)+y"}}
          - {{id: r3, earned_on: 2024-02-03, credits: 1, title: "{"a" * 31}"}}
        """),
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "policyengine", "evaluate", str(policy)]
    done = subprocess.run(
        [*command, "--holder", str(holder), "--as-of", "2025-01-01", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
        env=dict(os.environ),
    )
    assert done.returncode == 0, done.stderr
    assert '"counted": "1"' in done.stdout  # r3 matches; r1 and r2 do not


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"(\\w+)\\1", "invalid escape sequence"),
        ("(?=a)a", "invalid perl operator"),
        ("(?<!a)b", "invalid perl operator"),
    ],
)
def test_backtracking_constructs_are_refused_at_the_pattern(pattern: str, words: str) -> None:
    with pytest.raises(ExprError) as info:
        compile_expression(f'matches(record.kind, "{pattern}")', SCOPE)
    err = info.value
    assert "invalid regular expression" in err.message and words in err.message
    assert err.offset == len("matches(record.kind, ")  # the pattern argument
    assert err.hint is not None and "RE2" in err.hint and "backreferences" in err.hint


def test_a_pattern_whose_program_is_too_large_is_refused() -> None:
    # (.*){n}: Python's re accepts it; its RE2 program grows with n, and so does the
    # time per character of the string matched.
    small = compile_expression('matches(record.kind, "(a.*){10}")', SCOPE)
    assert small({"record": {"kind": "a" * 10}}) is True
    with pytest.raises(ExprError) as info:
        compile_expression('matches(record.kind, "(a.*.*.*.*.*.*.*.*.*){300}")', SCOPE)
    assert "too complex" in info.value.message and str(MAX_REGEX_PROGRAM) in info.value.message
    assert info.value.offset == len("matches(record.kind, ")


def test_a_pattern_known_only_at_run_time_is_checked_when_called() -> None:
    # (the slow pattern known only at run time is in the reproducer above: category)
    compiled = compile_expression("matches(record.title, record.kind)", SCOPE)
    assert compiled({"record": {"title": "ab", "kind": "(a+)+b"}}) is True
    with pytest.raises(ExprRuntimeError, match="invalid regular expression"):
        compiled({"record": {"title": "aa", "kind": "(a)\\1"}})


@pytest.mark.parametrize(
    ("text", "pattern", "expected"),
    [
        ("WC-101", "WC-[0-9]+", True),
        ("WC-101x", "WC-[0-9]+", False),  # the whole string must match
        ("xWC-101", "WC-[0-9]+", False),
        ("ethics-2024", "(?i)ETHICS-\\\\d{4}", True),
        ("café", "caf.", True),  # one character, not one byte
        ("cafés", "caf.", False),
        ("\u0661\u0662", "\\\\d+", False),  # \\d is an ASCII digit (RE2), not any Unicode digit
        ("a\n", "a$", False),  # $ is the end of the string, not before a final newline
    ],
)
def test_whole_string_semantics(text: str, pattern: str, expected: bool) -> None:
    compiled = compile_expression(f'matches(record.title, "{pattern}")', SCOPE)
    assert compiled({"record": {"title": text}}) is expected


def test_validate_points_inside_the_yaml_at_the_pattern(tmp_path: Path, cli) -> None:
    policy = _policy(tmp_path, "matches(record.title, '(x)\\\\1')")
    code, out, _err = cli("validate", policy)
    assert code == 1
    assert f"{policy}:11:38: matches(): invalid regular expression" in out
    assert "hint: matches() uses RE2 syntax" in out
