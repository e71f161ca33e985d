"""CLI fuzzer: every command, every file argument, given a bad file.

A *slot* is a command line with one file argument left open (``evaluate POLICY
--holder FILE``, ``records SOURCES --policy FILE``, ``batch POLICY FILE``, a sources
file whose input is FILE, a ``--plugins-dir`` holding FILE as a plugin, ...). The bad
files: missing, empty, binary, Latin-1 instead of UTF-8, 50 MB, permission denied, a
directory, NUL bytes; then, until the budget is spent, truncated and mutated bundled
files (``fuzz_yaml.mutate``). Every (slot, kind) pair runs first, in an order the seed
shuffles; then random pairs.

Commands run in the worker's process (``clirun.run_main``), which drops the
capabilities that let root read any file, so "permission denied" is real. The
contract: exit 1 or 2 for a file that cannot be right (0 is allowed for an empty,
truncated or mutated file, which may still be valid), nothing escapes ``main``, no
traceback on stderr, output that UTF-8 can carry. FIFOs and path confinement are
fuzzed elsewhere.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fuzz.clirun import run_main
from tests.fuzz.contract import ROOT
from tests.fuzz.fuzz_yaml import mutate
from tests.unprivileged import drop_file_capabilities

NAME = "cli"
INPUT_TIMEOUT = 90.0
AS_OF, AT = "2025-09-01", "2025-03-01T10:00:00"
BIG = 50 * 1024 * 1024
MUST_FAIL = ("missing", "binary", "latin1", "denied", "big", "nul")
KINDS = (*MUST_FAIL, "empty", "directory")  # a directory is a fine argument to some
RANDOM_KINDS = ("truncated", "mutated", "binary")


@dataclass
class State:
    root: Path  # a copy of policies/
    bad: Path  # where the bad files are made
    slots: list[tuple[str, str, list[str]]]  # (name, extension, args with "{}" for the file)
    made: dict[tuple[str, str], Path] = field(default_factory=dict)
    serial: int = 0


def slots(root: Path) -> list[tuple[str, str, list[str]]]:
    crp, pkg = str(root / "werc-crp.yaml"), str(root / "western-cpe-package.yaml")
    holder = str(root / "holders" / "werc-crp-seed-examples.yaml")
    account, cart = (
        str(root / "accounts" / "dana-two-packages.yaml"),
        str(root / "carts" / "eligible-only.yaml"),
    )
    sources = str(root / "sources" / "werc-crp-m6006.sources.yaml")
    f = "{}"
    return [
        ("validate", ".yaml", ["validate", f]),
        ("validate -o github", ".json", ["validate", "-o", "github", f]),
        ("validate -o sarif", ".yaml", ["validate", "-o", "sarif", f]),
        ("validate -o junit", ".yaml", ["validate", "-o", "junit", f]),
        ("evaluate policy", ".yaml", ["evaluate", f, "--holder", holder, "--as-of", AS_OF]),
        ("evaluate --holder", ".yaml", ["evaluate", crp, "--holder", f, "--as-of", AS_OF]),
        (
            "evaluate --holder json",
            ".json",
            ["evaluate", crp, "--holder", f, "--as-of", AS_OF, "--json"],
        ),
        ("evaluate --sources", ".yaml", ["evaluate", crp, "--sources", f, "--as-of", AS_OF]),
        ("adjustments --holder", ".yaml", ["adjustments", crp, "--holder", f, "--as-of", AS_OF]),
        ("test", ".tests.yaml", ["test", f]),
        ("test junit coverage", ".tests.yaml", ["test", "--coverage", "-o", "junit", f]),
        ("test sarif", ".tests.yaml", ["test", "-o", "sarif", f]),
        ("diff old", ".yaml", ["diff", f, crp]),
        ("diff new", ".yaml", ["diff", crp, f, "-o", "markdown"]),
        ("diff new sarif", ".yaml", ["diff", crp, f, "-o", "sarif"]),
        ("diff new github", ".yaml", ["diff", crp, f, "-o", "github"]),
        ("diff --holders", ".yaml", ["diff", crp, crp, "--holders", f, "--as-of", AS_OF]),
        ("diff --accounts", ".yaml", ["diff", pkg, pkg, "--accounts", f, "--at", AT]),
        (
            "diff --carts",
            ".yaml",
            ["diff", pkg, pkg, "--accounts", account, "--carts", f, "--at", AT],
        ),
        ("records sources", ".yaml", ["records", f, "--policy", crp]),
        ("records --policy", ".yaml", ["records", sources, "--policy", f]),
        ("records csv input", ".csv", ["records", "@records_file", "--policy", crp]),
        ("records json input", ".json", ["records", "@xapi", "--policy", crp]),
        ("records sql input", ".sql", ["records", "@sql", "--policy", crp]),
        ("records sqlite input", ".sqlite", ["records", "@sql", "--policy", crp]),
        ("balance policy", ".yaml", ["balance", f, "--account", account, "--at", AT]),
        ("balance --account", ".yaml", ["balance", pkg, "--account", f, "--at", AT]),
        ("redeem --cart", ".yaml", ["redeem", pkg, "--account", account, "--cart", f, "--at", AT]),
        ("redeem --account", ".json", ["redeem", pkg, "--account", f, "--cart", cart, "--at", AT]),
        ("batch jsonl", ".jsonl", ["batch", crp, f, "--as-of", AS_OF]),
        ("batch csv out", ".yaml", ["batch", crp, f, "--as-of", AS_OF, "-o", "csv", "--explain"]),
        ("batch policy", ".yaml", ["batch", f, str(root / "holders"), "--as-of", AS_OF]),
        ("--plugins-dir", ".py", ["--plugins-dir", "@plugins", "plugins"]),
        ("fmt", ".yaml", ["fmt", f]),
        ("fmt --diff", ".tests.yaml", ["fmt", "--diff", f]),
        ("expr --policy", ".yaml", ["expr", "const.cycle_month", "--policy", f]),
        (
            "expr --holder",
            ".yaml",
            ["expr", "record.credits", "--policy", crp, "--holder", f, "--record", "r"],
        ),
    ]


def setup(workdir: Path) -> State:
    drop_file_capabilities()
    root = workdir / "policies"
    shutil.copytree(ROOT / "policies", root)
    bad = workdir / "bad"
    bad.mkdir()
    return State(root, bad, slots(root))


def _sample(state: State, ext: str) -> str:
    """A bundled file that could go in a slot with extension ``ext``."""
    by_ext = {
        ".csv": "sources/m6006-chapter-sheet.csv",
        ".json": "sources/werc-lrs-statements.json",
        ".sql": "sources/werc-chapter-events.sql",
        ".tests.yaml": "werc-crp.tests.yaml",
        ".jsonl": "sources/werc-lrs-statements.json",
    }
    if ext == ".py":
        return (ROOT / "plugins" / "records_file.py").read_text(encoding="utf-8")
    rel = by_ext.get(ext, "holders/werc-crp-seed-examples.yaml")
    return (state.root / rel).read_text(encoding="utf-8")


def make(state: State, kind: str, ext: str, rng: random.Random) -> Path:
    """A bad file of ``kind`` with extension ``ext`` (kept for the fixed kinds)."""
    if (kind, ext) in state.made:
        return state.made[(kind, ext)]
    state.serial += 1
    path = state.bad / f"{kind}-{state.serial}{ext}"
    sample = _sample(state, ext)
    if kind == "missing":
        pass
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "binary":
        path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.choice((16, 4096)))))
    elif kind == "latin1":
        path.write_bytes(("# r\xe9sum\xe9\n" + sample).encode("latin-1", "replace"))
    elif kind == "nul":
        path.write_bytes(sample.encode("utf-8").replace(b"\n", b"\n\x00", 3))
    elif kind == "denied":
        path.write_text(sample, encoding="utf-8")
        path.chmod(0)
    elif kind == "directory":
        path.mkdir()
        (path / "inside.yaml").write_text(sample, encoding="utf-8")
    elif kind == "big":
        line = sample.splitlines(keepends=True)[-1] or "x\n"
        path.write_bytes((line * (BIG // len(line) + 1)).encode("utf-8")[:BIG])
    elif kind == "truncated":
        path.write_bytes(sample.encode("utf-8")[: rng.randrange(len(sample) + 1)])
    elif kind == "mutated":
        path.write_bytes(mutate(sample, rng)[0])
    if kind not in ("truncated", "mutated", "binary"):
        state.made[(kind, ext)] = path
    return path


def _sources_file(state: State, source: str, path: Path) -> Path:
    state.serial += 1
    options = (
        f"{{path: '{path}', query: 'SELECT * FROM attendance'}}"
        if source == "sql"
        else f"{{path: '{path}'}}"
    )
    sources = state.bad / f"run-{state.serial}.sources.yaml"
    sources.write_text(
        f"sources:\n  - {{source: {source}, holder: {{id: m-1}}, options: {options}}}\n"
    )
    return sources


def _plugins_dir(state: State, path: Path) -> Path:
    state.serial += 1
    folder = state.bad / f"plugins-{state.serial}"
    if path.exists() or path.is_symlink():
        folder.mkdir()
        target = folder / "plugin.py"
        if path.is_dir():
            target.mkdir()
        else:
            target.symlink_to(path)
    return folder


def run_slot(state: State, slot: tuple[str, str, list[str]], kind: str, rng: random.Random) -> str:
    _name, ext, template = slot
    path = make(state, kind, ext, rng)
    args = []
    for arg in template:
        if arg == "{}":
            arg = str(path)
        elif arg.startswith("@plugins"):
            arg = str(_plugins_dir(state, path))
        elif arg.startswith("@"):
            arg = str(_sources_file(state, arg[1:], path))
        args.append(arg)
    # NUL is text to CSV and to a SQL dump's strings; YAML and JSON forbid it
    must_fail = kind in MUST_FAIL and not (kind == "nul" and ext in (".csv", ".sql"))
    code, _out, _err = run_main(args, must_fail=must_fail)
    return f"exit {code}"


def loop(state: State, rng: random.Random, execute: Any, budget: Any) -> None:
    pairs = [(slot, kind) for slot in state.slots for kind in KINDS]
    random.Random(budget.seed).shuffle(pairs)  # the run's order: a new worker resumes it
    pairs = pairs[budget.resume :]
    pairs.reverse()
    while not budget.spent:
        if pairs:
            slot, kind = pairs.pop()
        else:
            slot, kind = rng.choice(state.slots), rng.choice(RANDOM_KINDS)
        execute(
            f"{slot[0]} on a {kind} file",
            f"policyengine {' '.join(slot[2])} with FILE {kind} ({slot[1]})",
            lambda slot=slot, kind=kind: run_slot(state, slot, kind, rng),
        )
