"""A fuzzer with planted failures, for testing the runner (``test_harness.py``).

Its inputs, in order: a fine one, one rejected with a PolicyError, a crash (KeyError),
a hang, a worker that dies, then fine ones until the budget is spent. A worker that
replaces a killed one resumes after the inputs already run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from policyengine.errors import Diagnostic, PolicyError

NAME = "planted"
INPUT_TIMEOUT = 1.0
PLAN = ["fine", "policy", "crash", "hang", "exit", "after"]


def setup(workdir: Path) -> None:
    return None


def run(what: str) -> str:
    if what == "policy":
        raise PolicyError(Diagnostic("bad input"))
    if what == "crash":
        return {}["missing"]
    if what == "hang":
        while True:
            pass
    if what == "exit":
        os._exit(3)
    return "ok"


def loop(state: Any, rng: Any, execute: Any, budget: Any) -> None:
    n = budget.resume
    while not budget.spent:
        what = PLAN[n] if n < len(PLAN) else "fine"
        n += 1
        execute(what, f"input {what}", lambda what=what: run(what))
