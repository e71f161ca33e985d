"""Time ``policyengine validate policies/`` end to end, cold start included.

Runs the command as a fresh process several times (as a user or CI would) and
prints the best and median wall-clock times. A script, not a timed test.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(runs: int = 7) -> None:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "policyengine", "validate", "-o", "json", "policies/"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"validate failed:\n{done.stdout}{done.stderr}")
    files = len(list((ROOT / "policies").rglob("*.yaml")))
    print(
        f"policyengine validate policies/ ({files} files), {runs} cold runs: "
        f"best {min(times) * 1000:.0f} ms, median {statistics.median(times) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
