"""A FIFO (named pipe) in any file position is refused, naming the path; nothing hangs.

Opening a FIFO for reading waits until something writes to it: a pull request that
commits one (or a sources file naming one) would hang ``policyengine validate``/``test``
in CI. Every place that opens a file the user or an untrusted file names refuses
anything that is not a regular file, before reading.

Where that is not so, the ``unblock`` fixture (tests/conftest.py) makes the test fail
instead of waiting forever.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.helpers import POLICIES

AS_OF = ("--as-of", "2025-09-01")
AT = ("--at", "2025-03-01T10:00:00")

SCENARIO = """\
policy: {policy}
scenarios:
  - name: one
    as_of: 2025-09-01
    {key}: {value}
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


def sources(source: str, path: str, **options: str) -> str:
    extra = "".join(f", {k}: {v}" for k, v in options.items())
    return f"sources:\n  - {{source: {source}, holder: {{id: m-1}}, options: {{path: {path}{extra}}}}}\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: object) -> Path:
    """A small policy repository, the current directory (after `cli` went to ROOT)."""
    shutil.copy(POLICIES / "werc-crp.yaml", tmp_path / "crp.yaml")
    shutil.copy(POLICIES / "western-cpe-package.yaml", tmp_path / "pkg.yaml")
    shutil.copy(POLICIES / "holders" / "werc-crp-seed-examples.yaml", tmp_path / "h.yaml")
    shutil.copy(POLICIES / "accounts" / "dana-two-packages.yaml", tmp_path / "acct.yaml")
    shutil.copy(POLICIES / "carts" / "eligible-only.yaml", tmp_path / "cart.yaml")
    (tmp_path / "d").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


# (arguments, the FIFO, other files: name -> text)
CASES: dict[str, tuple[tuple[str, ...], str, dict[str, str]]] = {
    "evaluate POLICY": (("evaluate", "F", "--holder", "h.yaml", *AS_OF), "p.yaml", {}),
    "evaluate --holder": (("evaluate", "crp.yaml", "--holder", "F", *AS_OF), "x.yaml", {}),
    "adjustments --holder": (("adjustments", "crp.yaml", "--holder", "F", *AS_OF), "x.yaml", {}),
    "evaluate --sources": (
        ("evaluate", "crp.yaml", "--sources", "F", *AS_OF),
        "x.sources.yaml",
        {},
    ),
    "CSV input": (
        ("evaluate", "crp.yaml", "--sources", "s.sources.yaml", *AS_OF),
        "in.csv",
        {"s.sources.yaml": sources("lms_transcript", "in.csv")},
    ),
    "SQL dump input": (
        ("evaluate", "crp.yaml", "--sources", "s.sources.yaml", *AS_OF),
        "in.sql",
        {"s.sources.yaml": sources("sql", "in.sql", query="SELECT 1")},
    ),
    "SQLite database input": (
        ("evaluate", "crp.yaml", "--sources", "s.sources.yaml", *AS_OF),
        "in.db",
        {"s.sources.yaml": sources("sql", "in.db", query="SELECT 1")},
    ),
    "xAPI JSON input": (
        ("evaluate", "crp.yaml", "--sources", "s.sources.yaml", *AS_OF),
        "in.json",
        {"s.sources.yaml": sources("xapi", "in.json")},
    ),
    "records SOURCES": (("records", "F", "--policy", "crp.yaml"), "x.sources.yaml", {}),
    "records --policy": (
        ("records", "s.sources.yaml", "--policy", "F"),
        "p.yaml",
        {"s.sources.yaml": sources("lms_transcript", "in.csv")},
    ),
    "validate FILE": (("validate", "F"), "x.yaml", {}),
    "validate DIR": (("validate", "d"), "d/x.yaml", {"d/ok.yaml": "holder: {id: m-1}\n"}),
    "validate a sources file's input": (
        ("validate", "s.sources.yaml"),
        "in.csv",
        {"s.sources.yaml": sources("lms_transcript", "in.csv")},
    ),
    "test FILE": (("test", "F"), "x.tests.yaml", {}),
    "test holder_file": (
        ("test", "t.tests.yaml"),
        "x.yaml",
        {"t.tests.yaml": SCENARIO.format(policy="crp.yaml", key="holder_file", value="x.yaml")},
    ),
    "test policy": (
        ("test", "t.tests.yaml"),
        "p.yaml",
        {"t.tests.yaml": SCENARIO.format(policy="p.yaml", key="holder_file", value="h.yaml")},
    ),
    "test account_file": (
        ("test", "t.tests.yaml"),
        "x.yaml",
        {"t.tests.yaml": PACKAGE_SCENARIO.format(account="x.yaml", cart="cart.yaml")},
    ),
    "test cart_file": (
        ("test", "t.tests.yaml"),
        "x.yaml",
        {"t.tests.yaml": PACKAGE_SCENARIO.format(account="acct.yaml", cart="x.yaml")},
    ),
    "test DIR --coverage": (
        ("test", "d", "--coverage"),
        "d/x.yaml",
        {
            "d/crp.yaml": (POLICIES / "werc-crp.yaml").read_text(encoding="utf-8"),
            "d/crp.tests.yaml": SCENARIO.format(
                policy="crp.yaml", key="holder", value="{id: m-1, designated_on: 2024-01-01}"
            ),
        },
    ),
    "batch JSONL": (("batch", "crp.yaml", "F", *AS_OF), "in.jsonl", {}),
    "batch holder file": (("batch", "crp.yaml", "F", *AS_OF), "in.json", {}),
    "batch DIR": (("batch", "crp.yaml", "d", *AS_OF), "d/x.json", {}),
    "batch sources file": (("batch", "crp.yaml", "F", *AS_OF), "x.sources.yaml", {}),
    "balance POLICY": (("balance", "F", "--account", "acct.yaml", *AT), "p.yaml", {}),
    "balance --account": (("balance", "pkg.yaml", "--account", "F", *AT), "x.yaml", {}),
    "redeem --account --record": (
        ("redeem", "pkg.yaml", "--account", "F", "--cart", "cart.yaml", "--record", "F", *AT),
        "x.yaml",
        {},
    ),
    "--plugins-dir": (("--plugins-dir", "d", "plugins"), "d/x.py", {}),
    "redeem --cart": (
        ("redeem", "pkg.yaml", "--account", "acct.yaml", "--cart", "F", *AT),
        "x.yaml",
        {},
    ),
}


# Looking for policies no scenario tests, `test DIR` passes over files that do not load
# ('validate' reports them); it must not hang on one.
QUIET = {"test DIR --coverage"}


@pytest.mark.parametrize("case", list(CASES))
def test_a_fifo_is_refused_naming_it(case: str, repo: Path, cli, unblock) -> None:
    args, fifo, files = CASES[case]
    for name, text in files.items():
        (repo / name).write_text(text, encoding="utf-8")
    os.mkfifo(repo / fifo)
    unblock(repo / fifo)
    code, out, err = cli(*(fifo if a == "F" else a for a in args))
    assert unblock.released == []  # no reader ever waited on the FIFO (however slow the machine)
    assert "Traceback" not in err
    if case in QUIET:
        return
    assert code in (1, 2), (out, err)
    said = [line for line in (out + err).splitlines() if "not a regular file" in line]
    assert said and all(fifo in line for line in said), out + err
