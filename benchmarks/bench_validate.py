"""Time ``policyengine validate policies/`` end to end, cold start included.

Runs the command as a fresh process several times (as a user or CI would) and prints
the best and median wall-clock times, three ways: with the per-user cache turned off
(``POLICYENGINE_CACHE_DIR=""``: lark's tables built and every file parsed in every
run), on an empty cache (a new cache folder each run: the first run after a change of
every file, or of the loader), and on a warm cache (the folder the empty-cache runs
filled: what a second run over unchanged files costs). Each uses its own temporary
folder, never the user's cache. A script, not a timed test.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMAND = [sys.executable, "-m", "policyengine", "validate", "-o", "json", "policies/"]


def _run(cache: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        COMMAND,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "POLICYENGINE_CACHE_DIR": cache},
    )
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"validate failed:\n{done.stdout}{done.stderr}")
    return took


def _show(what: str, times: list[float]) -> None:
    files = len(list((ROOT / "policies").rglob("*.yaml")))
    print(
        f"policyengine validate policies/ ({files} files), {what}, {len(times)} runs: "
        f"best {min(times) * 1000:.0f} ms, median {statistics.median(times) * 1000:.0f} ms"
    )


def main(runs: int = 7) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        _show("cache off", [_run("") for _ in range(runs)])
        empty = [_run(os.path.join(scratch, f"cache-{n}")) for n in range(runs)]
        _show("empty cache", empty)
        warm = os.path.join(scratch, "cache-0")
        _show("warm cache", [_run(warm) for _ in range(runs)])


if __name__ == "__main__":
    main()
