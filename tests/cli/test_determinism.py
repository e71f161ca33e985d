"""The same input gives the same bytes, whatever the process's hash seed and time zone.

docs/design.md promises byte-identical JSON. Iterating a ``set`` of strings depends on
``PYTHONHASHSEED``, and reading a timestamp without an offset or "today" through the
process's local time depends on ``TZ``; either would make CI reports differ between
runners. So the real console script runs ``evaluate --json``, ``test -o json``,
``diff -o json`` (a certification and a credit-package policy) and ``batch`` (JSON
lines, with worker processes and explanations) on the bundled files, each under hash
seeds 0, 1 and random and time zones UTC, Pacific/Kiritimati (UTC+14) and
America/St_Johns (UTC-3:30, half an hour off), and the outputs are compared byte for
byte. Every date the commands need is given, so "today" plays no part.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.helpers import POLICIES, ROOT

CONSOLE = Path(sys.executable).parent / "policyengine"
ENVIRONMENTS = [("0", "UTC"), ("1", "Pacific/Kiritimati"), ("random", "America/St_Johns")]
CRP = "policies/werc-crp.yaml"
PKG = "policies/western-cpe-package.yaml"


@pytest.fixture(scope="module")
def variants(tmp_path_factory) -> Path:
    """Changed copies of the CRP and package policies, next to their scenario files."""
    folder = tmp_path_factory.mktemp("variants")
    for name, before, after in [
        ("werc-crp", "min: 30", "min: 25"),
        ("western-cpe-package", "expires_after: 1 year", "expires_after: 6 months"),
    ]:
        text = (POLICIES / f"{name}.yaml").read_text(encoding="utf-8")
        assert before in text
        (folder / f"{name}.yaml").write_text(text.replace(before, after), encoding="utf-8")
        shutil.copy(POLICIES / f"{name}.tests.yaml", folder / f"{name}.tests.yaml")
    for sub in ("accounts", "carts", "holders"):
        shutil.copytree(POLICIES / sub, folder / sub)
    return folder


def commands(variants: Path) -> dict[str, list[str]]:
    return {
        "evaluate": [
            "evaluate", CRP, "--as-of", "2025-09-01", "--json",
            "--holder", "policies/holders/werc-crp-seed-examples.yaml",
            "--holder", "policies/holders/werc-crp-second-cycle.yaml",
            "--sources", "policies/sources/werc-crp-m2002.sources.yaml",
            "--sources", "policies/sources/werc-crp-m5005.sources.yaml",
            "--sources", "policies/sources/werc-crp-m6006.sources.yaml",
        ],
        "test": ["test", "policies/", "--coverage", "-o", "json"],
        "diff": [
            "diff", CRP, str(variants / "werc-crp.yaml"), "-o", "json",
            "--holders", "policies/holders", "--as-of", "2025-09-01",
        ],
        "diff-packages": [
            "diff", PKG, str(variants / "western-cpe-package.yaml"), "-o", "json",
            "--accounts", "policies/accounts", "--carts", "policies/carts",
            "--at", "2025-03-01T10:00:00",
        ],
        "batch": [
            "batch", CRP, "policies/holders", "policies/sources", "--as-of", "2025-09-01",
            "--jobs", "2", "--explain",
        ],
    }  # fmt: skip


def run(args: list[str], seed: str, tz: str) -> tuple[int, bytes]:
    env = {**os.environ, "PYTHONHASHSEED": seed, "TZ": tz}
    proc = subprocess.run(
        [str(CONSOLE), *args], cwd=ROOT, env=env, capture_output=True, timeout=120, check=False
    )
    assert b"Traceback" not in proc.stderr, proc.stderr.decode()
    return proc.returncode, proc.stdout


def test_outputs_are_byte_identical_across_hash_seeds_and_time_zones(variants):
    jobs = [
        (name, seed, tz, args)
        for name, args in commands(variants).items()
        for seed, tz in ENVIRONMENTS
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        outputs = list(pool.map(lambda job: run(job[3], job[1], job[2]), jobs))
    by_command: dict[str, set[tuple[int, bytes]]] = {}
    for (name, _seed, _tz, _args), output in zip(jobs, outputs, strict=True):
        by_command.setdefault(name, set()).add(output)
    for name, seen in by_command.items():
        assert len(seen) == 1, f"{name}: {len(seen)} different outputs"
        [(code, out)] = seen
        assert len(out) > 1000, (name, code, out[:200])
    # the diffs do find changes, so there is something to order
    for name in ("diff", "diff-packages"):
        [(_code, out)] = by_command[name]
        assert json.loads(out)["changed"] > 0, name
